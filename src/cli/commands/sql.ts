/** `sgc sql "<query>"`: a read-only query against the results store, printed as a table, JSON or CSV. */
import { readFileSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { DEFAULT_QUERY_TIMEOUT_MS, runReadOnlyQuery } from '../../store/read-only-query.js';
import { openReader } from '../../store/reader-role.js';
import { resolveTarget } from '../../store/target.js';
import { parseFinite } from '../args.js';
import { defineCommand } from '../command.js';
import { chosenFormat, formatResult } from './sql-format.js';

const usage = `Usage: sgc sql "<query>" [--json | --csv] [--timeout <seconds>]
       sgc sql --file query.sql [--json | --csv] [--timeout <seconds>]

Runs one SQL statement against the results store as the read-only role sgc_reader, in a read-only
transaction: PostgreSQL refuses anything that would write, read server files or run programs, and
the database is left unchanged. The store is the PostgreSQL server in DATABASE_URL when set (the
query runs as sgc_reader there too: SGC_READER_URL, or SET ROLE where DATABASE_URL's role is a
plain member of it; never as a superuser), otherwise the embedded store of the nearest .sgc/ folder
(SGC_HOME to name one).

Tables: sweep, cell, run, cell_run, run_metric, run_irrep_power, run_event
Views:  min_width_by_k, run_summary, loss_curve, irrep_power_curve

Options:
  --json         an array of objects, one per row
  --csv          CSV with a header line
  --file <path>  read the query from a file (- for standard input)
  --timeout <s>  stop the query after this many seconds (default ${DEFAULT_QUERY_TIMEOUT_MS / 1000})`;

export const sqlCommand = defineCommand({
  usage,
  options: {
    json: { type: 'boolean' },
    csv: { type: 'boolean' },
    file: { type: 'string' },
    timeout: { type: 'string' },
  },
  examples: [
    `sgc sql "SELECT k, min_width FROM min_width_by_k WHERE group_name = 'C6' ORDER BY k"`,
    'sgc sql --file query.sql --csv',
  ],
  async run({ values, positionals }) {
    const format = chosenFormat(values);
    if (format === 'both') throw new InputError('choose one of --json and --csv');
    const timeoutMs =
      values.timeout === undefined
        ? DEFAULT_QUERY_TIMEOUT_MS
        : parseFinite(values.timeout, '--timeout') * 1000;
    if (!(timeoutMs > 0)) throw new InputError(`--timeout ${values.timeout}: a number of seconds above 0`);
    let query: string;
    if (values.file !== undefined) {
      if (positionals.length)
        throw new InputError('give the query either as an argument or with --file, not both');
      try {
        // '-' is standard input (file descriptor 0), for queries piped in or written as a heredoc.
        query = readFileSync(values.file === '-' ? 0 : values.file, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const reason =
          code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? error);
        throw new InputError(`cannot read ${values.file}: ${reason}`);
      }
    } else {
      if (positionals.length !== 1)
        throw new InputError('expected one query, in quotes (see `sgc sql --help`)');
      query = positionals[0];
    }
    const reader = await openReader(resolveTarget());
    try {
      const result = await runReadOnlyQuery(reader, query, timeoutMs);
      console.log(formatResult(result, format));
    } finally {
      await reader.driver.close();
    }
    return 0;
  },
});
