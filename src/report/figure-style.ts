/**
 * What every figure shares: the Vega-Lite schema and one font and text sizes, so that a figure
 * scaled to a report page's width reads at the size of the page's text. DejaVu Sans is the font
 * resvg draws the PNGs with (render.ts) and the one Debian's Chromium finds, so the label layout's
 * width estimate (label-layout.ts) holds for both.
 */
export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export const FONT = 'DejaVu Sans, Verdana, sans-serif';

export const FIGURE_CONFIG = {
  font: FONT,
  title: { fontSize: 16, subtitleFontSize: 12, subtitleColor: '#444', subtitlePadding: 6 },
  axis: { labelFontSize: 12, titleFontSize: 13 },
  legend: { labelFontSize: 12, titleFontSize: 12 },
} as const;
