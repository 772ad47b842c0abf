/**
 * Turns errors from PostgreSQL (as pg raises them) into one-line messages a user
 * can act on. PostgreSQL's own message is kept: it is usually the best description of what is wrong.
 */

export interface PgErrorFields {
  code?: string;
  message: string;
  position?: string;
  detail?: string;
  hint?: string;
}

/** SQLSTATE classes and codes the store treats specially. */
export const SqlState = {
  readOnlyTransaction: '25006',
  insufficientPrivilege: '42501',
  queryCanceled: '57014',
  syntaxError: '42601',
  undefinedTable: '42P01',
  undefinedColumn: '42703',
  uniqueViolation: '23505',
} as const;

export function isPgError(error: unknown): error is Error & PgErrorFields {
  return (
    error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && 'severity' in error
  );
}

/** PostgreSQL's message with the position, detail and hint it gave, on one line where it can. */
export function describePgError(error: Error & PgErrorFields, sql?: string): string {
  let text = error.message;
  if (error.position && sql) {
    const at = Number(error.position) - 1;
    const line = sql.slice(0, at).split('\n').length;
    const near = sql.slice(at, at + 30).split('\n')[0];
    text += ` (at character ${at + 1}${line > 1 ? `, line ${line}` : ''}: "${near}")`;
  }
  if (error.detail) text += `; ${error.detail}`;
  if (error.hint) text += `; hint: ${error.hint}`;
  return text;
}
