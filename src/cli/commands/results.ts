/**
 * `sgc results [sweep]`: the minimal width H* per k for each (group, encoding, model), read from
 * the min_width_by_k view. The table puts k across, one row per (sweep, group, encoding, model);
 * --json and --csv give the view's rows as they are.
 */
import { InputError } from '../../errors.js';
import { isPgError, SqlState } from '../../store/db-errors.js';
import { openStore } from '../../store/open-store.js';
import type { TabularResult } from '../../store/sql-driver.js';
import { defineCommand } from '../command.js';
import { seeHelp } from '../commandLine.js';
import { type WidthRow, widthTableText } from '../widthTable.js';
import { chosenFormat, formatResult, typedValue } from './sql-format.js';

const usage = `Usage: sgc results [sweep] [--all] [--json | --csv]

Minimal width H* per k for each (group, encoding, model), for one sweep or all of them (archived
sweeps, see \`sgc sweep archive\`, only with --all or by name).
In the table, a number is H*; "…" means the search is still going, "-" that it ended without
one, "?" that it stopped undecided because runs ended in error (not a failed width: start the
sweep again to re-run them), "x" that it was stopped before it decided, and "*" that a wider H
failed after a narrower one succeeded (see the cell's runs). \`sgc run\` ends with the same table.
The last column is the results version of the code that computed the row's runs (runs of an
older version are never reused; the newest version's runs decide).

Options:
  --all    archived sweeps too
  --json   the rows of the min_width_by_k view, as JSON
  --csv    the same as CSV`;

export const resultsCommand = defineCommand({
  usage,
  options: { json: { type: 'boolean' }, csv: { type: 'boolean' }, all: { type: 'boolean' } },
  examples: ['sgc results', 'sgc results small-width --csv'],
  async run({ values, positionals }) {
    const format = chosenFormat(values);
    if (format === 'both') throw new InputError('choose one of --json and --csv');
    if (positionals.length > 1) throw new InputError(`expected at most one sweep name (${seeHelp(usage)})`);
    const sweep = positionals[0];
    const store = await openStore({ command: 'sgc results' });
    try {
      // Archived sweeps are left out of the whole table only: a sweep asked for by name is shown.
      const where =
        sweep !== undefined
          ? 'WHERE sweep = $1'
          : values.all
            ? ''
            : 'WHERE sweep NOT IN (SELECT name FROM sweep WHERE archived_at IS NOT NULL)';
      const query = `SELECT * FROM min_width_by_k ${where} ORDER BY sweep, group_name, encoding, model, k`;
      let result: TabularResult;
      try {
        result = await store.driver.queryTabular(query, sweep === undefined ? [] : [sweep], { raw: true });
      } catch (error) {
        if (isPgError(error) && error.code === SqlState.undefinedTable)
          throw new InputError(
            `the database at ${store.driver.location} has no sgc tables yet: run \`sgc db migrate\``,
          );
        if (isPgError(error) && error.code === SqlState.undefinedColumn)
          throw new InputError(
            `the database at ${store.driver.location} lacks migrations: run \`sgc db migrate\``,
          );
        throw error;
      }
      if (sweep !== undefined && result.rows.length === 0) {
        const known = (
          await store.driver.query<{ name: string }>('SELECT name FROM sweep ORDER BY name')
        ).map((r) => r.name);
        if (!known.includes(sweep))
          throw new InputError(
            `no sweep named "${sweep}"; ${known.length ? `sweeps: ${known.join(', ')}` : 'there are no sweeps yet'}`,
          );
      }
      if (format !== 'table') {
        console.log(formatResult(result, format));
        return 0;
      }
      if (result.rows.length === 0) {
        console.log(sweep === undefined ? 'No results yet.' : `Sweep "${sweep}" has no cells yet.`);
        return 0;
      }
      const rows = result.rows.map(
        (row) =>
          Object.fromEntries(
            result.columns.map((c, i) => [c, typedValue(row[i], result.types[i])]),
          ) as unknown as WidthRow,
      );
      console.log(widthTableText(rows));
    } finally {
      await store.close();
    }
    return 0;
  },
});
