/**
 * Runs a user's SQL (`sgc sql`) as sgc_reader (see reader-role.ts), in a READ ONLY transaction with
 * a statement timeout, rolled back afterwards. What a query may do is PostgreSQL's to decide: a
 * statement that writes, reads a server file or runs a program is refused by the server (read-only
 * transaction, privileges), not guessed from the text; its refusal, like any other error in the
 * query, becomes one InputError that says what happened. One statement per call (the extended
 * protocol refuses several). Values come back as PostgreSQL's own text, as psql shows them.
 */
import { InputError } from '../errors.js';
import { describePgError, isPgError, SqlState } from './db-errors.js';
import type { ReaderConnection } from './reader-role.js';
import type { TabularResult } from './sql-driver.js';

export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

export async function runReadOnlyQuery(
  reader: ReaderConnection,
  sql: string,
  timeoutMs = DEFAULT_QUERY_TIMEOUT_MS,
): Promise<TabularResult> {
  if (!sql.trim()) throw new InputError('the query is empty');
  try {
    return await reader.driver.readOnly((tx) => tx.queryTabular(sql, [], { raw: true }), {
      role: reader.setRole,
      statementTimeoutMs: timeoutMs,
    });
  } catch (error) {
    if (!isPgError(error)) throw error;
    throw new InputError(explainQueryError(error, sql, timeoutMs));
  }
}

function explainQueryError(
  error: Error & { code?: string; message: string },
  sql: string,
  timeoutMs: number,
): string {
  const text = describePgError(error, sql);
  if (error.code === SqlState.readOnlyTransaction)
    return `refused: queries run read-only, and this statement would write (${error.message}). Nothing was changed.`;
  if (error.code === SqlState.insufficientPrivilege)
    return `refused: queries run as the read-only role sgc_reader, which may not do this (${error.message}). Nothing was changed.`;
  if (error.code === SqlState.queryCanceled)
    return `the query ran longer than ${timeoutMs / 1000} s and was stopped (--timeout <seconds> allows more). Nothing was changed.`;
  if (/cannot insert multiple commands into a prepared statement/.test(error.message))
    return 'one statement per query, please (several were given; run them one at a time). Nothing was changed.';
  if (error.code === SqlState.undefinedTable)
    return `${text}. Tables: sweep, cell, run, cell_run, run_metric, run_irrep_power, run_event; views: min_width_by_k, run_summary, loss_curve, irrep_power_curve.`;
  return text;
}
