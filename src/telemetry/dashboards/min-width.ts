/**
 * "Minimal width vs k": the headline of a sweep, H*(k) per group, encoding and model on a log axis,
 * from the store (with the theory's 2^(k−1)·|G| for the two-layer model) and from Prometheus'
 * sgc_min_width, which every exporter reads from the store at scrape time (the two must agree).
 */
import { VariableSort } from '@grafana/schema';
import {
  byRegexp,
  dashboard,
  POSTGRES,
  prom,
  queryVariable,
  sql,
  table,
  timeseries,
  trend,
} from './build.js';
import { theoryWidthSql } from './sql.js';

const cellFilter = `"group_name" IN ($group) AND "encoding" IN ($encoding) AND "model" IN ($model)`;
const promFilter = `sweep="$sweep", group=~"$group", encoding=~"$encoding", model=~"$model"`;
const dashed = {
  matcher: byRegexp('.*theory.*'),
  properties: [
    { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
    { id: 'custom.showPoints', value: 'never' },
  ],
};

export const minWidthDashboard = dashboard({
  uid: 'sgc-min-width',
  title: 'Minimal width vs k',
  description:
    'H*(k): the narrowest hidden width that learns the task exactly, per group, encoding and model',
  tags: ['results'],
  time: { from: 'now-7d', to: 'now' },
  variables: [
    queryVariable({
      name: 'sweep',
      label: 'Sweep',
      datasource: POSTGRES,
      query: `SELECT "name" FROM "sweep" ORDER BY "created_at" DESC`,
      sort: VariableSort.disabled,
    }),
    queryVariable({
      name: 'group',
      label: 'Group',
      datasource: POSTGRES,
      query: `SELECT DISTINCT "group_name" FROM "min_width_by_k" WHERE "sweep" = '$sweep'`,
      multi: true,
    }),
    queryVariable({
      name: 'encoding',
      label: 'Encoding',
      datasource: POSTGRES,
      query: `SELECT DISTINCT "encoding" FROM "min_width_by_k" WHERE "sweep" = '$sweep'`,
      multi: true,
    }),
    queryVariable({
      name: 'model',
      label: 'Model',
      datasource: POSTGRES,
      query: `SELECT DISTINCT "model" FROM "min_width_by_k" WHERE "sweep" = '$sweep'`,
      multi: true,
    }),
  ],
  panels: [
    trend({
      title: 'H*(k) from the store, with the theory 2^(k−1)·|G| for the two-layer model',
      description:
        'One line per group · encoding · model from the view min_width_by_k; dashed: the theory for the two-layer (mlp) model. Cells still searching have no point yet.',
      w: 24,
      h: 11,
      xField: 'k',
      logBase: 2,
      targets: [
        sql(
          `
          SELECT c."k", c."min_width", ${theoryWidthSql('c')} AS "theory",
                 concat_ws(' · ', c."group_name", c."encoding", c."model") AS "cell"
            FROM "min_width_by_k" c
           WHERE c."sweep" = '$sweep' AND ${cellFilter.replace(/"(group_name|encoding|model)"/g, 'c."$1"')}
           ORDER BY "cell", c."k"`,
          ['k', 'min_width', 'theory', 'cell'],
        ),
      ],
      transformations: [
        {
          id: 'partitionByValues',
          options: { fields: ['cell'], keepFields: false, naming: { asLabels: false } },
        },
      ],
      overrides: [dashed],
    }),
    trend({
      title: 'H*(k) from Prometheus (sgc_min_width)',
      description:
        "sgc_min_width, which every worker reads from the store at each scrape: the same numbers as the store, while the sweep runs or has ended within the exporters' window (default 1 h).",
      w: 12,
      h: 10,
      xField: 'k',
      logBase: 2,
      targets: [
        prom(`max by (group, encoding, model, k) (sgc_min_width{${promFilter}})`, {
          instant: true,
          table: true,
        }),
      ],
      transformations: [
        { id: 'organize', options: { excludeByName: { Time: true }, renameByName: { Value: 'H*' } } },
        {
          id: 'convertFieldType',
          options: { conversions: [{ targetField: 'k', destinationType: 'number' }], fields: {} },
        },
        { id: 'sortBy', options: { sort: [{ field: 'k' }] } },
        {
          id: 'partitionByValues',
          options: { fields: ['group', 'encoding', 'model'], keepFields: false, naming: { asLabels: true } },
        },
      ],
    }),
    timeseries({
      title: 'H* of each cell as cells resolve (Prometheus)',
      w: 12,
      h: 10,
      logBase: 2,
      targets: [
        prom(`max by (group, encoding, model, k) (sgc_min_width{${promFilter}})`, {
          legend: '{{group}} · {{encoding}} · {{model}} · k={{k}}',
        }),
      ],
    }),
    table({
      title: 'H* per cell against the theory',
      description:
        'ratio = H* / (2^(k−1)·|G|) for the two-layer model; seeds: distinct seeds that succeeded at H*; non_monotone: a wider width failed after a narrower one succeeded.',
      w: 24,
      h: 10,
      targets: [
        sql(
          `
          SELECT c."group_name", c."encoding", c."model", c."k", c."min_width",
                 ${theoryWidthSql('c')} AS "theory",
                 round((c."min_width" / (${theoryWidthSql('c')})::double precision)::numeric, 3) AS "ratio",
                 c."lo", c."hi", c."seeds", c."runs", c."status"::text AS "status", c."non_monotone"
            FROM "min_width_by_k" c
           WHERE c."sweep" = '$sweep' AND ${cellFilter.replace(/"(group_name|encoding|model)"/g, 'c."$1"')}
           ORDER BY c."group_name", c."encoding", c."model", c."k"`,
          [
            'group_name',
            'encoding',
            'model',
            'k',
            'min_width',
            'theory',
            'ratio',
            'lo',
            'hi',
            'seeds',
            'runs',
            'status',
            'non_monotone',
          ],
        ),
      ],
    }),
  ],
});
