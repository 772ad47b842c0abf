/**
 * The mlp of models.ts for S seeds at once, with stacked weights: every parameter has a leading seed
 * axis (W_in S × H × k·n, W_out S × n × H), a slice's element indices are S × B × k, and each of the
 * model's products is one batched MatMul over the S seeds instead of S Gemms. The formulas are
 * mlp's (models.ts), seed by seed:
 *
 *   T_s = the k tables X·U_{s,j}ᵀ stacked (k·n × H);  z_s = M_s·T_s (M_s the one-hot of the k columns,
 *   or k gathers);  a = z^p;  y_s = a_s·W_out,sᵀ
 *   ∂W_out,s = dy_sᵀ·a_s;  dz_s = p·(dy_s·W_out,s) ⊙ z_s^(p−1);  ∂T_s = M_sᵀ·dz_s;  ∂U_{s,j} = ∂T_s,jᵀ·X
 *
 * ORT's Gemm has transA/transB and alpha where MatMul has neither, so the transposes are Transpose
 * nodes and p a Mul. Each seed's numbers are still those of its own graph bit for bit (the same MLAS
 * products over the same rows in the same order; test/unit/learn/engine-onnx-seeds.test.ts checks).
 */
import type { ModelSpec } from '../../models/spec.js';
import type { GraphBuilder } from './graph.js';
import type { Model, ModelInputs } from './models.js';
import { ONE_HOT_MAX_N } from './rows.js';

/** Swaps the last two axes of an S × r × c tensor. */
const swap = (g: GraphBuilder, x: string) => g.transpose(x, [0, 2, 1]);

export function stackedMlp(
  g: GraphBuilder,
  spec: ModelSpec,
  seeds: number,
  { params: P, X }: ModelInputs,
): Model {
  const { n, k, H, degree: p } = spec;
  const S = seeds;
  // W_in (S × H × k·n) → (S, k, n, H); X·that → T[s, j, g, i] = (U_{s,j} x_g)_i.
  const blocks = g.transpose(g.reshape(P.W_in, [S, H, k, n]), [0, 2, 3, 1]);
  const T = g.reshape(g.matmul(X, blocks), [S, k * n, H]);
  const WoutT = swap(g, P.W_out);
  // Rows of T flattened over the seeds (S·k·n × H), for the gather way: row s·k·n + j·n + g.
  const offsets = g.int32s(
    Array.from({ length: S * k }, (_, i) => Math.floor(i / k) * k * n + (i % k) * n),
    [S, 1, k],
  );
  return {
    slice(elements) {
      let z: string;
      let hot: string | undefined;
      let rows: string | undefined;
      if (n <= ONE_HOT_MAX_N) {
        // S × B × k·n: block j of seed s's row b is the one-hot of g_{s,b,j}.
        const range = g.int32s(Array.from({ length: n }, (_, i) => i));
        const equal = g.op('Equal', [g.op('Unsqueeze', [elements, g.int64s([-1])]), range]);
        hot = g.reshape(g.op('Cast', [equal], { to: 1 }), [S, -1, k * n]);
        z = g.matmul(hot, T);
      } else {
        // The k rows of each sequence, gathered from the flattened tables and added.
        rows = g.add(elements, offsets);
        const picked = g.gather(g.reshape(T, [S * k * n, H]), rows);
        z = g.reduceSum(picked, [2]);
      }
      let zp1: string | undefined;
      for (let i = 1; i < p; i++) zp1 = zp1 === undefined ? z : g.mul(zp1, z);
      const a = zp1 === undefined ? z : g.mul(zp1, z);
      return {
        y: g.matmul(a, WoutT),
        backward(dy) {
          const dyW = g.matmul(dy, P.W_out);
          const da = p === 1 ? dyW : g.mul(dyW, g.scalar(p));
          const dz = zp1 === undefined ? da : g.mul(da, zp1);
          let dT: string;
          if (hot !== undefined) dT = g.matmul(swap(g, hot), dz);
          else {
            // dz_b added into each of its k rows: ScatterND (add) of the B·k copies, in (s, b, j) order.
            const copies = g.op('Expand', [g.op('Unsqueeze', [dz, g.int64s([2])]), g.int64s([S, 1, k, H])]);
            const index = g.reshape(g.op('Cast', [rows!], { to: 7 }), [-1, 1]);
            const zeros = g.op('ConstantOfShape', [g.int64s([S * k * n, H])]);
            const sum = g.op('ScatterND', [zeros, index, g.reshape(copies, [-1, H])], { reduction: 'add' });
            dT = g.reshape(sum, [S, k * n, H]);
          }
          return { T: dT, W_out: g.matmul(swap(g, dy), a) };
        },
      };
    },
    gradients({ T: dT, W_out }) {
      // (S, k·n, H) → (S, H, k, n)·X → ∂W_in[s, i, j·n + c] = Σ_g ∂T[s, j, g, i] X[g, c].
      const W_in = g.reshape(g.matmul(g.transpose(g.reshape(dT, [S, k, n, H]), [0, 3, 1, 2]), X), [
        S,
        H,
        k * n,
      ]);
      return { W_in, W_out };
    },
  };
}
