/**
 * "Learning dynamics": one run's loss staircase and the power of its output in each irrep over
 * training, from the store (per-step curves never go to Prometheus). The staircase is drawn with
 * the plateau levels the theory predicts, level_j = (1/|G|)·Σ_{i>j} P_(i) over the encoding's powers
 * sorted in decreasing order. SQL cannot compute an encoding's Fourier powers, so they are read from
 * the store: the final irrep powers of a run that succeeded on the same group and encoding (its output
 * then is the target, whose power in each irrep is the encoding's), else of this run.
 */
import { VariableSort } from '@grafana/schema';
import { byRegexp, dashboard, POSTGRES, queryVariable, sql, table, trend } from './build.js';
import { groupOrderSql } from './sql.js';

const plateaus = `
  WITH "this" AS (
    SELECT "run_id", "group_name", "encoding" FROM "run_summary" WHERE "run_id" = $run LIMIT 1
  ), "source" AS (
    SELECT coalesce(
      (SELECT max(s."run_id") FROM "run_summary" s, "this" t
        WHERE s."group_name" = t."group_name" AND s."encoding" = t."encoding" AND s."outcome" = 'succeeded'),
      (SELECT "run_id" FROM "this")) AS "run_id"
  ), "final" AS (
    SELECT p."irrep", p."power" FROM "run_irrep_power" p, "source" s
     WHERE p."run_id" = s."run_id"
       AND p."step" = (SELECT max(q."step") FROM "run_irrep_power" q WHERE q."run_id" = s."run_id")
  ), "ranked" AS (
    SELECT "power", row_number() OVER (ORDER BY "power" DESC, "irrep") AS "i" FROM "final"
  ), "levels" AS (
    SELECT a."i" - 1 AS "learned",
           (SELECT sum(b."power") FROM "ranked" b WHERE b."i" >= a."i")
             / (SELECT ${groupOrderSql('t."group_name"')} FROM "this" t) AS "level"
      FROM "ranked" a
  ), "span" AS (
    SELECT min("step") AS "first", max("step") AS "last" FROM "run_metric" WHERE "run_id" = $run
  )
  SELECT x."step", l."level" AS "plateau", l."learned"
    FROM "levels" l, "span" s, LATERAL (VALUES (s."first"), (s."last")) AS x("step")
   WHERE l."level" > 1e-12
   ORDER BY l."learned", x."step"`;

export const learningDynamicsDashboard = dashboard({
  uid: 'sgc-learning-dynamics',
  title: 'Learning dynamics',
  description: "One run's loss staircase, with the predicted plateaus, and its output's power per irrep",
  tags: ['runs'],
  time: { from: 'now-30d', to: 'now' },
  refresh: '',
  variables: [
    queryVariable({
      name: 'sweep',
      label: 'Sweep',
      datasource: POSTGRES,
      query: `SELECT "name" FROM "sweep" ORDER BY "created_at" DESC`,
      sort: VariableSort.disabled,
    }),
    queryVariable({
      name: 'run',
      label: 'Run',
      datasource: POSTGRES,
      query: `
        SELECT r."run_id" AS "__value",
               format('%s · %s · k=%s · %s · H=%s · seed %s · %s', r."group_name", r."encoding", r."k", r."model",
                      r."h", r."seed", coalesce(r."outcome"::text, r."status"::text)) AS "__text"
          FROM (SELECT DISTINCT ON ("run_id") * FROM "run_summary" WHERE "sweep" = '$sweep' ORDER BY "run_id") r
         ORDER BY r."group_name", r."encoding", r."k", r."model", r."h", r."seed"`,
      sort: VariableSort.disabled,
    }),
  ],
  panels: [
    trend({
      title: 'Loss staircase, with the predicted plateaus',
      description:
        'Loss = (1/|G|)·‖ŷ − y‖² against the training step. Dashed: the plateau after j irreps are learned, (1/|G|)·Σ of the powers not yet learned.',
      w: 16,
      h: 11,
      xField: 'step',
      logBase: 10,
      targets: [
        sql(`SELECT "step", "loss" FROM "loss_curve" WHERE "run_id" = $run ORDER BY "step"`, [
          'step',
          'loss',
        ]),
        sql(plateaus, ['step', 'plateau', 'learned']),
      ],
      transformations: [
        {
          id: 'partitionByValues',
          filter: { id: 'byRefId', options: 'B' },
          options: { fields: ['learned'], keepFields: false, naming: { asLabels: true } },
        },
      ],
      overrides: [
        {
          matcher: byRegexp('.*plateau.*'),
          properties: [
            { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
            { id: 'custom.showPoints', value: 'never' },
            { id: 'custom.lineWidth', value: 1 },
          ],
        },
      ],
    }),
    table({
      title: 'Irreps acquired',
      description: 'The step at which the output first carried most of each irrep’s power',
      w: 8,
      h: 11,
      targets: [
        sql(
          `
          SELECT "step", "irrep", "value"
            FROM "run_event"
           WHERE "run_id" = $run AND "kind" = 'irrep_acquired'
           ORDER BY "step", "irrep"`,
          ['step', 'irrep', 'value'],
        ),
      ],
    }),
    trend({
      title: 'Power of the output in each irrep',
      w: 16,
      h: 11,
      xField: 'step',
      targets: [
        sql(
          `SELECT "step", "irrep", "power" FROM "irrep_power_curve" WHERE "run_id" = $run ORDER BY "irrep", "step"`,
          ['step', 'irrep', 'power'],
        ),
      ],
      transformations: [
        {
          id: 'partitionByValues',
          options: { fields: ['irrep'], keepFields: false, naming: { asLabels: true } },
        },
      ],
    }),
    trend({
      title: 'Accuracy',
      w: 8,
      h: 11,
      xField: 'step',
      unit: 'percentunit',
      targets: [
        sql(
          `SELECT "step", "accuracy" FROM "loss_curve" WHERE "run_id" = $run AND "accuracy" IS NOT NULL ORDER BY "step"`,
          ['step', 'accuracy'],
        ),
      ],
    }),
    table({
      title: 'Run',
      w: 24,
      h: 5,
      targets: [
        sql(
          `
          SELECT "config_hash", "group_name", "encoding", "model", "k", "h", "seed", "status"::text AS "status",
                 "outcome"::text AS "outcome", "final_loss", "final_accuracy", "steps", "duration_s", "engine",
                 "backend", "worker", "irreps_acquired"
            FROM "run_summary"
           WHERE "run_id" = $run
           LIMIT 1`,
          [
            'config_hash',
            'group_name',
            'encoding',
            'model',
            'k',
            'h',
            'seed',
            'status',
            'outcome',
            'final_loss',
            'final_accuracy',
            'steps',
            'duration_s',
            'engine',
            'backend',
            'worker',
            'irreps_acquired',
          ],
        ),
      ],
    }),
  ],
});
