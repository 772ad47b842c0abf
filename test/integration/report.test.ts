/**
 * Reports as a user gets them: `sgc train` writes the figures and report.html into its run folder,
 * `sgc report` re-renders them elsewhere, and the report opens in a real headless Chromium with no
 * console errors, every figure drawn, and no request other than the page itself. A screenshot is saved
 * under test-artifacts/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseGroup } from '../../src/algebra/parse.js';
import { packageRoot } from '../../src/codeLocation.js';
import { plateauLevels } from '../../src/learn/theory.js';
import { lossSpec, powerSpec } from '../../src/report/figures.js';
import { findMarks, renderFigure } from '../../src/report/render.js';
import { readRunFolder } from '../../src/report/run-folder.js';
import { encode } from '../../src/task/encoding.js';
import { figureCounts, textOverlaps, withReportPage } from '../helpers/browser.js';
import { sgc } from '../helpers/sgc.js';

const root = packageRoot;

const runYaml = `group: D3
encoding: {kind: powers, powers: [0, 30, 3000]}
k: 2
model: {kind: mlp, H: 32}
train: {optimizer: per-neuron, lr: 0.01, init: 1.0e-3, steps: 300, clip: 0.1, stopOnSuccess: false}
engine: {name: reference}
`;

const FIGURES = ['loss', 'power', 'accuracy'];

describe('run reports', () => {
  let dir: string;
  let run: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sgc-report-'));
    writeFileSync(join(dir, 'run.yaml'), runYaml);
    run = join(dir, 'run');
    const r = sgc('train', join(dir, 'run.yaml'), '--out', run);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /report: .*report\.html/);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('sgc train writes the figures (SVG, PNG) and report.html next to its data', async () => {
    for (const name of FIGURES) {
      const svg = readFileSync(join(run, `${name}.svg`), 'utf8');
      assert.match(svg, /^<svg /, `${name}.svg`);
      const png = readFileSync(join(run, `${name}.png`));
      assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')], `${name}.png`);
      assert.ok(png.length > 5000, `${name}.png has content`);
    }
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    for (const name of FIGURES) assert.match(html, new RegExp(`<figure id="figure-${name}"`));
  });

  test('the loss figure plots loss.csv and the theory plateaus; events are those of metrics.json', async () => {
    const data = readRunFolder(run);
    const { view, svg } = await renderFigure(lossSpec(data));
    assert.equal(svg, readFileSync(join(run, 'loss.svg'), 'utf8'), 'loss.svg is this figure');
    const csv = readFileSync(join(run, 'loss.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',').map(Number));
    const [line] = findMarks(view, 'loss_marks');
    assert.deepEqual(
      line.items.map((i) => [i.datum.step, i.datum.loss]),
      csv.filter(([, loss]) => loss > 0),
    );
    const levels = plateauLevels(encode(parseGroup('D3'), data.config.encoding as never).power, 6);
    assert.deepEqual(levels, [505.0000000000002, 5, 0]);
    const [rules] = findMarks(view, 'plateaus_marks');
    assert.deepEqual(
      rules.items.map((i) => i.datum.level),
      levels.slice(0, -1),
    );
    const result = JSON.parse(readFileSync(join(run, 'result.json'), 'utf8'));
    assert.deepEqual(result.predicted.plateaus, levels, 'the figure and result.json agree');
    const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
    assert.ok(metrics.events.length >= 1, 'rot1 is acquired within 300 steps');
    const [events] = findMarks(view, 'events_marks');
    assert.deepEqual(
      events.items.map((i) => [i.datum.step, i.datum.label]),
      metrics.events.map((e: { step: number; label: string }) => [e.step, e.label]),
    );
    const power = await renderFigure(powerSpec(data));
    const [targets] = findMarks(power.view, 'targets_marks');
    assert.deepEqual(
      targets.items.map((i) => [i.datum.irrep, i.datum.power]),
      [
        ['rot1', data.encodingPower[2]],
        ['sign', data.encodingPower[1]],
      ],
    );
  });

  test('sgc report --out writes the report elsewhere; bad folders: one line, exit 2', () => {
    const out = join(dir, 'elsewhere');
    const r = sgc('report', run, '--out', out);
    assert.equal(r.code, 0, r.stderr);
    for (const f of ['report.html', ...FIGURES.flatMap((n) => [`${n}.svg`, `${n}.png`])])
      assert.ok(existsSync(join(out, f)), f);
    assert.equal(
      readFileSync(join(out, 'report.html'), 'utf8'),
      readFileSync(join(run, 'report.html'), 'utf8'),
    );

    const missing = sgc('report', join(dir, 'no-such-run'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no-such-run: no such run folder/);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
    const notRun = sgc('report', dir);
    assert.equal(notRun.code, 2);
    assert.match(notRun.stderr, /not a run folder \(missing config\.json, result\.json, metrics\.json/);
    const broken = join(dir, 'broken');
    mkdirSync(broken);
    for (const f of ['config.json', 'result.json', 'metrics.json'])
      writeFileSync(join(broken, f), readFileSync(join(run, f)));
    writeFileSync(join(broken, 'metrics.json'), '{"irreps": [');
    const bad = sgc('report', broken);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /metrics\.json: not valid JSON/);
    assert.equal(sgc('report').code, 2);
  });

  test('report.html in headless Chromium: no console errors, every figure drawn, no network requests', {
    timeout: 60_000,
  }, async () => {
    await withReportPage(join(run, 'report.html'), { width: 1400, height: 900 }, async ({ page }) => {
      const figures = await figureCounts(page, {
        lines: '.mark-line path',
        plateaus: '.plateaus_marks line',
        events: '.events_marks line',
        targets: '.targets_marks line',
        loss: '.loss_marks path',
        power: '.power_marks path',
        accuracy: '.accuracy_marks path',
      });
      const byId = Object.fromEntries(figures.map((f) => [f.id, f]));
      assert.deepEqual(Object.keys(byId).sort(), ['figure-accuracy', 'figure-loss', 'figure-power']);
      for (const f of figures) {
        assert.ok(
          (f.width as number) > 100 && (f.height as number) > 50,
          `${f.id} is laid out (${f.width}×${f.height})`,
        );
        assert.ok((f.lines as number) > 0, `${f.id} has line marks`);
      }
      assert.equal(byId['figure-loss'].loss, 1);
      assert.equal(byId['figure-loss'].plateaus, 2);
      assert.ok((byId['figure-loss'].events as number) >= 1);
      assert.equal(byId['figure-power'].targets, 2);
      assert.equal(byId['figure-power'].power, 2);
      assert.equal(byId['figure-accuracy'].accuracy, 1);
      const { texts, overlaps } = await textOverlaps(page);
      assert.ok(texts > 30, `text drawn (${texts})`);
      assert.deepEqual(overlaps, [], 'no two text boxes of a figure overlap');
      const rows = await page.locator('#run-table tr').count();
      assert.ok(rows >= 10, 'the run table is there');
      mkdirSync(join(root, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(root, 'test-artifacts', 'report-run.png'), fullPage: true });
    });
  });
});
