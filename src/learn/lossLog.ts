/**
 * The loss a run logs on its step grid: at a logged step s, the mean of the training losses L(t) of
 * the last w(s) steps, t in (s − w(s), s], where w(s) is the grid's spacing at s (a twentieth of a
 * decade, about 11 % of s; one step for s < 19). Not the loss of the single step s.
 *
 * Why a mean, and not the full-set loss at s: the dynamics oscillate, and a full-set loss at one step
 * sees one side of the oscillation. The D3 staircase (examples/train-d3-staircase.yaml) trains on the
 * full set of 36 sequences, and after the sign irrep is learned per-neuron SGD settles into a
 * period-2 cycle: the weights alternate between two points, full-set loss 0.0065 at even steps and
 * 0.109 at odd ones (measured on onnx, steps 10⁴ to 2·10⁴). Logging step s alone drew spikes to
 * 0.1 between points at 0.007; the mean draws the 0.05–0.065 the run actually has there.
 *
 * Why a window of the grid's spacing, and not the steps since the previous logged point: the grid
 * (onLogGrid) and the evaluation steps (every evalEvery) interleave, so the steps since the previous
 * point can be a single odd step, which shows one side of the cycle again. A window that depends on s
 * alone gives each point the same share of the log axis, whatever other points are logged.
 *
 * The mean costs no extra forward pass, averages minibatch noise the same way for sampled and online
 * data, and needs nothing from the engines, so every engine logs the same thing. Each window open at
 * a step (a logged step ahead whose window has begun: a few dozen) keeps its own running sum, so a
 * one-step window logs that step's loss exactly and no difference of large totals loses digits.
 */
import { POINTS_PER_DECADE } from './metrics.js';

/** The fraction of s one grid spacing covers: 1 − 10^(−1/20) ≈ 0.109. */
const SPACING = 1 - 10 ** (-1 / POINTS_PER_DECADE);

/** The number of steps whose losses the point at `step` averages. */
export function lossWindow(step: number): number {
  return Math.max(1, Math.floor(step * SPACING));
}

/** Everything a resumed run needs to log the same means as a run straight through. */
export interface LossLogState {
  /** The next step whose window has not begun yet. */
  cursor: number;
  /** [logged step, first step added to its window, the sum of its losses so far], per open window. */
  open: [number, number, number][];
}

export class LossLog {
  private cursor: number;
  private readonly open = new Map<number, { from: number; sum: number }>();

  /**
   * `isLogged(s)`: whether mean(s) will be asked for. `firstStep`: the step the first add() is for;
   * a log started after 0 (a run resumed from a checkpoint older than this log) averages only the
   * steps it saw, so its first windows are shorter.
   */
  constructor(
    private readonly isLogged: (step: number) => boolean,
    firstStep = 0,
  ) {
    this.cursor = firstStep;
  }

  /** The loss at the weights after `step` updates; steps come one after another from firstStep. */
  add(step: number, loss: number): void {
    // The first step of s's window is s − w(s) + 1, which grows by 0 or 1 as s grows by 1, so the
    // windows that begin here belong to consecutive steps from the cursor.
    while (this.cursor - lossWindow(this.cursor) + 1 <= step) {
      if (this.isLogged(this.cursor)) this.open.set(this.cursor, { from: step, sum: 0 });
      this.cursor++;
    }
    for (const window of this.open.values()) window.sum += loss;
  }

  /** Whether `step` was announced as logged (its window is open). */
  has(step: number): boolean {
    return this.open.has(step);
  }

  /** The mean loss over the window of `step`, after add(step, …); closes the window. */
  mean(step: number): number {
    const window = this.open.get(step);
    if (window === undefined) throw new Error(`loss log: step ${step} was not announced as logged`);
    this.open.delete(step);
    return window.sum / (step - window.from + 1);
  }

  state(): LossLogState {
    return {
      cursor: this.cursor,
      open: [...this.open].map(([step, { from, sum }]) => [step, from, sum]),
    };
  }

  restore(state: LossLogState): void {
    this.cursor = state.cursor;
    this.open.clear();
    for (const [step, from, sum] of state.open) this.open.set(step, { from, sum });
  }
}
