/** `sgc sql "<query>"`: a read-only query against the results store, printed as a table, JSON or CSV. */
import { readFileSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { openStore } from '../../store/open-store.js';
import { runReadOnlyQuery } from '../../store/read-only-query.js';
import { parseOptions } from '../args.js';
import type { Command } from '../command.js';
import { chosenFormat, formatResult } from './sql-format.js';

const usage = `Usage: sgc sql "<query>" [--json | --csv]
       sgc sql --file query.sql [--json | --csv]

Runs one SQL statement against the results store, read-only: a statement that would write is
refused and the database is left unchanged. The store is the PostgreSQL server in DATABASE_URL
when set, otherwise the embedded database in .sgc/db (SGC_DB_DIR to move it).

Tables: sweep, cell, run, cell_run, run_metric, run_irrep_power, run_event
Views:  min_width_by_k, run_summary, loss_curve, irrep_power_curve

Options:
  --json         an array of objects, one per row
  --csv          CSV with a header line
  --file <path>  read the query from a file (- for standard input)

Example:
  sgc sql "SELECT k, min_width FROM min_width_by_k WHERE \\"group\\" = 'C6' ORDER BY k"`;

export const sqlCommand: Command = {
  name: ['sql'],
  summary: 'run a read-only SQL query on the results (table, --json or --csv)',
  usage,
  async run(args) {
    const { values, positionals } = parseOptions(
      args,
      { json: { type: 'boolean' }, csv: { type: 'boolean' }, file: { type: 'string' } },
      usage,
    );
    const format = chosenFormat(values);
    if (format === 'both') throw new InputError('choose one of --json and --csv');
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
    const store = await openStore({ command: 'sgc sql' });
    try {
      const result = await runReadOnlyQuery(store.driver, query);
      console.log(formatResult(result, format));
    } finally {
      await store.close();
    }
    return 0;
  },
};
