/**
 * The small dense linear algebra the algebra core needs: row-major Float64Array matrices with
 * explicit sizes, products, Kronecker products, and the symmetric eigendecomposition used to split
 * representations into irreducible pieces. Nothing here allocates more than its result.
 */

/** Row-major n×m matrix. */
export type Matrix = Float64Array;

export function identity(n: number): Matrix {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/** C = A·B with A n×m and B m×p. */
export function matmul(a: Matrix, b: Matrix, n: number, m: number, p: number, out?: Matrix): Matrix {
  const c = out ?? new Float64Array(n * p);
  c.fill(0);
  for (let i = 0; i < n; i++) {
    const ci = i * p;
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k];
      if (aik === 0) continue;
      const bk = k * p;
      for (let j = 0; j < p; j++) c[ci + j] += aik * b[bk + j];
    }
  }
  return c;
}

/** Aᵀ for A n×m. */
export function transpose(a: Matrix, n: number, m: number): Matrix {
  const t = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) t[j * n + i] = a[i * m + j];
  return t;
}

/** A ⊗ B for square A (p×p) and B (q×q): (A⊗B)[(i·q+k),(j·q+l)] = A[i,j]·B[k,l]. */
export function kron(a: Matrix, p: number, b: Matrix, q: number): Matrix {
  const n = p * q;
  const out = new Float64Array(n * n);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      const aij = a[i * p + j];
      if (aij === 0) continue;
      for (let k = 0; k < q; k++)
        for (let l = 0; l < q; l++) out[(i * q + k) * n + j * q + l] = aij * b[k * q + l];
    }
  return out;
}

export function trace(a: Matrix, n: number, offset = 0): number {
  let t = 0;
  for (let i = 0; i < n; i++) t += a[offset + i * n + i];
  return t;
}

/** tr(A·B) for n×n A and B, without forming the product. */
export function traceOfProduct(a: Matrix, b: Matrix, n: number, offsetA = 0, offsetB = 0): number {
  let t = 0;
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) t += a[offsetA + i * n + k] * b[offsetB + k * n + i];
  return t;
}

export function frobeniusNormSquared(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

/** max |a_i − b_i|. */
export function maxAbsDiff(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  offsetA = 0,
  offsetB = 0,
  length = a.length,
): number {
  let m = 0;
  for (let i = 0; i < length; i++) m = Math.max(m, Math.abs(a[offsetA + i] - b[offsetB + i]));
  return m;
}

export interface SymmetricEigen {
  /** Eigenvalues in ascending order. */
  values: Float64Array;
  /** Row-major n×n; column j is the unit eigenvector of values[j]. */
  vectors: Matrix;
}

/**
 * Eigendecomposition of a real symmetric matrix: Householder reduction to tridiagonal form followed
 * by the implicit QL algorithm with Wilkinson shifts (the EISPACK routines tred2 and tql2, as in
 * Wilkinson & Reinsch, "Handbook for Automatic Computation II", 1971). O(n³); backward stable, so
 * the eigenvectors are orthonormal to machine precision even for clustered eigenvalues.
 */
export function symmetricEigen(a: Matrix, n: number): SymmetricEigen {
  // V holds the accumulated transformations; rows of V are indexed like columns of A.
  const V = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return { values: d, vectors: V };
  tridiagonalize(V, d, e, n);
  diagonalizeTridiagonal(V, d, e, n);
  // Sort ascending (selection sort on columns: n is small next to the O(n³) work above).
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    for (let j = i + 1; j < n; j++) if (d[j] < d[k]) k = j;
    if (k !== i) {
      const t = d[i];
      d[i] = d[k];
      d[k] = t;
      for (let r = 0; r < n; r++) {
        const s = V[r * n + i];
        V[r * n + i] = V[r * n + k];
        V[r * n + k] = s;
      }
    }
  }
  return { values: d, vectors: V };
}

/** Householder tridiagonalisation (tred2): on exit d is the diagonal, e the sub-diagonal (e[0] = 0). */
function tridiagonalize(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[j * n + i] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k * n + j] * d[k];
          e[k] += V[k * n + j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[k * n + j] -= f * e[k] + g * d[k];
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i];
    V[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1] * V[k * n + j];
        for (let k = 0; k <= i; k++) V[k * n + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[(n - 1) * n + j];
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL iterations on the tridiagonal (d, e) (tql2), rotating the columns of V along. */
function diagonalizeTridiagonal(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > 60) throw new Error('symmetricEigen: QL iteration did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.sqrt(p * p + 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.sqrt(p * p + e[i] * e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          for (let k = 0; k < n; k++) {
            const row = k * n;
            h = V[row + i + 1];
            V[row + i + 1] = s * V[row + i] + c * h;
            V[row + i] = c * V[row + i] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}
