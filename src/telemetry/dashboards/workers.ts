/**
 * "Workers & throughput": what the workers are doing, from their /metrics endpoints alone: runs
 * finished by outcome, runs in flight, step and run durations (quantiles of the histograms), cache
 * hits, search probes, and each process's CPU and memory.
 */
import { dashboard, PROMETHEUS, prom, queryVariable, table, timeseries } from './build.js';

const sel = 'instance=~"$instance"';
const r = '[$__rate_interval]';

function quantiles(metric: string, by: string) {
  return [0.5, 0.9, 0.99].map((q) =>
    prom(`histogram_quantile(${q}, sum by (le, ${by}) (rate(${metric}_bucket{${sel}}${r})))`, {
      legend: `p${q * 100} {{${by.split(', ').join('}}/{{')}}}`,
    }),
  );
}

export const workersDashboard = dashboard({
  uid: 'sgc-workers',
  title: 'Workers & throughput',
  description: 'Runs, steps, durations, cache hits and search probes across the sgc workers',
  tags: ['workers'],
  time: { from: 'now-1h', to: 'now' },
  refresh: '10s',
  variables: [
    queryVariable({
      name: 'instance',
      label: 'Worker',
      datasource: PROMETHEUS,
      query: 'label_values(sgc_build_info, instance)',
      multi: true,
    }),
  ],
  panels: [
    timeseries({
      title: 'Runs finished by outcome',
      w: 12,
      h: 8,
      unit: 'ops',
      targets: [
        prom(`sum by (outcome) (rate(sgc_runs_finished_total{${sel}}${r}))`, { legend: '{{outcome}}' }),
      ],
    }),
    timeseries({
      title: 'Runs in flight',
      w: 12,
      h: 8,
      targets: [
        prom(`sum by (instance) (sgc_runs_in_flight{${sel}})`, { legend: '{{instance}}' }),
        prom(`sum by (engine, backend) (rate(sgc_runs_started_total{${sel}}${r}))`, {
          legend: 'started/s {{engine}}/{{backend}}',
        }),
      ],
    }),
    timeseries({
      title: 'Seconds per training step (quantiles)',
      w: 12,
      h: 8,
      unit: 's',
      logBase: 10,
      targets: quantiles('sgc_training_step_duration_seconds', 'engine, backend'),
    }),
    timeseries({
      title: 'Training steps per second',
      w: 12,
      h: 8,
      targets: [
        prom(`sum by (engine, backend) (rate(sgc_training_steps_total{${sel}}${r}))`, {
          legend: '{{engine}}/{{backend}}',
        }),
      ],
    }),
    timeseries({
      title: 'Run duration (quantiles)',
      w: 12,
      h: 8,
      unit: 's',
      logBase: 10,
      targets: quantiles('sgc_run_duration_seconds', 'engine, backend'),
    }),
    timeseries({
      title: 'Cache hits and search probes',
      w: 12,
      h: 8,
      unit: 'ops',
      targets: [
        prom(`sum(rate(sgc_cache_hits_total{${sel}}${r}))`, { legend: 'cache hits' }),
        prom(`sum by (phase) (rate(sgc_search_probes_total{${sel}}${r}))`, { legend: 'probes: {{phase}}' }),
      ],
    }),
    timeseries({
      title: 'Worker CPU',
      w: 8,
      h: 7,
      unit: 'percentunit',
      targets: [prom(`rate(sgc_process_cpu_seconds_total{${sel}}${r})`, { legend: '{{instance}}' })],
    }),
    timeseries({
      title: 'Worker memory (resident)',
      w: 8,
      h: 7,
      unit: 'bytes',
      targets: [prom(`sgc_process_resident_memory_bytes{${sel}}`, { legend: '{{instance}}' })],
    }),
    table({
      title: 'Workers',
      w: 8,
      h: 7,
      targets: [
        prom(`max by (instance, version, node) (sgc_build_info{${sel}})`, { instant: true, table: true }),
      ],
      transformations: [{ id: 'organize', options: { excludeByName: { Time: true, Value: true } } }],
    }),
  ],
});
