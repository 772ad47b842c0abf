-- Views that answer what users ask (`sgc results`, `sgc sql`, Grafana). Views are not in
-- schema.prisma; the store tests query each of them.

-- Minimal width H* per k for each (sweep, group, encoding, model), as decided by the cell's search.
CREATE VIEW "min_width_by_k" AS
SELECT
  s."name" AS "sweep",
  c."group",
  c."encoding",
  c."model",
  c."k",
  c."min_width",
  (SELECT count(DISTINCT r."seed") FROM "run" r
    JOIN "cell_run" cr ON cr."run_id" = r."id"
    WHERE cr."cell_id" = c."id" AND r."h" = c."min_width" AND r."outcome" = 'succeeded')::integer AS "seeds",
  (SELECT count(*) FROM "cell_run" cr WHERE cr."cell_id" = c."id")::integer AS "runs",
  c."status",
  c."lo",
  c."hi",
  c."non_monotone"
FROM "cell" c
JOIN "sweep" s ON s."id" = c."sweep_id";

COMMENT ON VIEW "min_width_by_k" IS 'Minimal width H* per k; seeds = distinct seeds that succeeded at H*, runs = all runs of the cell';

-- One row per run and cell using it (a run shared by two sweeps appears under each), with the
-- cell's coordinates and the run's final numbers. Runs outside any sweep have a NULL sweep.
CREATE VIEW "run_summary" AS
SELECT
  r."id" AS "run_id",
  r."config_hash",
  s."name" AS "sweep",
  c."group",
  c."encoding",
  c."model",
  c."k",
  r."h",
  r."seed",
  r."status",
  r."outcome",
  r."final_loss",
  r."final_accuracy",
  r."steps",
  r."duration_ms" / 1000.0 AS "duration_s",
  r."engine",
  r."backend",
  r."worker",
  r."attempt",
  r."started_at",
  r."finished_at",
  (SELECT count(*) FROM "run_metric" m WHERE m."run_id" = r."id")::integer AS "metric_points",
  (SELECT count(*) FROM "run_event" e
    WHERE e."run_id" = r."id" AND e."kind" = 'irrep_acquired')::integer AS "irreps_acquired"
FROM "run" r
LEFT JOIN "cell_run" cr ON cr."run_id" = r."id"
LEFT JOIN "cell" c ON c."id" = cr."cell_id"
LEFT JOIN "sweep" s ON s."id" = c."sweep_id";

-- Loss staircase of every run, one row per recorded step.
CREATE VIEW "loss_curve" AS
SELECT
  s."name" AS "sweep",
  c."group",
  c."encoding",
  c."model",
  c."k",
  r."h",
  r."seed",
  r."id" AS "run_id",
  r."config_hash",
  m."step",
  m."loss",
  m."accuracy"
FROM "run_metric" m
JOIN "run" r ON r."id" = m."run_id"
LEFT JOIN "cell_run" cr ON cr."run_id" = r."id"
LEFT JOIN "cell" c ON c."id" = cr."cell_id"
LEFT JOIN "sweep" s ON s."id" = c."sweep_id";

-- Power of the output in each irrep over training, one row per (run, step, irrep).
CREATE VIEW "irrep_power_curve" AS
SELECT
  s."name" AS "sweep",
  c."group",
  c."encoding",
  c."model",
  c."k",
  r."h",
  r."seed",
  r."id" AS "run_id",
  r."config_hash",
  p."step",
  p."irrep",
  p."power"
FROM "run_irrep_power" p
JOIN "run" r ON r."id" = p."run_id"
LEFT JOIN "cell_run" cr ON cr."run_id" = r."id"
LEFT JOIN "cell" c ON c."id" = cr."cell_id"
LEFT JOIN "sweep" s ON s."id" = c."sweep_id";
