-- Each run's code identity, the part of its config_hash that is not its config
-- (src/learn/codeIdentity.ts): sgc's results version and the versions of the engine's numerical
-- libraries. Runs stored before this migration keep NULL in both: their hashes were made from the
-- package version, so no newer sgc reuses them, and they stay queryable.

-- AlterTable
ALTER TABLE "run" ADD COLUMN     "libraries" JSONB,
ADD COLUMN     "results_version" INTEGER;

-- The views show the identity. Columns are appended (CREATE OR REPLACE VIEW keeps the others).

-- min_width_by_k: results_version is the newest one among the cell's runs (NULL when none is
-- recorded). A cell searched again after a results-version bump also links the runs of its earlier
-- search; seeds and runs count only the runs of that newest version, so that H* is backed by runs of
-- one code.
CREATE OR REPLACE VIEW "min_width_by_k" AS
SELECT
  s."name" AS "sweep",
  c."group",
  c."encoding",
  c."model",
  c."k",
  c."min_width",
  (SELECT count(DISTINCT r."seed") FROM "run" r
    JOIN "cell_run" cr ON cr."run_id" = r."id"
    WHERE cr."cell_id" = c."id" AND r."h" = c."min_width" AND r."outcome" = 'succeeded'
      AND r."results_version" IS NOT DISTINCT FROM v."results_version")::integer AS "seeds",
  (SELECT count(*) FROM "cell_run" cr JOIN "run" r ON r."id" = cr."run_id"
    WHERE cr."cell_id" = c."id"
      AND r."results_version" IS NOT DISTINCT FROM v."results_version")::integer AS "runs",
  c."status",
  c."lo",
  c."hi",
  c."non_monotone",
  v."results_version"
FROM "cell" c
JOIN "sweep" s ON s."id" = c."sweep_id"
CROSS JOIN LATERAL (
  SELECT max(r."results_version") AS "results_version" FROM "run" r
    JOIN "cell_run" cr ON cr."run_id" = r."id"
    WHERE cr."cell_id" = c."id"
) v;

COMMENT ON VIEW "min_width_by_k" IS 'Minimal width H* per k; results_version = the newest results version of the cell''s runs; seeds = distinct seeds that succeeded at H*, runs = the cell''s runs, both of that results version';

CREATE OR REPLACE VIEW "run_summary" AS
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
    WHERE e."run_id" = r."id" AND e."kind" = 'irrep_acquired')::integer AS "irreps_acquired",
  r."results_version",
  r."libraries"
FROM "run" r
LEFT JOIN "cell_run" cr ON cr."run_id" = r."id"
LEFT JOIN "cell" c ON c."id" = cr."cell_id"
LEFT JOIN "sweep" s ON s."id" = c."sweep_id";
