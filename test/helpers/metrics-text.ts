/**
 * Reading Prometheus' text exposition in tests: samples in a canonical form (labels sorted, values as
 * numbers) so that two exporters' outputs compare as plain string lists, the store-backed sweep and
 * cell gauges as the store says they should be, and Debian's promtool as the judge of the names.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { GaugeQueryable } from '../../src/store/sweep-gauges.js';

export const PROMTOOL_BIN = '/usr/bin/promtool';

/** The gauges that are read from the store at scrape time (every exporter reports the same). */
export const STORE_GAUGES = [
  'sgc_min_width',
  'sgc_cell_bracket_lo',
  'sgc_cell_bracket_hi',
  'sgc_sweep_cells',
  'sgc_sweep_runs',
  'sgc_sweep_info',
] as const;

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Every sample line of an exposition. */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** `name{a="1",b="2"} value` with the labels sorted: one string per sample, comparable as text. */
export function canonical(s: Sample): string {
  const labels = Object.keys(s.labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(s.labels[k])}`)
    .join(',');
  return `${s.name}{${labels}} ${s.value}`;
}

/** The store-backed gauges of an exposition, canonical and sorted (optionally of some sweeps only). */
export function storeGaugeLines(text: string, sweeps?: readonly string[]): string[] {
  return parseSamples(text)
    .filter((s) => (STORE_GAUGES as readonly string[]).includes(s.name))
    .filter((s) => !sweeps || sweeps.includes(s.labels['sweep']))
    .map(canonical)
    .sort();
}

/** The value of `name{labels}` (exactly those labels), or undefined when absent. */
export function sampleValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const want = canonical({ name, labels, value: 0 }).replace(/ 0$/, '');
  const found = parseSamples(text).find((s) => canonical(s).replace(/ \S+$/, '') === want);
  return found?.value;
}

/**
 * What the store-backed gauges of `sweeps` must say, computed here independently of
 * src/store/sweep-gauges.ts: cells from the view min_width_by_k, runs from the view run_summary,
 * states from the schema's enums.
 */
export async function expectedStoreLines(db: GaugeQueryable, sweeps: readonly string[]): Promise<string[]> {
  const lines: Sample[] = [];
  const [{ cell_states, run_states }] = await db.query<{ cell_states: string[]; run_states: string[] }>(
    `SELECT enum_range(NULL::cell_status)::text[] AS cell_states, enum_range(NULL::run_status)::text[] AS run_states`,
  );
  const cells = await db.query<{
    sweep: string;
    group_name: string;
    encoding: string;
    model: string;
    k: number;
    min_width: number | null;
    lo: number | null;
    hi: number | null;
    status: string;
  }>(
    `SELECT sweep, group_name, encoding, model, k, min_width, lo, hi, status::text AS status
       FROM min_width_by_k WHERE sweep = ANY($1::text[])`,
    [sweeps],
  );
  for (const c of cells) {
    const labels = {
      sweep: c.sweep,
      group: c.group_name,
      encoding: c.encoding,
      model: c.model,
      k: String(c.k),
    };
    if (c.min_width !== null) lines.push({ name: 'sgc_min_width', labels, value: c.min_width });
    if (c.lo !== null) lines.push({ name: 'sgc_cell_bracket_lo', labels, value: c.lo });
    if (c.hi !== null) lines.push({ name: 'sgc_cell_bracket_hi', labels, value: c.hi });
  }
  const runs = await db.query<{ sweep: string; status: string; n: number }>(
    `SELECT sweep, status::text AS status, count(DISTINCT run_id)::integer AS n
       FROM run_summary WHERE sweep = ANY($1::text[]) GROUP BY sweep, status`,
    [sweeps],
  );
  const states = await db.query<{ name: string; status: string }>(
    `SELECT name, status::text AS status FROM sweep WHERE name = ANY($1::text[])`,
    [sweeps],
  );
  for (const { name: sweep, status } of states) {
    lines.push({ name: 'sgc_sweep_info', labels: { sweep, state: status }, value: 1 });
    for (const state of cell_states)
      lines.push({
        name: 'sgc_sweep_cells',
        labels: { sweep, state },
        value: cells.filter((c) => c.sweep === sweep && c.status === state).length,
      });
    for (const status of run_states)
      lines.push({
        name: 'sgc_sweep_runs',
        labels: { sweep, status },
        value: runs.find((r) => r.sweep === sweep && r.status === status)?.n ?? 0,
      });
  }
  return lines.map(canonical).sort();
}

/** `promtool check metrics` on an exposition: its exit code and what it printed (warnings). */
export function promtoolCheck(text: string): { code: number | null; output: string } {
  if (!existsSync(PROMTOOL_BIN))
    throw new Error(`${PROMTOOL_BIN} is missing (apt-get install prometheus; .ci/run does this on CI)`);
  const r = spawnSync(PROMTOOL_BIN, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { code: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}
