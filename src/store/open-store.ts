/**
 * Opens the results store: the driver for the configured target, pending migrations applied where
 * that is wanted, and a Prisma client and repository on the same connection, created on first use.
 */
import { InputError } from '../errors.js';
import { migrate, migrationStatus } from './migrations.js';
import { PgDriver } from './pg-driver.js';
import { PGliteDriver } from './pglite-driver.js';
import { createPrismaClient, type PrismaClient } from './prisma.js';
import { ResultsRepository } from './results-repository.js';
import type { SqlDriver } from './sql-driver.js';
import { resolveTarget, type StoreTarget } from './target.js';

export interface OpenStoreOptions {
  target?: StoreTarget;
  /**
   * Apply pending migrations on open. Default: yes for the embedded database (it is ours to keep
   * current), no for a server (schema changes there are an explicit `sgc db migrate`).
   */
  migrate?: boolean;
  /** Names this process in the embedded database's lock file. */
  command?: string;
}

export interface Store {
  readonly target: StoreTarget;
  readonly driver: SqlDriver;
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

export async function openDriver(target: StoreTarget, command = 'sgc'): Promise<SqlDriver> {
  return target.kind === 'postgres' ? PgDriver.connect(target.url) : PGliteDriver.open(target.dir, command);
}

export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const target = options.target ?? resolveTarget();
  const driver = await openDriver(target, options.command);
  let applied: string[] = [];
  let schemaProblem: string | undefined;
  try {
    if (options.migrate ?? target.kind === 'pglite') applied = await migrate(driver);
    else schemaProblem = await describeSchemaProblem(driver);
  } catch (error) {
    await driver.close();
    throw error;
  }
  let prisma: PrismaClient | undefined;
  let repository: ResultsRepository | undefined;
  const getPrisma = () => (prisma ??= createPrismaClient(driver));
  return {
    target,
    driver,
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

async function describeSchemaProblem(driver: SqlDriver): Promise<string | undefined> {
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
