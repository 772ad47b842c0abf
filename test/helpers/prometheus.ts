/**
 * A throwaway real Prometheus for integration tests: Debian's `prometheus` binary, a temporary
 * config scraping the given 127.0.0.1 targets every second, a temporary TSDB, a free port on
 * 127.0.0.1. Stopped by its own PID (never by process name) and its files deleted by stop(), or when
 * the test process exits without calling it.
 *
 *   const prometheus = await startPrometheus({ targets: ['127.0.0.1:9464'] });
 *   await waitForEveryPromQL(prometheus, { variables: { sweep: ['s1'] } });
 *   await prometheus.stop();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { VariableModel } from '@grafana/schema';
import { freePort } from '../../src/net.js';
import { type DashboardFile, dashboardQueries, dashboards } from '../../src/telemetry/dashboards/index.js';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PrometheusServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  pid: number;
  /** An instant query through the HTTP API; the samples of a vector or scalar result. */
  query(promql: string): Promise<PromSample[]>;
  /** The values of a label, as Grafana's label_values(metric, label). */
  labelValues(label: string, match?: string): Promise<string[]>;
  stop(): Promise<void>;
  /** What Prometheus printed, for a failing test's message. */
  log(): string;
}

export async function startPrometheus(options: {
  /** host:port of each /metrics endpoint to scrape. */
  targets: string[];
  readyTimeoutMs?: number;
}): Promise<PrometheusServer> {
  if (!existsSync(PROMETHEUS_BIN))
    throw new Error(`${PROMETHEUS_BIN} is missing (apt-get install prometheus; .ci/run does this on CI)`);
  const dir = mkdtempSync(join(tmpdir(), 'sgc-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: sgc',
      '    scrape_interval: 1s',
      '    scrape_timeout: 900ms',
      '    static_configs:',
      `      - targets: [${options.targets.map((t) => JSON.stringify(t)).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // The Debian package's defaults point at /usr/share/prometheus; the consoles are not needed.
      `--web.console.templates=${join(dir, 'consoles')}`,
      `--web.console.libraries=${join(dir, 'console_libraries')}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const cleanup = () => {
    if (!exited && child.pid) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (exited) {
      process.off('exit', cleanup);
      cleanup();
      throw new Error(`prometheus exited before it was ready:\n${output}`);
    }
    try {
      const r = await fetch(`${url}/-/ready`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      process.off('exit', cleanup);
      cleanup();
      throw new Error(`prometheus was not ready within the timeout:\n${output}`);
    }
    await sleep(100);
  }

  async function api<T>(path: string, params: Record<string, string>): Promise<T> {
    const r = await fetch(`${url}${path}?${new URLSearchParams(params)}`);
    const body = (await r.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success')
      throw new Error(`prometheus ${path} ${JSON.stringify(params)}: ${body.error}`);
    return body.data;
  }

  return {
    url,
    port,
    pid: child.pid!,
    async query(promql) {
      const data = await api<{ resultType: string; result: unknown }>('/api/v1/query', { query: promql });
      if (data.resultType === 'vector') return data.result as PromSample[];
      if (data.resultType === 'scalar') return [{ metric: {}, value: data.result as [number, string] }];
      throw new Error(`unexpected result type ${data.resultType} for ${promql}`);
    },
    labelValues(label, match) {
      return api<string[]>(
        `/api/v1/label/${encodeURIComponent(label)}/values`,
        match ? { 'match[]': match } : {},
      );
    },
    async stop() {
      if (!exited && child.pid) {
        process.kill(child.pid, 'SIGTERM');
        await Promise.race([exitedPromise, sleep(5_000)]);
        if (!exited) process.kill(child.pid, 'SIGKILL');
        await exitedPromise;
      }
      process.off('exit', cleanup);
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => output,
  };
}

/** Grafana's interpolation of a variable into PromQL: a regex alternation for multi-value ones. */
function promValue(variable: VariableModel | undefined, values: string[]): string {
  const regexEscape = (v: string) => v.replace(/[\\^$*+?.()|[\]{}]/g, '\\\\$&');
  if (!variable?.multi && !variable?.includeAll) return values[0] ?? '';
  return values.length === 1 ? regexEscape(values[0]) : `(${values.map(regexEscape).join('|')})`;
}

export interface ExpandOptions {
  /** Values of the template variables; a Prometheus variable not given is resolved like Grafana does. */
  variables?: Record<string, string[]>;
  /** What `$__rate_interval` stands for (default 30s: several 1 s scrapes). */
  rateInterval?: string;
}

/** A dashboard PromQL expression with Grafana's variables replaced by concrete values. */
export function expandPromQL(
  expr: string,
  variables: VariableModel[],
  values: Record<string, string[]>,
  rateInterval = '30s',
): string {
  return expr
    .replace(/\$__rate_interval/g, rateInterval)
    .replace(/\$__interval/g, '15s')
    .replace(/\$__range/g, '1h')
    .replace(/\$(\w+)/g, (_whole, name: string) => {
      const given = values[name];
      if (!given) throw new Error(`no value for variable $${name} in ${expr}`);
      return promValue(
        variables.find((v) => v.name === name),
        given,
      );
    });
}

export interface PromQLCheck {
  dashboard: string;
  panel: string;
  expr: string;
  samples: PromSample[];
}

/**
 * Every PromQL expression of every dashboard, expanded, queried once. A Prometheus-backed variable
 * without a given value takes every value Prometheus has for its label_values(…) query.
 */
export async function checkEveryPromQL(
  prometheus: PrometheusServer,
  options: ExpandOptions & { list?: readonly DashboardFile[] } = {},
): Promise<PromQLCheck[]> {
  const list = options.list ?? dashboards;
  const checks: PromQLCheck[] = [];
  for (const file of list) {
    const variables = file.dashboard.templating?.list ?? [];
    const values: Record<string, string[]> = { ...options.variables };
    for (const v of variables) {
      if (values[v.name] || v.datasource?.type !== 'prometheus') continue;
      const q = typeof v.query === 'object' ? String(v.query['query']) : String(v.query);
      const m = /^label_values\((.+),\s*(\w+)\)$/.exec(q.trim());
      if (!m) throw new Error(`cannot resolve variable ${v.name}: ${q}`);
      values[v.name] = await prometheus.labelValues(m[2], m[1]);
    }
    for (const q of dashboardQueries([file])) {
      const promql = q.target['expr'];
      if (typeof promql !== 'string') continue;
      const expr = expandPromQL(promql, variables, values, options.rateInterval);
      checks.push({ dashboard: q.dashboard, panel: q.panel, expr, samples: await prometheus.query(expr) });
    }
  }
  return checks;
}

/** A sample value that is a number (histogram_quantile of no observations is NaN: no data to draw). */
function drawable(s: PromSample): boolean {
  return Number.isFinite(Number(s.value[1]));
}

/**
 * Polls until every PromQL expression of every dashboard returns at least one drawable sample
 * (Prometheus is ready seconds before its first scrape can be queried, and rate() needs two).
 * Throws, naming the expressions still empty, when `timeoutMs` passes.
 */
export async function waitForEveryPromQL(
  prometheus: PrometheusServer,
  options: ExpandOptions & { list?: readonly DashboardFile[]; timeoutMs?: number; onPoll?: () => void } = {},
): Promise<PromQLCheck[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 40_000);
  for (;;) {
    options.onPoll?.();
    const checks = await checkEveryPromQL(prometheus, options);
    const empty = checks.filter((c) => !c.samples.some(drawable));
    if (empty.length === 0) return checks;
    if (Date.now() > deadline)
      throw new Error(
        `PromQL without data after ${options.timeoutMs ?? 40_000} ms:\n${empty.map((c) => `  ${c.dashboard} / ${c.panel}: ${c.expr}`).join('\n')}\n${prometheus.log()}`,
      );
    await sleep(500);
  }
}
