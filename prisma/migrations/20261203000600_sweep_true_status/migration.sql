-- True sweep status (issue 15): a cancelled sweep is recorded as `cancelled` (it was `stopped`, which
-- is what `sgc sweep stop` ends with), and each start of a sweep records when it began and ended, so
-- that elapsed time and throughput stop at the end and `sgc sweep list` can show both without
-- Temporal. New columns of an existing table: sgc_reader's SELECT on the table covers them.

-- AlterEnum
ALTER TYPE "sweep_status" ADD VALUE 'cancelled';

-- AlterTable
ALTER TABLE "sweep" ADD COLUMN     "ended_at" TIMESTAMPTZ(3),
ADD COLUMN     "started_at" TIMESTAMPTZ(3);
