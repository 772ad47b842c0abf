/**
 * Runs a user's SQL (`sgc sql`) so that it cannot change anything: one statement, in a read-only
 * transaction that is rolled back afterwards. A statement that writes is refused by PostgreSQL
 * itself (SQLSTATE 25006), which is more reliable than guessing from the text; its refusal, like any
 * other error in the query, becomes one InputError that says what happened. Values come back as
 * PostgreSQL's own text, so the output does not depend on which driver ran the query.
 */
import { InputError } from '../errors.js';
import { describePgError, isPgError, SqlState } from './db-errors.js';
import type { SqlDriver, TabularResult } from './sql-driver.js';

export async function runReadOnlyQuery(driver: SqlDriver, sql: string): Promise<TabularResult> {
  if (!sql.trim()) throw new InputError('the query is empty');
  try {
    return await driver.readOnly((tx) => tx.queryTabular(sql, [], { raw: true }));
  } catch (error) {
    if (!isPgError(error)) throw error;
    throw new InputError(explainQueryError(error, sql));
  }
}

function explainQueryError(error: Error & { code?: string; message: string }, sql: string): string {
  const text = describePgError(error, sql);
  if (error.code === SqlState.readOnlyTransaction)
    return `refused: queries run read-only, and this statement would write (${error.message}). Nothing was changed.`;
  if (/cannot insert multiple commands into a prepared statement/.test(error.message))
    return 'one statement per query, please (several were given; run them one at a time). Nothing was changed.';
  if (error.code === SqlState.undefinedTable)
    return `${text}. Tables: sweep, cell, run, cell_run, run_metric, run_irrep_power, run_event; views: min_width_by_k, run_summary, loss_curve, irrep_power_curve.`;
  return text;
}
