/**
 * The self-contained HTML report of one run: the figures' SVGs inline, the run's data inline as JSON,
 * a table of the run, and nothing loaded from anywhere (a Content-Security-Policy forbids it).
 */

import { successRuleText } from '../learn/success.js';
import type { FigureName, RunReportData } from './figures.js';
import { poweredIrreps, shortNumber } from './figures.js';

/**
 * The page style both reports share: the page takes the window's width (up to 1500 px) and each figure
 * is scaled to it, so a figure drawn 900–1100 px wide (text 11–13 px) shows its text at about the
 * size of the page's own on a 1400 px window, instead of shrinking to a narrow column.
 */
export const PAGE_STYLE = `body { font-family: system-ui, sans-serif; margin: 1.5em auto; padding: 0 2vw; max-width: 1500px; color: #222; }
table { border-collapse: collapse; margin: 1em 0 2em; }
th, td { text-align: left; padding: 0.25em 0.8em; border-bottom: 1px solid #ddd; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th { font-weight: 600; white-space: nowrap; }
figure { margin: 1.5em 0; }
figure svg { display: block; width: 100%; height: auto; }`;

/**
 * The success rule a run was judged by, in words, from its stored config; undefined for a config
 * without its train block's defaults. A config written before train.everyIrrep existed was judged
 * without that condition.
 */
export function successRuleOf(config: RunReportData['config']): string | undefined {
  const train = (config as { train?: { lossReduction?: number; everyIrrep?: boolean } }).train;
  if (train?.lossReduction === undefined) return undefined;
  return successRuleText({ lossReduction: train.lossReduction, everyIrrep: train.everyIrrep ?? false });
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON safe inside a <script> element: no `</script>` or `<!--` can close it early. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>)
      .map(
        ([k, v]) =>
          `${k}: ${Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
      )
      .join(', ');
  return String(value);
}

/** The observed acquisition order, and how it compares with the prediction. */
export function observedOrder(data: RunReportData): { order: string[]; verdict: string } {
  const order = data.metrics.events.map((e) => e.label);
  const predicted = data.result.predicted.order;
  const prefix = order.every((label, i) => label === predicted[i]);
  const verdict = !prefix
    ? 'differs from the prediction'
    : order.length === predicted.length
      ? 'as predicted'
      : `as predicted so far; not acquired: ${predicted.slice(order.length).join(', ')}`;
  return { order, verdict };
}

export function reportHtml(data: RunReportData, figures: Partial<Record<FigureName, string>>): string {
  const r = data.result;
  const c = data.config;
  const observed = observedOrder(data);
  const eventText = data.metrics.events.map((e) => `${e.label} @ step ${e.step}`).join(', ') || 'none';
  const powers = poweredIrreps(data)
    .map((p) => `${p.label}: ${shortNumber(p.power)}`)
    .join(', ');
  const rows: [string, string][] = [
    ['outcome', `${r.outcome} (${r.reason})`],
    ...(successRuleOf(c) ? [['success rule', successRuleOf(c)!] as [string, string]] : []),
    ['steps', String(r.steps)],
    ['time', `${r.seconds.toFixed(1)} s`],
    ['engine', r.engine ?? ''],
    ['group, k', `${c.group}, k = ${c.k}`],
    ['model', describe(c.model)],
    ['encoding', describe(c.encoding)],
    ['encoding power per irrep', powers],
    ['loss', `${shortNumber(r.initialLoss, 6)} → ${shortNumber(r.finalLoss, 6)}`],
    ['final accuracy', `${(100 * r.finalAccuracy).toFixed(2)}%`],
    ['predicted plateaus', r.predicted.plateaus.map((x) => shortNumber(x)).join(' → ')],
    ['predicted irrep order', r.predicted.order.join(', ') || 'none'],
    ['observed irrep order', `${observed.order.join(', ') || 'none'} (${observed.verdict})`],
    ['acquisitions', eventText],
  ];
  const table = rows
    .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join('\n');
  const sections = (Object.entries(figures) as [FigureName, string][])
    .map(([name, svg]) => `<figure id="figure-${name}" class="figure">\n${svg}\n</figure>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>sgc run: ${escapeHtml(data.title)}</title>
<style>
${PAGE_STYLE}
.outcome-succeeded { color: #2a7d2a; } .outcome-failed, .outcome-diverged { color: #b22; }
</style>
</head>
<body>
<h1>Run <code>${escapeHtml(data.title)}</code></h1>
<p class="outcome-${escapeHtml(r.outcome)}">${escapeHtml(r.outcome)}: ${escapeHtml(r.reason)}</p>
<table id="run-table">
${table}
</table>
${sections}
<script type="application/json" id="sgc-run-data">${jsonForScript(data)}</script>
</body>
</html>
`;
}
