/**
 * Figures that read at a glance: the reports of real sweeps, drawn from the results committed under
 * docs/results/ (a width sweep with twelve series over six groups, and staircase runs with their
 * recorded curves), opened in headless Chromium, where no two text boxes of a figure may overlap
 * (the bounding boxes of the SVG text elements as the browser lays them out). The page also gives
 * each figure most of a 1400 px window, so its text is not shrunk below the page's.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadSweepSpecFile } from '../../src/cli/sweepSpecFile.js';
import { packageRoot } from '../../src/codeLocation.js';
import { type ResultsCsv, sweepReportFromCsv } from '../../src/report/results-csv.js';
import { writeSweepReport } from '../../src/report/sweep-report.js';
import { textOverlaps, withReportPage } from '../helpers/browser.js';

const root = packageRoot;
const results = join(root, 'docs', 'results');

/** The sweeps looked at, and how many of their runs each report draws. */
const SWEEPS = [
  { name: 'width-vs-k-mlp', runs: 0 },
  { name: 'staircase-o', runs: 1 },
  { name: 'staircase-i', runs: 1 },
];

describe('report layout in Chromium, with real results', () => {
  let dir: string;
  let csv: ResultsCsv;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sgc-report-layout-'));
    const read = (file: string) => readFileSync(join(results, file), 'utf8');
    csv = {
      minWidthByK: read('min_width_by_k.csv'),
      runs: read('runs.csv'),
      loss: read('staircase_loss.csv'),
      power: read('staircase_irrep_power.csv'),
      events: read('staircase_events.csv'),
    };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const sweep of SWEEPS) {
    test(`${sweep.name}: no two text boxes of a figure overlap; figures use the window's width`, {
      timeout: 120_000,
    }, async () => {
      const spec = loadSweepSpecFile(join(root, 'examples', `${sweep.name}.yaml`)).spec;
      const data = sweepReportFromCsv(csv, spec, sweep.runs);
      assert.ok(data.cells.length > 0, `${sweep.name} has cells in min_width_by_k.csv`);
      assert.equal(data.chosen.length, sweep.runs, `runs drawn: ${data.notes.join('; ')}`);
      const out = join(dir, sweep.name);
      await writeSweepReport(data, out);
      const figures = readdirSync(out).filter((f) => f.endsWith('.svg'));
      assert.equal(figures.length, 1 + 2 * sweep.runs, figures.join(' '));
      await withReportPage(join(out, 'report.html'), { width: 1400, height: 900 }, async ({ page }) => {
        const { texts, overlaps } = await textOverlaps(page);
        assert.ok(texts > 20, `the figures have text (${texts} elements)`);
        assert.deepEqual(overlaps, [], 'overlapping text boxes');
        const widths = (await page.evaluate(
          `[...document.querySelectorAll('figure svg')].map((s) => s.getBoundingClientRect().width)`,
        )) as number[];
        for (const w of widths) assert.ok(w > 1000, `a figure is ${Math.round(w)} px wide of 1400`);
      });
    });
  }
});
