/**
 * The models' forward pass and hand-derived backward pass in plain Float64 TypeScript, one sequence
 * at a time, every formula visible. This is the ground truth the engines are tested against (and
 * what gradient checks compare with finite differences); it is not meant to be fast.
 *
 * Backward, with dy = ∂L/∂y = 2(y − x_target)/(B·n):
 *   mlp:  ∂W_out = dy·(z^p)ᵀ;  dz = (W_outᵀ dy) ⊙ p·z^(p−1);  ∂U_j = dz·x_{g_j}ᵀ
 *   rnn:  dh_{k−1} = W_outᵀ dy; for t = k−1 … 1: ds_t = dh_t ⊙ 2s_t (s_t the pre-activation),
 *         ∂W_drive += ds_t·x_{g_{t+1}}ᵀ, and for t > 1: ∂W_mix += ds_t·h_{t−1}ᵀ, dh_{t−1} = W_mixᵀ ds_t;
 *         for t = 1: ∂W_in += ds_1·x_{g_1}ᵀ
 *   tree: dv = W_outᵀ dy at the root; through each block b(u,w) = V·s² with s = A u + B w:
 *         ∂V += dv·(s²)ᵀ; ds = (Vᵀ dv) ⊙ 2s; ∂A += ds·uᵀ; ∂B += ds·wᵀ; du = Aᵀ ds; dw = Bᵀ ds
 */
import type { ModelSpec, Parameters } from './spec.js';
import { parameterShapes } from './spec.js';

export interface Batch {
  /** count × k element indices. */
  elements: Int32Array;
  /** The product of each sequence (the target is its encoding). */
  targets: Int32Array;
  count: number;
}

/** y = M·v for M rows×cols. */
function matVec(M: Float64Array, v: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let t = 0;
    for (let j = 0; j < cols; j++) t += M[i * cols + j] * v[j];
    out[i] = t;
  }
  return out;
}

/** out += Mᵀ·v for M rows×cols. */
function matTVecAdd(
  M: Float64Array,
  v: ArrayLike<number>,
  rows: number,
  cols: number,
  out: Float64Array,
): void {
  for (let i = 0; i < rows; i++) {
    const vi = v[i];
    if (vi === 0) continue;
    for (let j = 0; j < cols; j++) out[j] += M[i * cols + j] * vi;
  }
}

/** G += a·bᵀ into a matrix with `stride` columns starting at column `offset`. */
function outerAdd(
  G: Float64Array,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  stride: number,
  offset = 0,
): void {
  for (let i = 0; i < a.length; i++) {
    const ai = a[i];
    if (ai === 0) continue;
    for (let j = 0; j < b.length; j++) G[i * stride + offset + j] += ai * b[j];
  }
}

function encodingOf(X: Float64Array, n: number, g: number): Float64Array {
  return X.subarray(g * n, (g + 1) * n);
}

interface BlockTape {
  u: Float64Array;
  w: Float64Array;
  s: Float64Array;
}

/** One sequence forward; returns y and what backward needs. */
function forwardOne(spec: ModelSpec, P: Parameters, X: Float64Array, seq: Int32Array) {
  const { n, k, H } = spec;
  const x = (j: number) => encodingOf(X, n, seq[j]);
  switch (spec.kind) {
    case 'mlp': {
      const z = new Float64Array(H);
      // U_j occupies columns j·n … (j+1)·n − 1 of W_in (row stride k·n).
      for (let j = 0; j < k; j++) {
        const xj = x(j);
        for (let i = 0; i < H; i++) {
          let t = 0;
          for (let c = 0; c < n; c++) t += P.W_in[i * k * n + j * n + c] * xj[c];
          z[i] += t;
        }
      }
      const a = z.map((v) => v ** spec.degree);
      return { y: matVec(P.W_out, a, n, H), tape: { z, a } };
    }
    case 'rnn': {
      const pre: Float64Array[] = [];
      const hs: Float64Array[] = [];
      let s = matVec(P.W_in, x(0), H, n);
      const d = matVec(P.W_drive, x(1), H, n);
      for (let i = 0; i < H; i++) s[i] += d[i];
      pre.push(s);
      hs.push(s.map((v) => v * v));
      for (let t = 2; t < k; t++) {
        s = matVec(P.W_mix, hs[hs.length - 1], H, H);
        const dt = matVec(P.W_drive, x(t), H, n);
        for (let i = 0; i < H; i++) s[i] += dt[i];
        pre.push(s);
        hs.push(s.map((v) => v * v));
      }
      return { y: matVec(P.W_out, hs[hs.length - 1], n, H), tape: { pre, hs } };
    }
    case 'tree': {
      let level: Float64Array[] = Array.from({ length: k }, (_, j) => Float64Array.from(x(j)));
      const tapes: BlockTape[][] = [];
      while (level.length > 1) {
        const next: Float64Array[] = [];
        const tape: BlockTape[] = [];
        for (let p = 0; p + 1 < level.length; p += 2) {
          const [u, w] = [level[p], level[p + 1]];
          const s = matVec(P.A, u, H, n);
          const bw = matVec(P.B, w, H, n);
          for (let i = 0; i < H; i++) s[i] += bw[i];
          next.push(
            matVec(
              P.V,
              s.map((v) => v * v),
              n,
              H,
            ),
          );
          tape.push({ u, w, s });
        }
        if (level.length % 2 === 1) next.push(level[level.length - 1]);
        tapes.push(tape);
        level = next;
      }
      return { y: matVec(P.W_out, level[0], n, n), tape: { tapes, root: level[0] } };
    }
  }
}

