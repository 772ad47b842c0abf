/**
 * A checksum of every row of every table in the results store: equal before and after means a
 * command changed nothing. (A running PostgreSQL rewrites its own files all the time, so the data
 * directory's bytes cannot tell.)
 */
import type { SqlSession } from '../../src/store/sql-driver.js';

export async function storeChecksum(session: SqlSession): Promise<string> {
  const tables = await session.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  const parts: string[] = [];
  for (const { name } of tables) {
    const [row] = await session.query<{ sum: string | null; n: number }>(
      `SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS sum, count(*)::integer AS n FROM "${name}" t`,
    );
    parts.push(`${name}:${row.n}:${row.sum}`);
  }
  return parts.join(' ');
}
