/**
 * Opens the results store: the driver for the configured target, pending migrations applied where
 * that is wanted, and a Prisma client and repository on the same connection, created on first use.
 */
import { migrate } from './migrations.js';
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
  try {
    if (options.migrate ?? target.kind === 'pglite') applied = await migrate(driver);
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
    repository: () => (repository ??= new ResultsRepository(driver, getPrisma())),
    async close() {
      await prisma?.$disconnect();
      await driver.close();
    },
  };
}
