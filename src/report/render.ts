/**
 * Rendering Vega-Lite specs in Node, without a browser: compile to Vega, run a headless View
 * (renderer 'none'), serialize to SVG; PNG through resvg. The View is returned too, so tests can read
 * the scenegraph (mark items and their data) instead of parsing the SVG.
 */
import { Resvg, type ResvgRenderOptions, renderAsync } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface RenderedFigure {
  svg: string;
  view: vega.View;
}

export async function renderFigure(spec: TopLevelSpec): Promise<RenderedFigure> {
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  await view.runAsync();
  const svg = await view.toSVG();
  return { svg, view };
}

function pngOptions(scale: number): ResvgRenderOptions {
  return {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  };
}

/** A PNG of an SVG at `scale`× its size (white background, system fonts). */
export function svgToPng(svg: string, scale = 2): Buffer {
  return new Resvg(svg, pngOptions(scale)).render().asPng();
}

/**
 * The same PNG, rasterized on libuv's thread pool: a report's figures rasterize in parallel with
 * each other and with the JavaScript that lays out the next one (loading the system fonts and
 * rasterizing took 40–80 ms per figure on the main thread).
 */
export async function svgToPngAsync(svg: string, scale = 2): Promise<Buffer> {
  return (await renderAsync(svg, pngOptions(scale))).asPng();
}

/** One scenegraph mark (by its Vega name, `<layer name>_marks`) and its items. */
export interface MarkItems {
  marktype: string;
  items: ({ datum: Record<string, unknown>; x?: number; y?: number; x2?: number; y2?: number } & Record<
    string,
    unknown
  >)[];
}

/** Every mark named `name` in the view's scenegraph. */
export function findMarks(view: vega.View, name: string): MarkItems[] {
  const found: MarkItems[] = [];
  const walk = (node: { marktype?: string; name?: string; items?: unknown[] }): void => {
    if (node.marktype && node.name === name) found.push(node as unknown as MarkItems);
    for (const item of (node.items ?? []) as { items?: unknown[] }[]) {
      for (const child of (item.items ?? []) as { marktype?: string }[]) walk(child);
    }
  };
  walk((view.scenegraph() as unknown as { root: { items?: unknown[] } }).root);
  return found;
}
