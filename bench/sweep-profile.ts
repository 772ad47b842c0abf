/**
 * Where a run's time goes on its way through Temporal: one sweep of short runs on the embedded
 * stack, then every RunWorkflow's history read back and the gaps between its events summarised
 * (medians over the runs), beside the training worker's rhythm (the gap between one training
 * activity's end and the next one's start, at concurrency 1 the sweep's throughput).
 *
 *   npx tsx bench/sweep-profile.ts [--runs 60] [--concurrency 1]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { openStore } from '../src/store/index.js';
import type { RawSweepSpec } from '../src/sweep/messages.js';
import { createTelemetry } from '../src/telemetry/metrics.js';
import { connectClient } from '../src/temporal/connection.js';
import { startDevServer } from '../src/temporal/devServer.js';
import { startSweep } from '../src/temporal/sweeps.js';
import { createWorkers } from '../src/temporal/worker.js';
import { c3GridSpec } from '../test/helpers/sweepRuns.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const RUNS = Number(option('runs') ?? 60);
const CONCURRENCY = Number(option('concurrency') ?? 1);

const median = (xs: number[]) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function spec(name: string, lr: number, widths: number[]): RawSweepSpec {
  const train = { optimizer: 'per-neuron', lr, init: 1e-3, steps: 1, clip: 0.1 };
  return c3GridSpec(name, widths, train, { engine: { name: 'onnx' } });
}

/** The history event types a RunWorkflow has (temporal.api.enums.v1.EventType). */
const EVENT_TYPES: Record<number, string> = {
  1: 'started',
  2: 'completed',
  5: 'WFT scheduled',
  6: 'WFT started',
  7: 'WFT completed',
  10: 'activity scheduled',
  11: 'activity started',
  12: 'activity completed',
  25: 'marker',
};

/** CPU time (user + system) the dev server has used, from /proc (Linux). */
function serverCpuMs(): number {
  const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks
}

Runtime.install({ logger: new DefaultLogger('WARN') });
const dir = mkdtempSync(join(tmpdir(), 'sgc-profile-'));
const server = await startDevServer({ uiPort: null });
const store = await openStore({ target: { kind: 'embedded', home: dir }, create: true });
const temporal = { address: server.address, namespace: 'default' };
const client = await connectClient(temporal);
const workers = await createWorkers({
  temporal,
  repository: store.repository(),
  telemetry: createTelemetry(),
  concurrency: CONCURRENCY,
  checkpointDir: join(dir, 'checkpoints'),
});
const running = workers.run();
try {
  await (await startSweep(client, spec('warm', 0.5, [600, 601]))).result();
  const cpu0 = process.cpuUsage();
  const server0 = serverCpuMs();
  const hr0 = process.hrtime.bigint();
  const t0 = performance.now();
  const startedAt = Date.now();
  await (
    await startSweep(
      client,
      spec(
        'profile',
        0.01,
        Array.from({ length: RUNS }, (_, i) => i + 1),
      ),
    )
  ).result();
  const wall = performance.now() - t0;
  const endedAt = Date.now();
  const cpu = process.cpuUsage(cpu0);
  // The measured window on the monotonic clock, µs (what --cpu-prof's sample times use).
  console.error(
    `window µs ${Math.round(t0 * 0 + Number(hr0 / 1000n))} ${Number(process.hrtime.bigint() / 1000n)}`,
  );
  const serverCpu = serverCpuMs() - server0;

  const idle0 = serverCpuMs();
  await new Promise((r) => setTimeout(r, 5000));
  console.log(
    `Temporal dev server idle (workers polling): ${((serverCpuMs() - idle0) / 5).toFixed(0)} ms CPU per s`,
  );

  // Per RunWorkflow: the time from each event to the next, keyed by the pair of event types.
  const steps = new Map<string, number[]>();
  const trainings: { start: number; end: number }[] = [];
  const totals: number[] = [];
  /** Per RunWorkflow: when it started, and when its first workflow task completed, after the sweep's start. */
  const began: number[] = [];
  const firstTask: number[] = [];
  const counts: number[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowType = 'RunWorkflow'` })) {
    if (w.startTime.getTime() < startedAt) continue; // the warm-up sweep's
    const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    const events = history.events ?? [];
    const time = (e: (typeof events)[number]) =>
      Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
    const type = (e: (typeof events)[number]) => EVENT_TYPES[Number(e.eventType)] ?? String(e.eventType);
    const names = new Map<string, string>();
    const starts = new Map<string, number>();
    for (let i = 1; i < events.length; i++) {
      const e = events[i];
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled) names.set(String(e.eventId), scheduled.activityType?.name ?? '');
      const started = e.activityTaskStartedEventAttributes;
      if (started && names.get(String(started.scheduledEventId)) === 'trainRun')
        starts.set(String(started.scheduledEventId), time(e));
      const done = e.activityTaskCompletedEventAttributes;
      const from = done ? starts.get(String(done.scheduledEventId)) : undefined;
      if (from !== undefined) trainings.push({ start: from, end: time(e) });
      const key = `${String(i).padStart(2)} ${type(events[i - 1])} → ${type(events[i])}`;
      const list = steps.get(key) ?? [];
      list.push(time(events[i]) - time(events[i - 1]));
      steps.set(key, list);
    }
    totals.push(time(events.at(-1)!) - time(events[0]));
    began.push(time(events[0]) - startedAt);
    const wft = events.find((e) => Number(e.eventType) === 7);
    if (wft) firstTask.push(time(wft) - startedAt);
    counts.push(events.length);
  }
  console.log(`${RUNS} runs at concurrency ${CONCURRENCY}: wall ${(wall / RUNS).toFixed(1)} ms/run`);
  console.log(
    `CPU per run: this process (worker, store, onnx) ${((cpu.user + cpu.system) / 1000 / RUNS).toFixed(1)} ms, ` +
      `Temporal dev server ${(serverCpu / RUNS).toFixed(1)} ms`,
  );
  console.log(`RunWorkflow: ${median(counts)} events, start → close median ${median(totals)} ms`);
  for (const [key, list] of [...steps.entries()].sort())
    console.log(`  ${key.padEnd(70)} median ${median(list).toFixed(0).padStart(5)} ms  (n=${list.length})`);
  trainings.sort((a, b) => a.start - b.start);
  const gaps = trainings.slice(1).map((t, i) => t.start - trainings[i].end);
  const lengths = trainings.map((t) => t.end - t.start);
  console.log(
    `trainRun: started → completed median ${median(lengths)} ms; ` +
      `previous one completed → next started median ${median(gaps)} ms, ` +
      `sum ${gaps.reduce((a, b) => a + b, 0)} ms, max ${Math.max(...gaps)} ms`,
  );
  const range = (xs: number[]) => `${Math.min(...xs)} / ${median(xs)} / ${Math.max(...xs)} ms`;
  console.log(`after the sweep's start (min / median / max): RunWorkflows started ${range(began)}`);
  console.log(`  their first workflow task completed ${range(firstTask)}`);
  console.log(
    `sweep start → first training started ${trainings[0].start - startedAt} ms; ` +
      `last training completed → sweep result ${endedAt - trainings.at(-1)!.end} ms; ` +
      `trainings ${trainings.length}, sum of their durations ${lengths.reduce((a, b) => a + b, 0)} ms`,
  );
} finally {
  workers.shutdown();
  await running;
  await store.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
