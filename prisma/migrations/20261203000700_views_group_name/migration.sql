-- The views' column "group" becomes "group_name" (issue 20): GROUP is an SQL reserved word, so
-- `sgc sql "… ORDER BY group"` was a syntax error unless the name was quoted. The table "cell"
-- keeps its column (Prisma's field `group`); only what users query by hand is renamed.
-- RENAME keeps each view's other columns, its comment and sgc_reader's SELECT grant.

ALTER VIEW "min_width_by_k" RENAME COLUMN "group" TO "group_name";
ALTER VIEW "run_summary" RENAME COLUMN "group" TO "group_name";
ALTER VIEW "loss_curve" RENAME COLUMN "group" TO "group_name";
ALTER VIEW "irrep_power_curve" RENAME COLUMN "group" TO "group_name";
