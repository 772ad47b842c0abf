/**
 * A Prisma client on an open PgDriver's pool (PrismaPg driver adapter). Sharing the pool means
 * Prisma's writes and the driver's raw SQL see one database, and closing the driver closes both.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.js';
import type { PgDriver } from './pg-driver.js';

export type { PrismaClient };

export function createPrismaClient(driver: PgDriver): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(driver.pool) });
}
