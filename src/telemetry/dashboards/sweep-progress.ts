/**
 * "Sweep progress": how far one sweep has come. Cells by state, runs done against runs planned and
 * each cell's search bracket come from the sweep gauges, which every exporter reads from the store
 * at scrape time (so all report the same; `max` picks any one, and keeps a line while one exporter
 * misses a scrape); the cell table and run counts from the store directly (there after the sweep
 * has left the gauges' window and the workers are gone).
 */
import { VariableSort } from '@grafana/schema';
import { dashboard, POSTGRES, prom, queryVariable, sql, stat, table, timeseries } from './build.js';

export const sweepProgressDashboard = dashboard({
  uid: 'sgc-sweep-progress',
  title: 'Sweep progress',
  description: 'Cells and runs of one sweep: states, runs done of runs planned, search brackets',
  tags: ['sweeps'],
  time: { from: 'now-6h', to: 'now' },
  refresh: '10s',
  variables: [
    queryVariable({
      name: 'sweep',
      label: 'Sweep',
      datasource: POSTGRES,
      query: `SELECT "name" FROM "sweep" ORDER BY "created_at" DESC`,
      sort: VariableSort.disabled,
    }),
  ],
  panels: [
    stat({
      title: 'Runs done',
      description: 'Runs finished of the runs planned so far (the plan grows while searches gallop)',
      w: 6,
      h: 6,
      unit: 'percentunit',
      targets: [
        prom(
          `max(sum by (instance) (sgc_sweep_runs{sweep="$sweep", status="done"}) / sum by (instance) (sgc_sweep_runs{sweep="$sweep"}))`,
          { legend: 'done' },
        ),
      ],
    }),
    timeseries({
      title: 'Cells by state',
      description:
        "From the store at each scrape; an ended sweep stays for the exporters' window (default 1 h)",
      w: 9,
      h: 6,
      targets: [prom(`max by (state) (sgc_sweep_cells{sweep="$sweep"})`, { legend: '{{state}}' })],
    }),
    timeseries({
      title: 'Runs done and planned',
      w: 9,
      h: 6,
      targets: [
        prom(`max(sgc_sweep_runs{sweep="$sweep", status="done"})`, { legend: 'done' }),
        prom(`max(sum by (instance) (sgc_sweep_runs{sweep="$sweep"}))`, { legend: 'planned' }),
      ],
    }),
    timeseries({
      title: 'Search brackets [lo, hi] per cell',
      description:
        'lo: widest width known to fail; hi: narrowest known to succeed. They meet when a cell resolves.',
      w: 24,
      h: 9,
      logBase: 2,
      targets: [
        prom(`max by (group, encoding, model, k) (sgc_cell_bracket_lo{sweep="$sweep"})`, {
          legend: '{{group}} · {{encoding}} · {{model}} · k={{k}} lo',
        }),
        prom(`max by (group, encoding, model, k) (sgc_cell_bracket_hi{sweep="$sweep"})`, {
          legend: '{{group}} · {{encoding}} · {{model}} · k={{k}} hi',
        }),
      ],
    }),
    table({
      title: 'Cells',
      w: 16,
      h: 10,
      targets: [
        sql(
          `
          SELECT "group_name", "encoding", "model", "k", "status"::text AS "status", "lo", "hi", "min_width",
                 "seeds", "runs", "non_monotone"
            FROM "min_width_by_k"
           WHERE "sweep" = '$sweep'
           ORDER BY "group_name", "encoding", "model", "k"`,
          [
            'group_name',
            'encoding',
            'model',
            'k',
            'status',
            'lo',
            'hi',
            'min_width',
            'seeds',
            'runs',
            'non_monotone',
          ],
        ),
      ],
    }),
    table({
      title: 'Runs by status and outcome',
      w: 8,
      h: 10,
      targets: [
        sql(
          `
          SELECT "status"::text AS "status", coalesce("outcome"::text, '') AS "outcome",
                 count(DISTINCT "run_id")::integer AS "runs"
            FROM "run_summary"
           WHERE "sweep" = '$sweep'
           GROUP BY 1, 2
           ORDER BY 1, 2`,
          ['status', 'outcome', 'runs'],
        ),
      ],
    }),
    timeseries({
      title: 'Runs finished per minute, by outcome (store)',
      w: 24,
      h: 8,
      targets: [
        sql(
          `
          SELECT date_trunc('minute', "finished_at") AS "time", coalesce("outcome"::text, 'none') AS "metric",
                 count(DISTINCT "run_id")::integer AS "runs"
            FROM "run_summary"
           WHERE "sweep" = '$sweep' AND "finished_at" IS NOT NULL AND $__timeFilter("finished_at")
           GROUP BY 1, 2
           ORDER BY 1`,
          ['time', 'metric', 'runs'],
          'time_series',
        ),
      ],
    }),
  ],
});