function sequence(batch: Batch, k: number, b: number): Int32Array {
  return batch.elements.subarray(b * k, (b + 1) * k);
}

/** Outputs, count × n. */
export function referenceForward(
  spec: ModelSpec,
  P: Parameters,
  X: Float64Array,
  batch: Batch,
): Float64Array {
  const out = new Float64Array(batch.count * spec.n);
  for (let b = 0; b < batch.count; b++)
    out.set(forwardOne(spec, P, X, sequence(batch, spec.k, b)).y, b * spec.n);
  return out;
}

export function referenceLoss(spec: ModelSpec, P: Parameters, X: Float64Array, batch: Batch): number {
  const { n } = spec;
  const y = referenceForward(spec, P, X, batch);
  let loss = 0;
  for (let b = 0; b < batch.count; b++) {
    const target = encodingOf(X, n, batch.targets[b]);
    for (let u = 0; u < n; u++) loss += (y[b * n + u] - target[u]) ** 2;
  }
  return loss / (batch.count * n);
}

/** L and ∂L/∂θ for every parameter, by the backward formulas above. */
export function referenceLossAndGradients(
  spec: ModelSpec,
  P: Parameters,
  X: Float64Array,
  batch: Batch,
): { loss: number; gradients: Parameters } {
  const { n, k, H } = spec;
  const G: Parameters = {};
  for (const s of parameterShapes(spec)) G[s.name] = new Float64Array(s.rows * s.cols);
  let loss = 0;
  for (let b = 0; b < batch.count; b++) {
    const seq = sequence(batch, k, b);
    const x = (j: number) => encodingOf(X, n, seq[j]);
    const { y, tape } = forwardOne(spec, P, X, seq);
    const target = encodingOf(X, n, batch.targets[b]);
    const dy = new Float64Array(n);
    for (let u = 0; u < n; u++) {
      const r = y[u] - target[u];
      loss += r * r;
      dy[u] = (2 * r) / (batch.count * n);
    }
    switch (spec.kind) {
      case 'mlp': {
        const { z, a } = tape as { z: Float64Array; a: Float64Array };
        outerAdd(G.W_out, dy, a, H);
        const da = new Float64Array(H);
        matTVecAdd(P.W_out, dy, n, H, da);
        const dz = da.map((v, i) => v * spec.degree * z[i] ** (spec.degree - 1));
        for (let j = 0; j < k; j++) outerAdd(G.W_in, dz, x(j), k * n, j * n);
        break;
      }
      case 'rnn': {
        const { pre, hs } = tape as { pre: Float64Array[]; hs: Float64Array[] };
        outerAdd(G.W_out, dy, hs[hs.length - 1], H);
        let dh = new Float64Array(H);
        matTVecAdd(P.W_out, dy, n, H, dh);
        for (let t = pre.length - 1; t >= 0; t--) {
          const ds = dh.map((v, i) => 2 * v * pre[t][i]);
          outerAdd(G.W_drive, ds, x(t + 1), n);
          if (t > 0) {
            outerAdd(G.W_mix, ds, hs[t - 1], H);
            dh = new Float64Array(H);
            matTVecAdd(P.W_mix, ds, H, H, dh);
          } else outerAdd(G.W_in, ds, x(0), n);
        }
        break;
      }
      case 'tree': {
        const { tapes, root } = tape as { tapes: BlockTape[][]; root: Float64Array };
        outerAdd(G.W_out, dy, root, n);
        const dRoot = new Float64Array(n);
        matTVecAdd(P.W_out, dy, n, n, dRoot);
        // Gradients w.r.t. the vectors of the current level, from the root down.
        let dLevel: Float64Array[] = [dRoot];
        for (let l = tapes.length - 1; l >= 0; l--) {
          const tape = tapes[l];
          const below: Float64Array[] = [];
          tape.forEach(({ u, w, s }, p) => {
            const dv = dLevel[p];
            outerAdd(
              G.V,
              dv,
              s.map((v) => v * v),
              H,
            );
            const dsq = new Float64Array(H);
            matTVecAdd(P.V, dv, n, H, dsq);
            const ds = dsq.map((v, i) => 2 * v * s[i]);
            outerAdd(G.A, ds, u, n);
            outerAdd(G.B, ds, w, n);
            const du = new Float64Array(n);
            const dw = new Float64Array(n);
            matTVecAdd(P.A, ds, H, n, du);
            matTVecAdd(P.B, ds, H, n, dw);
            below.push(du, dw);
          });
          // An odd vector passed through unchanged: its gradient too.
          if (dLevel.length > tape.length) below.push(dLevel[tape.length]);
          dLevel = below;
        }
        break;
      }
    }
  }
  return { loss: loss / (batch.count * n), gradients: G };
}
