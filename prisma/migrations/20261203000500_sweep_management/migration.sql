-- Managing sweeps (issue 15): an archived sweep is hidden from `sgc sweep list` and `sgc results`
-- unless --all (its cells and runs stay queryable); tags are free key/value labels for SQL
-- (`SELECT * FROM sweep WHERE tags->>'lab' = 'x'`); a note is the user's one text about the sweep.
-- New columns of an existing table: sgc_reader's SELECT on the table covers them.

-- AlterTable
ALTER TABLE "sweep" ADD COLUMN     "archived_at" TIMESTAMPTZ(3),
ADD COLUMN     "note" TEXT,
ADD COLUMN     "tags" JSONB NOT NULL DEFAULT '{}';

-- CreateIndex
CREATE INDEX "sweep_archived_at_idx" ON "sweep"("archived_at");
