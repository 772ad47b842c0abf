/**
 * An Alternating Gradient Flow simulator for the two-layer network (Kunin et al., "Alternating
 * Gradient Flows: A Theory of Feature Learning in Two-layer Neural Networks", 2025), specialised
 * to the sequence task. In the small-init limit, training alternates between two phases:
 *
 *  - utility maximisation: every dormant neuron θ = (u, w), f(x; θ) = w·(uᵀx)^p, turns its direction
 *    θ̂ up the utility U(θ̂) = (2/(B·n)) Σ_b ⟨r_b, f(x_b; θ̂)⟩ of the current residual r = y − ŷ, on
 *    the unit sphere, while its norm grows as d log‖θ‖/dτ = (p+1)·U(θ̂) (f is (p+1)-homogeneous, and
 *    the per-neuron flow with degree p removes the ‖θ‖ factor). It becomes active once its
 *    accumulated log-norm reaches log(1/α).
 *  - cost minimisation: the active neurons minimise the loss (to convergence, since they are fast
 *    next to the dormant ones), which sets a new residual. The loss never rises: the neuron that
 *    activates enters at the scale that fits the residual best along its direction.
 *
 * τ is the per-neuron time; the loss is piecewise constant in τ, dropping at each activation. The
 * simulator reports the activation times, the loss after each, and the irrep whose part of the loss
 * fell most ('none' when no part fell): a predicted loss staircase and order of acquisition, to
 * compare with training.
 */
import type { FiniteGroup } from '../algebra/group.js';
import { type Irrep, irrepsOf } from '../algebra/irreps/index.js';
import { Random } from '../algebra/random.js';
import type { Encoding } from '../task/encoding.js';
import { encodingMatrix } from '../task/encoding.js';
import { exhaustiveSequences } from '../task/sequences.js';
import { outputPower } from './metrics.js';
import { referenceForward, referenceLossAndGradients } from './models/reference.js';
import { makeModelSpec, type Parameters } from './models/spec.js';

export interface AgfOptions {
  k: number;
  /** Number of neurons (all start dormant). */
  width: number;
  /** Init scale α: a neuron activates after accumulating log(1/α). */
  initScale: number;
  /** Activation power p (default k). */
  degree?: number;
  seed?: number;
  /** Stop after this many activations. */
  maxActivations?: number;
  /** Cost-minimisation iterations after each activation. */
  costIterations?: number;
  /** Called at each activation, as it happens (the simulation can take minutes). */
  onEvent?: (event: AgfEvent, index: number) => void;
}

export interface AgfEvent {
  /** Per-neuron time of the activation. */
  time: number;
  neuron: number;
  /** Loss after the active neurons have minimised it. */
  loss: number;
  /**
   * The irrep whose part of the loss (the residual's power in it) fell most with this activation,
   * or 'none' when none fell: the activation only moved the neurons already active.
   */
  irrep: string;
}

export interface AgfResult {
  initialLoss: number;
  events: AgfEvent[];
}

