/**
 * A report opened in a real headless Chromium (Debian's, driven by playwright-core), with every
 * console error and network request recorded: the checks the report tests share.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface OpenedReport {
  page: Page;
  url: string;
}

/**
 * Opens `htmlPath`, runs `use`, then asserts that the page logged no console error and requested
 * nothing but itself (a report carries its data inline and loads nothing from the network).
 */
export async function withReportPage(
  htmlPath: string,
  viewport: { width: number; height: number },
  use: (opened: OpenedReport) => Promise<void>,
): Promise<void> {
  // .ci/run installs Chromium where it is missing: its absence is a broken setup, not a reason to skip.
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (as .ci/run does)`);
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'sgc-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport,
  });
  try {
    const url = pathToFileURL(htmlPath).href;
    const requests: string[] = [];
    const errors: string[] = [];
    context.on('request', (r) => requests.push(r.url()));
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url, { waitUntil: 'load' });
    await use({ page, url });
    assert.deepEqual(errors, [], 'no console errors');
    assert.deepEqual(
      requests.filter((r) => r !== url),
      [],
      'no requests but the page itself',
    );
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * Per <figure>: its id, the laid-out size of its SVG, and how many elements match each selector.
 * Evaluated as a string: tsx's transpiled functions reference helpers the page lacks.
 */
export async function figureCounts(
  page: Page,
  selectors: Record<string, string>,
): Promise<Record<string, number | string>[]> {
  return page.evaluate(`
    [...document.querySelectorAll('figure')].map((f) => {
      const box = f.querySelector('svg')?.getBoundingClientRect();
      const counts = Object.fromEntries(
        Object.entries(${JSON.stringify(selectors)}).map(([name, s]) => [name, f.querySelectorAll(s).length]),
      );
      return { id: f.id, width: box?.width ?? 0, height: box?.height ?? 0, ...counts };
    })`);
}

/** Two text boxes of one figure that overlap, as the browser laid them out. */
export interface TextOverlap {
  figure: string;
  a: string;
  b: string;
  /** The shared area in CSS pixels². */
  area: number;
}

/**
 * Every pair of SVG <text> elements in the same <figure> whose bounding boxes (getBoundingClientRect,
 * after the page's own scaling) overlap by more than `tolerance` pixels each way, and the number of
 * text elements looked at. Empty texts are skipped, and so are hidden ones: Vega keeps the axis labels
 * it drops for lack of room as text with opacity 0.
 */
export async function textOverlaps(
  page: Page,
  tolerance = 0.5,
): Promise<{ texts: number; overlaps: TextOverlap[] }> {
  return page.evaluate(`(() => {
    const overlaps = [];
    let texts = 0;
    const shown = (e) => {
      for (let n = e; n && n instanceof Element; n = n.parentElement) {
        const style = getComputedStyle(n);
        if (style.opacity === '0' || style.visibility === 'hidden' || style.display === 'none') return false;
      }
      return true;
    };
    for (const figure of document.querySelectorAll('figure')) {
      const boxes = [...figure.querySelectorAll('svg text')]
        .filter((t) => t.textContent.trim() !== '' && shown(t))
        .map((t) => ({ text: t.textContent, r: t.getBoundingClientRect() }))
        .filter((b) => b.r.width > 0 && b.r.height > 0);
      texts += boxes.length;
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i].r;
          const b = boxes[j].r;
          const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (w > ${tolerance} && h > ${tolerance})
            overlaps.push({ figure: figure.id, a: boxes[i].text, b: boxes[j].text, area: Math.round(w * h) });
        }
    }
    return { texts, overlaps };
  })()`);
}
