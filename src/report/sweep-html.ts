/**
 * The self-contained HTML report of a sweep: the H*(k) figure, a table of cells, the chosen runs'
 * loss and power figures, a table of runs, and all of it inline (figures as SVG, data and Vega-Lite
 * specs as JSON); a Content-Security-Policy forbids loading anything.
 */
import type { TopLevelSpec } from 'vega-lite';
import { poweredIrreps, shortNumber } from './figures.js';
import { escapeHtml, jsonForScript, observedOrder, PAGE_STYLE, successRuleOf } from './html.js';
import type { SweepReportData } from './sweep-data.js';

/** A rendered figure: its id in the page (`figure-<id>`), its SVG and the spec it came from. */
export interface SweepFigure {
  id: string;
  svg: string;
  spec: TopLevelSpec;
}

const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value));

function table(id: string, header: string[], rows: string[][], numeric: boolean[]): string {
  const th = header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map(
      (row) =>
        `<tr>${row.map((v, i) => `<td${numeric[i] ? ' class="num"' : ''}>${escapeHtml(v)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table id="${id}">\n<thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function figureHtml(figure: SweepFigure | undefined): string {
  return figure
    ? `<figure id="figure-${escapeHtml(figure.id)}" class="figure">\n${figure.svg}\n</figure>`
    : '';
}

export function sweepReportHtml(data: SweepReportData, figures: SweepFigure[]): string {
  const byId = new Map(figures.map((f) => [f.id, f]));
  const count = (values: string[]) => {
    const counts = new Map<string, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts].map(([k, n]) => `${n} ${k}`).join(', ') || 'none';
  };
  const cellsTable = table(
    'cells-table',
    ['group', 'encoding', 'k', 'model', 'status', 'lo', 'hi', 'H*', 'runs', 'non-monotone'],
    data.cells.map((c) => [
      c.group,
      c.encoding,
      String(c.k),
      c.model,
      c.status,
      text(c.lo),
      text(c.hi),
      c.minWidth === null ? '–' : String(c.minWidth),
      String(c.runs),
      c.nonMonotone ? 'yes' : '',
    ]),
    [false, false, true, false, false, true, true, true, true, false],
  );
  const runsTable = table(
    'runs-table',
    [
      'group',
      'encoding',
      'k',
      'model',
      'H',
      'seed',
      'outcome',
      'steps',
      'time',
      'final loss',
      'accuracy',
      'engine',
      'backend',
      'worker',
    ],
    data.runs.map((r) => [
      r.group,
      r.encoding,
      String(r.k),
      r.model,
      String(r.h),
      String(r.seed),
      r.outcome ?? r.status,
      text(r.steps),
      r.seconds === null ? '' : `${r.seconds.toFixed(1)} s`,
      r.finalLoss === null ? '' : shortNumber(r.finalLoss),
      r.finalAccuracy === null ? '' : `${(100 * r.finalAccuracy).toFixed(2)}%`,
      r.engine,
      text(r.backend),
      text(r.worker),
    ]),
    [false, false, true, false, true, true, false, true, true, true, true, false, false, false],
  );
  const runSections = data.chosen
    .map(({ stem, data: run }) => {
      const observed = observedOrder(run);
      const facts = [
        `${run.result.outcome}`,
        `${run.result.steps} steps`,
        Number.isFinite(run.result.seconds) ? `${run.result.seconds.toFixed(1)} s` : '',
        run.result.engine ?? '',
        `encoding power: ${poweredIrreps(run)
          .map((p) => `${p.label} ${shortNumber(p.power)}`)
          .join(', ')}`,
        `predicted plateaus: ${run.result.predicted.plateaus.map((x) => shortNumber(x)).join(' → ')}`,
        `irrep order: ${observed.order.join(', ') || 'none'} (${observed.verdict})`,
      ].filter((s) => s !== '');
      return `<section id="run-${escapeHtml(stem)}" class="run">
<h3>${escapeHtml(run.title)}</h3>
<p>${facts.map(escapeHtml).join(' · ')}</p>
${figureHtml(byId.get(`${stem}-loss`))}
${figureHtml(byId.get(`${stem}-power`))}
</section>`;
    })
    .join('\n');
  const notes = data.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n');
  const inline = {
    sweep: data.sweep,
    cells: data.cells,
    runs: data.runs,
    chosen: data.chosen,
    notes: data.notes,
    figures: Object.fromEntries(figures.map((f) => [f.id, f.spec])),
  };
  const name = escapeHtml(data.sweep.name);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>sgc sweep: ${name}</title>
<style>
${PAGE_STYLE}
table { font-size: 0.9em; }
.note { color: #8a5a00; }
</style>
</head>
<body>
<h1>Sweep <code>${name}</code></h1>
<p id="summary">status ${escapeHtml(data.sweep.status)} · cells: ${escapeHtml(
    count(data.cells.map((c) => c.status)),
  )} · runs: ${escapeHtml(count(data.runs.map((r) => r.outcome ?? r.status)))}</p>
${successRules(data)}
${figureHtml(byId.get('min-width'))}
<h2>Cells</h2>
${cellsTable}
<h2>Chosen runs</h2>
<p>For each cell with an H*, the run at H* with the lowest seed that succeeded.</p>
${notes}
${runSections || `<p>No runs drawn${data.cells.some((c) => c.minWidth !== null) ? '' : ': no cell has an H* yet'}.</p>`}
<h2>Runs</h2>
${runsTable}
<script type="application/json" id="sgc-sweep-data">${jsonForScript(inline)}</script>
</body>
</html>
`;
}

/** What a successful run means in this sweep, from the chosen runs' configs (several if they differ). */
function successRules(data: SweepReportData): string {
  const rules = [
    ...new Set(data.chosen.map((c) => successRuleOf(c.data.config)).filter((r) => r !== undefined)),
  ];
  if (rules.length === 0) return '';
  return `<p id="success-rule">H* = the smallest width whose runs succeed; success = ${rules.map(escapeHtml).join(' / ')}</p>`;
}