export function simulateAgf(group: FiniteGroup, encoding: Encoding, options: AgfOptions): AgfResult {
  const { k, width } = options;
  const p = options.degree ?? k;
  const n = group.order;
  const irreps: readonly Irrep[] = irrepsOf(group);
  const X = encodingMatrix(encoding);
  const data = exhaustiveSequences(group, k, { cap: 50_000 });
  const B = data.count;
  const batch = { elements: data.elements, targets: data.products, count: B };
  const Y = new Float64Array(B * n);
  for (let b = 0; b < B; b++) Y.set(X.subarray(data.products[b] * n, (data.products[b] + 1) * n), b * n);
  // Inputs as dense rows [x_{g_1}; …; x_{g_k}]: the simulator is for small cases, clarity first.
  const D = k * n;
  const inputs = new Float64Array(B * D);
  for (let b = 0; b < B; b++)
    for (let j = 0; j < k; j++)
      inputs.set(X.subarray(data.elements[b * k + j] * n, (data.elements[b * k + j] + 1) * n), b * D + j * n);

  const rng = new Random(options.seed ?? 0);
  // Dormant directions θ̂ = (u, w) on the unit sphere of R^(D+n), and their accumulated log-norm.
  const dims = D + n;
  const directions = Array.from({ length: width }, () => {
    const v = Float64Array.from({ length: dims }, () => rng.normal());
    return scale(v, 1 / norm(v));
  });
  const progress = new Float64Array(width);
  const dormant = new Set(Array.from({ length: width }, (_, i) => i));
  const threshold = Math.log(1 / options.initScale);

  let residual: Float64Array = Float64Array.from(Y);
  const lossOf = (r: Float64Array): number => r.reduce((a, x) => a + x * x, 0) / (B * n);
  const initialLoss = lossOf(residual);
  const active: Float64Array[] = [];
  const events: AgfEvent[] = [];
  let time = 0;
  // The residual's power per irrep (the output the task still misses, measured as outputPower
  // measures the output): the encoding's powers before any neuron is active.
  let missing = outputPower(group, irreps, residual, data.products, B);
  const totalPower = missing.reduce((a, x) => a + x, 0);

  /**
   * The scale c of a neuron entering along θ̂: its output is c^(p+1)·f(θ̂), and the loss
   * ‖r − s·f(θ̂)‖² is least at s = ⟨r, f(θ̂)⟩/‖f(θ̂)‖², which is > 0 for the neuron that fired
   * (its utility is positive). Starting cost minimisation from there, the loss never rises with
   * an activation, where a unit-scale entry could throw it far off (for large encodings) and
   * leave Adam to climb back.
   */
  const entryScale = (theta: Float64Array): number => {
    let along = 0;
    let square = 0;
    for (let b = 0; b < B; b++) {
      let z = 0;
      for (let i = 0; i < D; i++) z += theta[i] * inputs[b * D + i];
      const zp = z ** p;
      for (let v = 0; v < n; v++) {
        const f = theta[D + v] * zp;
        along += residual[b * n + v] * f;
        square += f * f;
      }
    }
    const s = square > 0 ? Math.max(along / square, 0) : 0;
    return s > 0 ? s ** (1 / (p + 1)) : 1e-6;
  };

  // U(θ̂) and its gradient for one direction, at the current residual.
  const utility = (theta: Float64Array): { value: number; gradient: Float64Array } => {
    const u = theta.subarray(0, D);
    const w = theta.subarray(D);
    const gradient = new Float64Array(dims);
    let value = 0;
    const c = 2 / (B * n);
    for (let b = 0; b < B; b++) {
      let z = 0;
      for (let i = 0; i < D; i++) z += u[i] * inputs[b * D + i];
      let rw = 0;
      for (let v = 0; v < n; v++) rw += residual[b * n + v] * w[v];
      const zp = z ** p;
      value += c * rw * zp;
      const dz = c * rw * p * z ** (p - 1);
      for (let i = 0; i < D; i++) gradient[i] += dz * inputs[b * D + i];
      for (let v = 0; v < n; v++) gradient[D + v] += c * residual[b * n + v] * zp;
    }
    return { value, gradient };
  };

  const maxActivations = options.maxActivations ?? width;
  while (events.length < maxActivations && dormant.size > 0 && lossOf(residual) > 1e-9 * initialLoss) {
    // Utility maximisation until the first dormant neuron reaches the threshold.
    let fired = -1;
    for (let iteration = 0; iteration < 200_000 && fired < 0; iteration++) {
      const rates = new Map<number, { value: number; gradient: Float64Array }>();
      let fastest = 0;
      let steepest = 0;
      for (const i of dormant) {
        const r = utility(directions[i]);
        rates.set(i, r);
        fastest = Math.max(fastest, (p + 1) * r.value);
        steepest = Math.max(steepest, norm(r.gradient));
      }
      // A step small enough for the directions to move little, and not past the next activation.
      let dt = 0.05 / Math.max(steepest, 1e-12);
      if (fastest > 0) {
        for (const i of dormant)
          if (rates.get(i)!.value > 0)
            dt = Math.min(dt, Math.max(1e-12, (threshold - progress[i]) / ((p + 1) * rates.get(i)!.value)));
      }
      time += dt;
      for (const i of dormant) {
        const { value, gradient } = rates.get(i)!;
        progress[i] += (p + 1) * value * dt;
        // Projected ascent on the sphere: remove the radial part, step, renormalise.
        const theta = directions[i];
        const radial = dot(gradient, theta);
        for (let j = 0; j < dims; j++) theta[j] += dt * (gradient[j] - radial * theta[j]);
        scale(theta, 1 / norm(theta), theta);
        if (progress[i] >= threshold * (1 - 1e-9) && fired < 0) fired = i;
      }
    }
    if (fired < 0) break;
    dormant.delete(fired);
    // The neuron enters the active set along its direction at the scale that best fits the
    // residual there (an exact line search, so the loss can only fall); cost minimisation, which
    // keeps its best point, then moves all the active neurons.
    active.push(scale(Float64Array.from(directions[fired]), entryScale(directions[fired])));
    residual = minimiseCost(active, Y, X, batch, {
      D,
      n,
      k,
      p,
      iterations: options.costIterations ?? 3000,
    });
    // The irrep this activation brought in: the one whose part of the residual fell most (by
    // Parseval the loss is the sum of those parts). An irrep whose output rose where the target has
    // no power (a target power 0) has a part that grew: it is never the one named.
    const after = outputPower(group, irreps, residual, data.products, B);
    let best = 0;
    for (let s = 1; s < after.length; s++) if (missing[s] - after[s] > missing[best] - after[best]) best = s;
    const fell = missing[best] - after[best] > 1e-9 * totalPower;
    missing = after;
    const event = { time, neuron: fired, loss: lossOf(residual), irrep: fell ? irreps[best].label : 'none' };
    events.push(event);
    options.onEvent?.(event, events.length - 1);
  }
  return { initialLoss, events };
}

