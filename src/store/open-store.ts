/**
 * Opens the results store: a connection to its PostgreSQL (the embedded server of the sgc home,
 * attached and started where needed, or DATABASE_URL's), pending migrations applied where that is
 * wanted, and a Prisma client and repository on the same pool, created on first use.
 */
import { InputError } from '../errors.js';
import { type AttachedStore, attachEmbedded } from './embedded/attach.js';
import { migrate, migrationStatus } from './migrations.js';
import { PgDriver } from './pg-driver.js';
import { createPrismaClient, type PrismaClient } from './prisma.js';
import { grantReader } from './reader-role.js';
import { ResultsRepository } from './results-repository.js';
import { resolveTarget, type StoreTarget } from './target.js';

export interface OpenStoreOptions {
  target?: StoreTarget;
  /**
   * Apply pending migrations on open. Default: yes for the embedded store (it is ours to keep
   * current), no for a server (schema changes there are an explicit `sgc db migrate`).
   */
  migrate?: boolean;
  /** May create an embedded store where the folder has none (commands that start things). */
  create?: boolean;
  /** Names this process among the embedded server's users. */
  command?: string;
  /** Lines for the user: a store created, a server started. */
  log?: (line: string) => void;
}

export interface Store {
  readonly target: StoreTarget;
  readonly driver: PgDriver;
  /** The embedded server this process is attached to; undefined on DATABASE_URL. */
  readonly embedded: AttachedStore | undefined;
  /** Names of the migrations applied while opening. */
  readonly applied: string[];
  /**
   * Why the database's schema is not this checkout's (pending migrations, say), or undefined when
   * it is. Reads (`sgc sql`) go ahead regardless; repository() refuses, so nothing is written
   * into a schema the code does not expect.
   */
  readonly schemaProblem: string | undefined;
  prisma(): PrismaClient;
  repository(): ResultsRepository;
  close(): Promise<void>;
}

export interface Connection {
  driver: PgDriver;
  embedded: AttachedStore | undefined;
}

/** A pool on the target as the role sgc writes with; an embedded server is attached (and started). */
export async function openDriver(
  target: StoreTarget,
  options: Pick<OpenStoreOptions, 'create' | 'command' | 'log'> = {},
): Promise<PgDriver> {
  return (await openConnection(target, options)).driver;
}

/** openDriver, with the embedded server attached to (undefined on DATABASE_URL). */
export async function openConnection(
  target: StoreTarget,
  options: Pick<OpenStoreOptions, 'create' | 'command' | 'log'> = {},
): Promise<Connection> {
  if (target.kind === 'postgres') return { driver: await PgDriver.connect(target.url), embedded: undefined };
  const embedded = await attachEmbedded(target.home, {
    create: options.create ?? false,
    command: options.command ?? 'sgc',
    log: options.log,
  });
  const driver = await PgDriver.connect(embedded.ownerUrl, {
    onClose: () => embedded.release(),
    location: `the embedded store in ${target.home} (127.0.0.1:${embedded.port})`,
    max: 8,
  });
  return { driver, embedded };
}

export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const target = options.target ?? resolveTarget({ create: options.create });
  const { driver, embedded } = await openConnection(target, options);
  let applied: string[] = [];
  let schemaProblem: string | undefined;
  try {
    if (options.migrate ?? target.kind === 'embedded') {
      applied = await migrate(driver);
      await grantReader(driver);
    } else schemaProblem = await describeSchemaProblem(driver);
  } catch (error) {
    await driver.close();
    throw error;
  }
  for (const name of applied) options.log?.(`applied migration ${name}`);
  let prisma: PrismaClient | undefined;
  let repository: ResultsRepository | undefined;
  const getPrisma = () => (prisma ??= createPrismaClient(driver));
  return {
    target,
    driver,
    embedded,
    applied,
    prisma: getPrisma,
    schemaProblem,
    repository() {
      if (schemaProblem) throw new InputError(schemaProblem);
      repository ??= new ResultsRepository(driver, getPrisma());
      return repository;
    },
    async close() {
      await prisma?.$disconnect();
      await driver.close();
    },
  };
}

async function describeSchemaProblem(driver: PgDriver): Promise<string | undefined> {
  try {
    const { pending } = await migrationStatus(driver);
    if (pending.length === 0) return undefined;
    return (
      `the database at ${driver.location} lacks ${pending.length} migration(s) of this checkout ` +
      `(${pending.map((m) => m.name).join(', ')}): run \`sgc db migrate\``
    );
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
}
