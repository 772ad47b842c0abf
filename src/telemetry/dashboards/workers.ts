/**
 * "Workers & throughput": what the workers are doing, from their /metrics endpoints alone: runs
 * finished by outcome, runs in flight, step and run durations, cache hits, search probes, each
 * process's CPU and memory (the standard process_* names), and whether each reaches the store.
 */
import { dashboard, PROMETHEUS, prom, queryVariable, table, timeseries } from './build.js';

const sel = 'instance=~"$instance"';
const r = '[$__rate_interval]';

function quantiles(metric: string, by: string, qs = [0.5, 0.9, 0.99], what = '') {
  return qs.map((q) =>
    prom(`histogram_quantile(${q}, sum by (le, ${by}) (rate(${metric}_bucket{${sel}}${r})))`, {
      legend: `p${q * 100}${what} {{${by.split(', ').join('}}/{{')}}}`,
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
      title: 'Seconds per training step',
      description:
        'mean: training seconds over steps taken, exact. p50/p90: quantiles of the mean step time of each progress report (about 250 ms of a run), not of single steps, which are not timed one by one.',
      w: 12,
      h: 8,
      unit: 's',
      logBase: 10,
      targets: [
        prom(
          `sum by (engine, backend) (rate(sgc_training_seconds_total{${sel}}${r})) / sum by (engine, backend) (rate(sgc_training_steps_total{${sel}}${r}))`,
          { legend: 'mean {{engine}}/{{backend}}' },
        ),
        ...quantiles('sgc_training_step_mean_seconds', 'engine, backend', [0.5, 0.9], ' of report means'),
      ],
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
      targets: [prom(`rate(process_cpu_seconds_total{${sel}}${r})`, { legend: '{{instance}}' })],
    }),
    timeseries({
      title: 'Worker memory (resident)',
      w: 8,
      h: 7,
      unit: 'bytes',
      targets: [prom(`process_resident_memory_bytes{${sel}}`, { legend: '{{instance}}' })],
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
    timeseries({
      title: 'Results store as each worker sees it at scrape time',
      description:
        'up: 1 when the store answered the scrape within its timeout, 0 when not (the sweep and cell gauges are then missing from that worker). wait: seconds the scrape waited for the store.',
      w: 24,
      h: 6,
      targets: [
        prom(`min by (instance) (sgc_store_up{${sel}})`, { legend: 'up {{instance}}' }),
        prom(`max by (instance) (sgc_store_scrape_duration_seconds{${sel}})`, {
          legend: 'wait (s) {{instance}}',
        }),
      ],
    }),
  ],
});
