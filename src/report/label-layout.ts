/**
 * Placing text labels so that they do not overlap each other or the points they sit beside: a greedy
 * pass in pixel space (pure: no rendering). Each label gives its anchor and a list of candidate
 * offsets in order of preference; it takes the first candidate whose box stays inside the plot and
 * clears every obstacle and every label placed before it (or, when none does, the one that overlaps
 * least). Figures that use it fix their scales' domains, so data values map to pixels here exactly as
 * Vega maps them, and draw the labels at the pixels returned (`scale: null`).
 *
 * Text width is estimated, not measured (no canvas in Node): FONT_WIDTH_EM per character is an upper
 * bound of DejaVu Sans' advance widths for the letters, digits and signs these labels use (most are
 * 0.5–0.65 em; the widest, `W` and `m`, about 1 em, are rare), so an estimated box is a little wider
 * than the text drawn, which only makes the spacing generous.
 */

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export type Align = 'left' | 'center' | 'right';

/** One place to try: the offset from the anchor to the text's reference point, and its alignment. */
export interface Candidate {
  dx: number;
  dy: number;
  align: Align;
}

export interface LabelRequest {
  text: string;
  /** The anchor in pixels, from the plot's top-left corner. */
  x: number;
  y: number;
  fontSize: number;
  candidates: readonly Candidate[];
}

/** Where a label goes: its reference point (vertical middle of the text) and alignment. */
export interface PlacedLabel {
  text: string;
  x: number;
  y: number;
  align: Align;
  box: Box;
}

export const FONT_WIDTH_EM = 0.64;
/** Space kept clear around each box, in pixels. */
const MARGIN = 2;

export function textWidth(text: string, fontSize: number): number {
  return [...text].length * fontSize * FONT_WIDTH_EM;
}

/** The box of a label whose vertical middle is at y and whose `align` edge (or centre) is at x. */
export function labelBox(text: string, x: number, y: number, align: Align, fontSize: number): Box {
  const width = textWidth(text, fontSize);
  const left = align === 'left' ? x : align === 'right' ? x - width : x - width / 2;
  const half = (fontSize * 1.2) / 2;
  return { left, top: y - half, right: left + width, bottom: y + half };
}

/** The area two boxes share, with MARGIN around each (0 when they are apart). */
export function overlapArea(a: Box, b: Box): number {
  const w = Math.min(a.right, b.right) - Math.max(a.left, b.left) + 2 * MARGIN;
  const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) + 2 * MARGIN;
  return w > 0 && h > 0 ? w * h : 0;
}

/** A square box of side `size` around a point (a plotted symbol). */
export function pointBox(x: number, y: number, size: number): Box {
  return { left: x - size / 2, top: y - size / 2, right: x + size / 2, bottom: y + size / 2 };
}

/**
 * Places `labels` in order inside `bounds`, clear of `obstacles` and of each other where any
 * candidate allows it. Returns one placement per label, in the same order.
 */
export function placeLabels(
  labels: readonly LabelRequest[],
  obstacles: readonly Box[],
  bounds: Box,
): PlacedLabel[] {
  const taken: Box[] = [...obstacles];
  return labels.map((label) => {
    let best: PlacedLabel | undefined;
    let bestCost = Number.POSITIVE_INFINITY;
    for (const c of label.candidates) {
      const x = label.x + c.dx;
      const y = label.y + c.dy;
      const box = labelBox(label.text, x, y, c.align, label.fontSize);
      const outside =
        Math.max(0, bounds.left - box.left) +
        Math.max(0, box.right - bounds.right) +
        Math.max(0, bounds.top - box.top) +
        Math.max(0, box.bottom - bounds.bottom);
      const cost = taken.reduce((sum, t) => sum + overlapArea(box, t), 0) + 1000 * outside;
      if (cost < bestCost) {
        bestCost = cost;
        best = { text: label.text, x, y, align: c.align, box };
      }
      if (cost === 0) break;
    }
    if (!best) throw new Error(`label "${label.text}" has no candidate positions`);
    taken.push(best.box);
    return best;
  });
}

/** Candidates straight above and below an anchor, alternating, `step` pixels apart, `n` each way. */
export function verticalCandidates(align: Align, dx: number, step: number, n: number): Candidate[] {
  const out: Candidate[] = [{ dx, dy: 0, align }];
  for (let i = 1; i <= n; i++) out.push({ dx, dy: -i * step, align }, { dx, dy: i * step, align });
  return out;
}
