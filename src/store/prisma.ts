/**
 * A Prisma client on an open SqlDriver's connection: PrismaPg over the driver's pg pool, or
 * PrismaPGlite over the same PGlite instance. Sharing the connection means Prisma's writes and the
 * driver's raw SQL see one database, and closing the driver closes both.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from './generated/client.js';
import { PgDriver } from './pg-driver.js';
import { PGliteDriver } from './pglite-driver.js';
import type { SqlDriver } from './sql-driver.js';

export type { PrismaClient };

export function createPrismaClient(driver: SqlDriver): PrismaClient {
  if (driver instanceof PgDriver) return new PrismaClient({ adapter: new PrismaPg(driver.pool) });
  if (driver instanceof PGliteDriver) return new PrismaClient({ adapter: new PrismaPGlite(driver.db) });
  throw new Error(`no Prisma adapter for driver kind ${driver.kind}`);
}
