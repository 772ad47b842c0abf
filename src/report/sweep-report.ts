/**
 * Writing a sweep's report: min-width.svg/.png (H* vs k), <run>-loss and <run>-power (.svg/.png) for
 * the chosen runs, drawn with the run report's figure specs, and report.html. A run's files are
 * named by its cell, width and seed (runFileStem), so they keep their names in any store.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../files.js';
import { lossSpec, powerSpec } from './figures.js';
import { renderFigure, svgToPngAsync } from './render.js';
import type { SweepReportData } from './sweep-data.js';
import { minWidthSpec } from './sweep-figures.js';
import { type SweepFigure, sweepReportHtml } from './sweep-html.js';

/** The specs of every figure of the report, by figure id (also the file name without extension). */
export function sweepFigureSpecs(data: SweepReportData) {
  return [
    { id: 'min-width', spec: minWidthSpec(data.cells, data.sweep.name) },
    ...data.chosen.flatMap(({ stem, data: run }) => [
      { id: `${stem}-loss`, spec: lossSpec(run) },
      { id: `${stem}-power`, spec: powerSpec(run) },
    ]),
  ];
}

/** Renders every figure (SVG + PNG) and report.html into `out`; returns the paths written. */
export async function writeSweepReport(data: SweepReportData, out: string): Promise<string[]> {
  mkdirSync(out, { recursive: true });
  const written: string[] = [];
  const figures: SweepFigure[] = [];
  const pngs: Promise<void>[] = [];
  for (const { id, spec } of sweepFigureSpecs(data)) {
    const { svg } = await renderFigure(spec);
    figures.push({ id, svg, spec });
    writeFileAtomic(join(out, `${id}.svg`), svg);
    pngs.push(svgToPngAsync(svg).then((png) => writeFileAtomic(join(out, `${id}.png`), png)));
    written.push(join(out, `${id}.svg`), join(out, `${id}.png`));
  }
  await Promise.all(pngs);
  writeFileAtomic(join(out, 'report.html'), sweepReportHtml(data, figures));
  written.push(join(out, 'report.html'));
  return written;
}