/** Adam on the active neurons' weights (as an mlp of their width), returning the new residual. */
function minimiseCost(
  active: Float64Array[],
  Y: Float64Array,
  X: Float64Array,
  batch: { elements: Int32Array; targets: Int32Array; count: number },
  shape: { D: number; n: number; k: number; p: number; iterations: number },
): Float64Array {
  const { D, n, k, p } = shape;
  const H = active.length;
  const spec = makeModelSpec('mlp', n, k, H, p);
  const params: Parameters = { W_in: new Float64Array(H * D), W_out: new Float64Array(n * H) };
  active.forEach((theta, h) => {
    params.W_in.set(theta.subarray(0, D), h * D);
    for (let v = 0; v < n; v++) params.W_out[v * H + h] = theta[D + v];
  });
  const m: Parameters = { W_in: new Float64Array(H * D), W_out: new Float64Array(n * H) };
  const s: Parameters = { W_in: new Float64Array(H * D), W_out: new Float64Array(n * H) };
  const lr = 0.01;
  let previous = Number.POSITIVE_INFINITY;
  // Adam's loss need not fall at every step: the best point seen is the one kept, so that the
  // minimisation never ends above where it started.
  let best = { loss: Number.POSITIVE_INFINITY, W_in: params.W_in.slice(), W_out: params.W_out.slice() };
  for (let t = 1; t <= shape.iterations; t++) {
    const { loss, gradients } = referenceLossAndGradients(spec, params, X, batch);
    if (loss < best.loss) best = { loss, W_in: params.W_in.slice(), W_out: params.W_out.slice() };
    if (Math.abs(previous - loss) < 1e-10 * Math.max(1, loss)) break;
    previous = loss;
    for (const name of ['W_in', 'W_out'] as const)
      for (let i = 0; i < params[name].length; i++) {
        const g = gradients[name][i];
        m[name][i] = 0.9 * m[name][i] + 0.1 * g;
        s[name][i] = 0.999 * s[name][i] + 0.001 * g * g;
        params[name][i] -=
          (lr * (m[name][i] / (1 - 0.9 ** t))) / (Math.sqrt(s[name][i] / (1 - 0.999 ** t)) + 1e-8);
      }
  }
  const last = referenceLossAndGradients(spec, params, X, batch).loss;
  if (last > best.loss) {
    params.W_in.set(best.W_in);
    params.W_out.set(best.W_out);
  }
  active.forEach((theta, h) => {
    theta.set(params.W_in.subarray(h * D, (h + 1) * D), 0);
    for (let v = 0; v < n; v++) theta[D + v] = params.W_out[v * H + h];
  });
  const outputs = referenceForward(spec, params, X, batch);
  return Float64Array.from(Y, (y, i) => y - outputs[i]);
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

function scale(a: Float64Array, c: number, out: Float64Array = a): Float64Array {
  for (let i = 0; i < a.length; i++) out[i] = a[i] * c;
  return out;
}
