-- How many training attempts a run's stored result took (1 + resumes after a worker died or a
-- heartbeat timed out): run.duration_ms sums the training time of all of them. NULL for runs that
-- were not trained (invalid, or stored before this migration).

-- AlterTable
ALTER TABLE "run" ADD COLUMN     "attempts" INTEGER;
