-- sgc results store, initial schema. Written in the form `prisma migrate diff` emits, so that
-- later generated migrations apply on top of it; checked against schema.prisma by the drift test.

-- CreateEnum
CREATE TYPE "sweep_status" AS ENUM ('pending', 'running', 'paused', 'stopped', 'done', 'failed');

-- CreateEnum
CREATE TYPE "cell_status" AS ENUM ('pending', 'searching', 'done', 'failed', 'stopped');

-- CreateEnum
CREATE TYPE "run_status" AS ENUM ('pending', 'running', 'done', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "run_outcome" AS ENUM ('succeeded', 'failed', 'diverged', 'cancelled', 'invalid', 'error');

-- CreateTable
CREATE TABLE "sweep" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "spec" JSONB,
    "spec_hash" TEXT,
    "status" "sweep_status" NOT NULL DEFAULT 'pending',
    "workflow_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sweep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cell" (
    "id" SERIAL NOT NULL,
    "sweep_id" INTEGER NOT NULL,
    "group" TEXT NOT NULL,
    "encoding" TEXT NOT NULL,
    "k" INTEGER NOT NULL,
    "model" TEXT NOT NULL,
    "status" "cell_status" NOT NULL DEFAULT 'pending',
    "lo" INTEGER,
    "hi" INTEGER,
    "min_width" INTEGER,
    "non_monotone" BOOLEAN NOT NULL DEFAULT false,
    "workflow_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cell_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "run" (
    "id" SERIAL NOT NULL,
    "config_hash" TEXT NOT NULL,
    "h" INTEGER NOT NULL,
    "seed" INTEGER NOT NULL,
    "config" JSONB NOT NULL,
    "engine" TEXT NOT NULL,
    "backend" TEXT,
    "worker" TEXT,
    "status" "run_status" NOT NULL DEFAULT 'pending',
    "outcome" "run_outcome",
    "error" TEXT,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "checkpoint" TEXT,
    "steps" INTEGER,
    "final_loss" DOUBLE PRECISION,
    "final_accuracy" DOUBLE PRECISION,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "heartbeat_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "duration_ms" INTEGER,

    CONSTRAINT "run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cell_run" (
    "cell_id" INTEGER NOT NULL,
    "run_id" INTEGER NOT NULL,

    CONSTRAINT "cell_run_pkey" PRIMARY KEY ("cell_id","run_id")
);

-- CreateTable
CREATE TABLE "run_metric" (
    "run_id" INTEGER NOT NULL,
    "step" INTEGER NOT NULL,
    "loss" DOUBLE PRECISION NOT NULL,
    "accuracy" DOUBLE PRECISION,

    CONSTRAINT "run_metric_pkey" PRIMARY KEY ("run_id","step")
);

-- CreateTable
CREATE TABLE "run_irrep_power" (
    "run_id" INTEGER NOT NULL,
    "step" INTEGER NOT NULL,
    "irrep" TEXT NOT NULL,
    "power" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "run_irrep_power_pkey" PRIMARY KEY ("run_id","step","irrep")
);

-- CreateTable
CREATE TABLE "run_event" (
    "run_id" INTEGER NOT NULL,
    "step" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "irrep" TEXT NOT NULL DEFAULT '',
    "value" DOUBLE PRECISION,

    CONSTRAINT "run_event_pkey" PRIMARY KEY ("run_id","step","kind","irrep")
);

-- CreateIndex
CREATE UNIQUE INDEX "sweep_name_key" ON "sweep"("name");

-- CreateIndex
CREATE INDEX "cell_group_encoding_model_k_idx" ON "cell"("group", "encoding", "model", "k");

-- CreateIndex
CREATE UNIQUE INDEX "cell_sweep_id_group_encoding_k_model_key" ON "cell"("sweep_id", "group", "encoding", "k", "model");

-- CreateIndex
CREATE UNIQUE INDEX "run_config_hash_key" ON "run"("config_hash");


-- CreateIndex
CREATE INDEX "run_status_idx" ON "run"("status");

-- CreateIndex
CREATE INDEX "cell_run_run_id_idx" ON "cell_run"("run_id");

-- AddForeignKey
ALTER TABLE "cell" ADD CONSTRAINT "cell_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweep"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cell_run" ADD CONSTRAINT "cell_run_cell_id_fkey" FOREIGN KEY ("cell_id") REFERENCES "cell"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cell_run" ADD CONSTRAINT "cell_run_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run_metric" ADD CONSTRAINT "run_metric_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run_irrep_power" ADD CONSTRAINT "run_irrep_power_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "run_event" ADD CONSTRAINT "run_event_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
