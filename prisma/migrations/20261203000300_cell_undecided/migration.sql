-- A cell whose width search stopped because a run ended in error (it crashed after its retries):
-- no H*, and no bracket built on that run (issue 16: outcomes come only from training).

-- AlterEnum
ALTER TYPE "cell_status" ADD VALUE 'undecided';
