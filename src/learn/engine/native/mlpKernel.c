/*
 * The mlp's training step in C (the `native` engine; src/learn/engine/native/). Same equations as
 * src/learn/models/spec.ts and src/learn/optimizers.ts, in float32:
 *
 *   tables    T_j[g] = Σ_c X[g][c]·A[j·n + c]            A = W_inᵀ (k·n × H), row j·n + c
 *   forward   z_b = Σ_j T_j[g_{b,j}],  a_b = z_b^p,  y_{b,u} = a_b·O_u   (O = W_out, n × H)
 *   loss      L = (1/(B·n)) Σ_{b,u} r_{b,u}²,  r = y − X[target]
 *   backward  dy = 2r/(B·n);  ∂O_u = Σ_b dy_{b,u}·a_b;  dz_b = p·(Σ_u dy_{b,u}·O_u) ⊙ z_b^(p−1)
 *             ∂T_j[g] = Σ_{b: g_{b,j} = g} dz_b;  ∂A_{j·n+c} = Σ_g X[g][c]·∂T_j[g]
 *   update    clip c = min(1, clip/(‖∂‖ + 1e−6)); Adam (1 − β and the bias corrections in double,
 *             as the onnx engine takes them) or per-neuron: θ_i ← θ_i − η·(‖θ_i‖²)^((1−d)/2)·c·∂θ_i,
 *             with θ_i row i of W_in (column i of A) and column i of W_out.
 *
 * Why C: at the sizes sweeps are made of (n ≈ 10–25, H ≈ 100–300, B ≈ 100) a step is a few million
 * multiply-adds, and a graph runtime's dozens of kernels, each reading and writing its B × H
 * intermediate, cost more than the arithmetic. Here the rows of a batch go in chunks that stay in
 * L2, the five products (forward, ∂O, ∂a, the tables and ∂A) run in register-blocked kernels near
 * the multiply-adds' peak (mix, below), and everything else (z and a, dz into ∂T, the residuals, the
 * update) is one pass each along H, contiguous, 8 floats at a time (rows padded to Hp, a multiple
 * of 8; the padding stays 0: its z, a and gradients are 0, and the per-neuron rule skips it).
 *
 * Exposed through Node-API as one asynchronous function; the kernel's own threads, one per core,
 * compute the calls of every session of the process (see computeThread), so a worker's JavaScript
 * thread stays free and concurrent sessions share the cores evenly:
 *
 *   mlp(mode, ints, floats, buffers) → Promise<void>
 *     ints     Int32Array [n, k, H, Hp, p, B, count, optimizer (0 adam, 1 per-neuron), clip?, step0]
 *     floats   Float64Array [lr (η, effective), clip, beta1, beta2, epsilon, per-neuron degree d]
 *     buffers  [X, A, O, mA, vA, mO, vO, elements, targets, out, dA, dO, counts]  (Float32 but for
 *              the Int32 elements (Σ counts × k, or B × k), targets and counts (one per step))
 *     mode 0   `count` optimizer steps of counts[s] sequences each, in place on A, O and the
 *              moments; out[s] = loss of step s
 *     mode 1   loss and gradients of one batch, no update: out[0] = loss, ∂A → dA, ∂O → dO
 *     mode 2   forward only: out = y (B × n)
 */
#include <immintrin.h>
#include <limits.h>
#include <math.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Unaligned 8-float vectors: typed arrays need not be 32-byte aligned. */
typedef float v8 __attribute__((vector_size(32), aligned(4)));

typedef struct Job {
  int n, k, H, Hp, p, B, count, optimizer, clip, step0;
  double lr, clipNorm, beta1, beta2, epsilon, degree;
  float *X, *A, *O, *mA, *vA, *mO, *vO, *out, *dAout, *dOout;
  /* Xᵀ, X padded to np columns (in the scratch), and whether X is dense (more than one nonzero in
   * four): set by fitScratch. */
  float *XT, *XP;
  int denseX;
  int32_t *elements, *targets, *counts;
  int mode;
  /* For the compute threads: the scratch (the thread's, while computing), the next step and its
   * first sequence, the next call in line, the thread that computed the call last, whether it
   * succeeded, the units done and the time they took, and what to call once it is done. */
  struct Scratch *scratch;
  int next, lastThread, ok, unitsDone;
  long spentNs;
  size_t offset;
  struct Job *nextInLine;
  void (*done)(struct Job *);
} Job;

/* y += alpha·x over len floats (a multiple of 8). */
static inline void axpy(float *y, float alpha, const float *x, int len) {
  v8 a = {alpha, alpha, alpha, alpha, alpha, alpha, alpha, alpha};
  for (int i = 0; i < len; i += 8) *(v8 *)(y + i) += a * *(const v8 *)(x + i);
}

/*
 * The step is three products of a block of rows with the output layer, plus the tables' two:
 *
 *   y = a·Oᵀ (rows × n)        ∂O += dyᵀ·a (n × Hp)        ∂a = dy·O (rows × Hp)
 *   T_j = X·A_j                ∂A_j = Xᵀ·∂T_j
 *
 * One register-blocked kernel, mix, serves all five (but the forward's last n mod 8 outputs, dot
 * products below), so that every multiply-add runs from registers and each load feeds several of
 * them (at n = 24, H = 300, B = 128 the step is ~3.5 M multiply-adds; one AVX2 core peaks at ~54 G/s
 * here, so the kernel's efficiency is the step's time).
 *
 * mixBlock: out[r][0 … 8V) (+)= Σ_c M[r·rs + c·cs]·in[c·inS + 0 … 8V) for R rows, R × V ≤ 12 (the
 * sum over c formed first, then added to out when `add`). The accumulators stay in registers, and
 * there are enough of them (≥ 10: two multiply-adds a cycle, 5 cycles each) to keep the
 * multiply-adds busy; each load of `in` is used R times. M's strides let one kernel read dy both as
 * it is (∂a) and transposed (∂O).
 */
static inline __attribute__((always_inline)) void mixBlock(const float *M, int rs, int cs, int K, const float *in,
                                                           int inS, float *out, int outS, int R, int V,
                                                           int add) {
  v8 acc[12];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++) acc[r * V + v] = (v8){0};
  for (int c = 0; c < K; c++) {
    v8 x[2];
    for (int v = 0; v < V; v++) x[v] = *(const v8 *)(in + c * inS + 8 * v);
    for (int r = 0; r < R; r++) {
      float m = M[r * rs + c * cs];
      for (int v = 0; v < V; v++) acc[r * V + v] += m * x[v];
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < V; v++)
      *(v8 *)(out + r * outS + 8 * v) = add ? *(v8 *)(out + r * outS + 8 * v) + acc[r * V + v] : acc[r * V + v];
}

/* mixBlock with R and V as constants (so that the accumulators are registers). */
static inline __attribute__((always_inline)) void mixRowsBlock(const float *M, int rs, int cs, int K, const float *in,
                                                               int inS, float *out, int outS, int R, int V, int add) {
#define MIX(R_, V_)                                              \
  case 2 * R_ + V_ - 1:                                          \
    mixBlock(M, rs, cs, K, in, inS, out, outS, R_, V_, add);     \
    break;
  switch (2 * R + V - 1) {
    MIX(1, 1) MIX(2, 1) MIX(3, 1) MIX(4, 1) MIX(5, 1) MIX(6, 1) MIX(7, 1) MIX(8, 1) MIX(9, 1) MIX(10, 1)
    MIX(11, 1) MIX(12, 1) MIX(1, 2) MIX(2, 2) MIX(3, 2) MIX(4, 2) MIX(5, 2) MIX(6, 2)
  }
#undef MIX
}

/* out (rows × cols) (+)= M (rows × K, strides rs, cs)·in (K × cols, row stride inS); cols a multiple
 * of 8. Strips of 16 columns (the last may be 8), so that the strip of `in` (K × 16) stays in L1 for
 * every block of rows; a strip's rows go in blocks as even as possible (25 rows: five of 5, not four
 * of 6 and one of 1, whose 2 accumulators would leave the multiply-adds waiting on each other). */
static void mix(const float *M, int rs, int cs, int rows, int K, const float *in, int inS, float *out, int outS,
                int cols, int add) {
  for (int i = 0; i < cols; i += 16) {
    int V = cols - i >= 16 ? 2 : 1, most = 12 / V;
    int blocks = (rows + most - 1) / most, r = 0;
    for (int block = 0; block < blocks; block++) {
      int R = rows / blocks + (block < rows % blocks);
      mixRowsBlock(M + r * rs, rs, cs, K, in + i, inS, out + r * outS + i, outS, R, V, add);
      r += R;
    }
  }
}

/* The outputs' first n8 = 8·⌊n/8⌋ columns go through Oᵀ (Hp × n8, below), the last n − n8 as dot
 * products along H (dotBlock). */
static inline int whole8(int n) { return n / 8 * 8; }

/* An 8 × 8 block: out[c·outS + r] = in[r·inS + c] (the usual unpack/shuffle/permute transpose). */
static inline void transpose8(const float *in, int inS, float *out, int outS) {
  __m256 r[8], t[8];
  for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(in + i * inS);
  for (int i = 0; i < 4; i++) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; i++) {
    r[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    r[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    r[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    r[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int i = 0; i < 4; i++) {
    _mm256_storeu_ps(out + i * outS, _mm256_permute2f128_ps(r[i], r[i + 4], 0x20));
    _mm256_storeu_ps(out + (i + 4) * outS, _mm256_permute2f128_ps(r[i], r[i + 4], 0x31));
  }
}

/* Oᵀ's first n8 columns (Hp × n8), so that most of the forward is a mix as well: y = a·Oᵀ broadcasts
 * a's elements against rows of Oᵀ. (Dot products along H for every output, with their lanes summed
 * at the end, ran at half the multiply-adds' peak: 35 of a 127 µs step at n = 24, H = 300, B = 128.) */
static void transposeO(const Job *J, float *OT) {
  int n8 = whole8(J->n), Hp = J->Hp;
  for (int u = 0; u < n8; u += 8)
    for (int i = 0; i < Hp; i += 8) transpose8(J->O + u * Hp + i, Hp, OT + i * n8 + u, n8);
}

/* y[r][u] = Σ_{i < len} a[r·Hp + i]·O[u·Hp + i] for R rows and U outputs, R·U ≤ 12: the sums in
 * registers, 8 lanes each, whose lanes are added at the end. */
static inline __attribute__((always_inline)) void dotBlock(const float *a, const float *O, int Hp, int len,
                                                           float *y, int yS, int R, int U) {
  v8 acc[12];
  for (int q = 0; q < R * U; q++) acc[q] = (v8){0};
  for (int i = 0; i < len; i += 8) {
    v8 o[7];
    for (int u = 0; u < U; u++) o[u] = *(const v8 *)(O + u * Hp + i);
    for (int r = 0; r < R; r++) {
      v8 x = *(const v8 *)(a + r * Hp + i);
      for (int u = 0; u < U; u++) acc[r * U + u] += x * o[u];
    }
  }
  for (int r = 0; r < R; r++)
    for (int u = 0; u < U; u++) {
      __m128 h = _mm_add_ps(_mm256_castps256_ps128((__m256)acc[r * U + u]),
                            _mm256_extractf128_ps((__m256)acc[r * U + u], 1));
      h = _mm_add_ps(h, _mm_movehl_ps(h, h));
      float sum = _mm_cvtss_f32(_mm_add_ss(h, _mm_movehdup_ps(h)));
      y[r * yS + u] = sum;
    }
}

/* The last U = n − n8 outputs (1 ≤ U ≤ 7) of R rows: blocks of ⌊12/U⌋ rows, then rows one by one. */
static void dotOutputs(const float *a, int R, const float *O, int Hp, int len, float *y, int yS, int U) {
  int r = 0;
#define DOT(U_)                                                                      \
  case U_:                                                                           \
    for (; r + 12 / U_ <= R; r += 12 / U_)                                           \
      dotBlock(a + r * Hp, O, Hp, len, y + r * yS, yS, 12 / U_, U_);            \
    for (; r < R; r++) dotBlock(a + r * Hp, O, Hp, len, y + r * yS, yS, 1, U_); \
    break;
  switch (U) {
    DOT(1) DOT(2) DOT(3) DOT(4) DOT(5) DOT(6) DOT(7)
  }
#undef DOT
}

/* y = a·Oᵀ for R rows of a (y: R rows of stride np): through Oᵀ, the sum over H in blocks of
 * OUTPUT_BLOCK terms, each block's sum added to y. (One chain of H multiply-adds per output rounded
 * enough, at H = 420, to flip Adam's first step on a weight whose clipped gradient is near ε: the
 * engine tests saw it.) */
#define OUTPUT_BLOCK 64

static void outputs(const Job *J, const float *a, int R, const float *OT, float *y) {
  int n = J->n, n8 = whole8(n), np = (n + 7) / 8 * 8, Hp = J->Hp;
  for (int c0 = 0; c0 < Hp && n8 > 0; c0 += OUTPUT_BLOCK) {
    int len = Hp - c0 < OUTPUT_BLOCK ? Hp - c0 : OUTPUT_BLOCK;
    mix(a + c0, Hp, 1, R, len, OT + (size_t)c0 * n8, n8, y, np, n8, c0 > 0);
  }
  /* Each lane of a dot product sums Hp/8 terms already. */
  if (n8 < n) dotOutputs(a, R, J->O + (size_t)n8 * Hp, Hp, Hp, y + n8, np, n - n8);
}

/* One part of a batch (up to PART_ROWS sequences): its own gradient sums and row buffers, so that
 * parts can run on several threads. */
typedef struct {
  float *dT, *dO, *a, *da, *y;
  double loss;
} Part;

typedef struct Scratch {
  float *memory, *T, *dA, *scale, *OT;
  size_t floats;
  Part *parts;
  int partCount, threads;
} Scratch;

/*
 * out = M·in for n rows of Hp floats (M: n × n, row-major): the tables T_j = X·A_j and, with M = Xᵀ,
 * ∂A_j = Xᵀ·∂T_j. A sparse M (one-hot: one nonzero per row) goes row by row skipping its zeros, a
 * dense one (a random encoding) through mix.
 */
static void mixRows(int n, int Hp, const float *M, int dense, const float *in, float *out) {
  if (dense) {
    mix(M, n, 1, n, n, in, Hp, out, Hp, Hp, 0);
    return;
  }
  memset(out, 0, sizeof(float) * n * Hp);
  for (int g = 0; g < n; g++)
    for (int c = 0; c < n; c++)
      if (M[g * n + c] != 0) axpy(out + g * Hp, M[g * n + c], in + c * Hp, Hp);
}

/* Tables T_j = X·A_j (the rows of A for block j). */
static void tables(const Job *J, float *T) {
  int n = J->n, Hp = J->Hp;
  for (int j = 0; j < J->k; j++) mixRows(n, Hp, J->X, J->denseX, J->A + j * n * Hp, T + j * n * Hp);
}

/* A part's rows go forward and back in chunks of chunkRows(Hp): the chunk's a and ∂a (rows × Hp
 * each) stay in L2 between the three products. */
#define CHUNK_FLOATS 16384

static int chunkRows(int Hp) {
  int rows = CHUNK_FLOATS / Hp / 12 * 12;
  return rows < 12 ? 12 : rows;
}

/* z = Σ_j T_j[g_j] over 8 columns from i, for the k table rows t of one sequence. */
static inline __attribute__((always_inline)) v8 rowZ(const float *const *t, int k, int i) {
  v8 z = *(const v8 *)(t[0] + i);
  for (int j = 1; j < k; j++) z += *(const v8 *)(t[j] + i);
  return z;
}

/* z^e by repeated products, as the other engines compute powers (e ≥ 0). */
static inline __attribute__((always_inline)) v8 power(v8 z, int e) {
  v8 q = {1, 1, 1, 1, 1, 1, 1, 1};
  if (e >= 1) q = z;
  for (int m = 2; m <= e; m++) q *= z;
  return q;
}

/* a = z^p for R rows (`el`: R × k element indices; row stride Hp). Only a is kept: the backward
 * computes z again from the tables (two loads from L2 cost less than storing z and reading it back:
 * 3 µs of the step at n = 24, H = 300, B = 128). k and p are constants in the usual cases (2, 3): the
 * table rows' pointers then stay in registers (with both read from J, the step spent 8 µs here). */
static inline __attribute__((always_inline)) void hiddenRows(const Job *J, const float *T, const int32_t *el,
                                                             float *a, int R, int k, int p) {
  int n = J->n, Hp = J->Hp;
  const float *t[k];
  for (int r = 0; r < R; r++) {
    for (int j = 0; j < k; j++) t[j] = T + (j * n + el[r * k + j]) * Hp;
    for (int i = 0; i < Hp; i += 8) *(v8 *)(a + r * Hp + i) = power(rowZ(t, k, i), p);
  }
}

/* dz = p·∂a ⊙ z^(p−1) for R rows, added into the rows of ∂T their elements picked. */
static inline __attribute__((always_inline)) void scatterRows(const Job *J, const float *T, const Part *P,
                                                              const int32_t *el, int R, int k, int p) {
  int n = J->n, Hp = J->Hp;
  v8 pv = {0};
  pv += (float)p;
  const float *t[k];
  float *d[k];
  for (int r = 0; r < R; r++) {
    for (int j = 0; j < k; j++) {
      t[j] = T + (j * n + el[r * k + j]) * Hp;
      d[j] = P->dT + (j * n + el[r * k + j]) * Hp;
    }
    const float *da = P->da + r * Hp;
    for (int i = 0; i < Hp; i += 8) {
      v8 dz = pv * *(const v8 *)(da + i) * power(rowZ(t, k, i), p - 1);
      for (int j = 0; j < k; j++) *(v8 *)(d[j] + i) += dz;
    }
  }
}

/* hiddenRows (backward 0) or scatterRows (1) with k and p constants in the usual cases. */
static inline __attribute__((always_inline)) void rowsK(const Job *J, const float *T, Part *P, const int32_t *el,
                                                        int R, int k, int backward) {
#define ROWS(p_)                                          \
  if (backward)                                           \
    scatterRows(J, T, P, el, R, k, p_);                   \
  else                                                    \
    hiddenRows(J, T, el, P->a, R, k, p_);
  switch (J->p) {
    case 2: ROWS(2) break;
    case 3: ROWS(3) break;
    default: ROWS(J->p)
  }
#undef ROWS
}

static void hiddenOrScatter(const Job *J, const float *T, Part *P, const int32_t *el, int R, int backward) {
  switch (J->k) {
    case 2: rowsK(J, T, P, el, R, 2, backward); break;
    case 3: rowsK(J, T, P, el, R, 3, backward); break;
    default: rowsK(J, T, P, el, R, J->k, backward);
  }
}

/* Turns R rows of outputs y (row stride np, the padding 0) into dy = scale·(y − target), in place;
 * returns Σ (y − target)², summed in double vectors (one double chain over all outputs cost 3 µs of
 * the step at n = 24, B = 128). Targets come from XP, the encodings padded to np columns by 0s. */
static double residuals(const Job *J, float *y, const int32_t *targets, int R, float scale) {
  int np = (J->n + 7) / 8 * 8;
  __m256d sum0 = _mm256_setzero_pd(), sum1 = _mm256_setzero_pd();
  v8 s = {0};
  s += scale;
  for (int r = 0; r < R; r++) {
    const float *target = J->XP + targets[r] * np;
    for (int u = 0; u < np; u += 8) {
      v8 residual = *(v8 *)(y + r * np + u) - *(const v8 *)(target + u), square = residual * residual;
      sum0 = _mm256_add_pd(sum0, _mm256_cvtps_pd(_mm256_castps256_ps128((__m256)square)));
      sum1 = _mm256_add_pd(sum1, _mm256_cvtps_pd(_mm256_extractf128_ps((__m256)square, 1)));
      *(v8 *)(y + r * np + u) = s * residual;
    }
  }
  double lanes[4];
  _mm256_storeu_pd(lanes, _mm256_add_pd(sum0, sum1));
  return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}

/* Σ (y − target)² of a part's B sequences (B ≥ 1), and their gradients in P->dT and P->dO. */
static void partGradients(const Job *J, const float *T, const float *OT, Part *P, const int32_t *elements,
                          const int32_t *targets, int B, float scale) {
  int n = J->n, np = (n + 7) / 8 * 8, k = J->k, Hp = J->Hp, chunk = chunkRows(Hp);
  memset(P->dT, 0, sizeof(float) * k * n * Hp);
  double loss = 0;
  for (int b = 0; b < B; b += chunk) {
    int R = B - b < chunk ? B - b : chunk;
    const int32_t *el = elements + b * k;
    hiddenOrScatter(J, T, P, el, R, 0);
    outputs(J, P->a, R, OT, P->y);
    loss += residuals(J, P->y, targets + b, R, scale);
    /* ∂O (+)= dyᵀ·a (dy read transposed: M[u][c] = dy[c·np + u]; the first chunk's sum is the
     * start); ∂a = dy·O. */
    mix(P->y, 1, np, n, R, P->a, Hp, P->dO, Hp, Hp, b > 0);
    mix(P->y, np, 1, R, n, J->O, Hp, P->da, Hp, Hp, 0);
    hiddenOrScatter(J, T, P, el, R, 1);
  }
  P->loss = loss;
}

/* A batch is cut into parts of PART_ROWS sequences, whose gradients are summed in part order: the
 * numbers do not depend on how many threads computed the parts. Steps of at least THREAD_WORK
 * (sequences × n × Hp) run their parts on up to THREADS_MAX threads (one per core): there a thread's
 * start (tens of µs) is small beside the step. */
#define PART_ROWS 256
#define THREAD_WORK (1 << 21)
#define THREADS_MAX 8

typedef struct {
  const Job *J;
  Scratch *S;
  const int32_t *elements, *targets;
  int B, parts, first, stride;
  float scale;
} PartWork;

static void *partWorker(void *arg) {
  PartWork *w = arg;
  for (int c = w->first; c < w->parts; c += w->stride) {
    int b = c * PART_ROWS, rows = w->B - b < PART_ROWS ? w->B - b : PART_ROWS;
    partGradients(w->J, w->S->T, w->S->OT, &w->S->parts[c], w->elements + (size_t)b * w->J->k, w->targets + b, rows,
                  w->scale);
  }
  return NULL;
}

/* Loss and gradients of a batch of B sequences: ∂A into S->dA, ∂O into S->parts[0].dO; returns the loss. */
static double lossAndGradients(const Job *J, Scratch *S, const int32_t *elements, const int32_t *targets, int B) {
  int n = J->n, k = J->k, Hp = J->Hp, parts = (B + PART_ROWS - 1) / PART_ROWS;
  if (B < 1) {
    /* An empty batch: no loss, no gradient. */
    memset(S->dA, 0, sizeof(float) * k * n * Hp);
    memset(S->parts[0].dO, 0, sizeof(float) * n * Hp);
    return 0;
  }
  tables(J, S->T);
  transposeO(J, S->OT);
  int threads = (size_t)B * n * Hp >= THREAD_WORK ? S->threads : 1;
  if (threads > parts) threads = parts;
  PartWork work[THREADS_MAX];
  pthread_t ids[THREADS_MAX];
  int started = 0;
  for (int t = 0; t < threads; t++)
    work[t] = (PartWork){J, S, elements, targets, B, parts, t, threads, 2.0f / (float)(B * n)};
  /* A thread that cannot start leaves its parts to this one. */
  for (int t = 1; t < threads; t++) {
    if (pthread_create(&ids[t], NULL, partWorker, &work[t]) != 0) break;
    started = t;
  }
  for (int t = started + 1; t < threads; t++) partWorker(&work[t]);
  partWorker(&work[0]);
  for (int t = 1; t <= started; t++) pthread_join(ids[t], NULL);
  Part *P = S->parts;
  double loss = P[0].loss;
  for (int c = 1; c < parts; c++) {
    loss += P[c].loss;
    for (size_t i = 0; i < (size_t)k * n * Hp; i += 8) *(v8 *)(P->dT + i) += *(const v8 *)(P[c].dT + i);
    for (size_t i = 0; i < (size_t)n * Hp; i += 8) *(v8 *)(P->dO + i) += *(const v8 *)(P[c].dO + i);
  }
  /* ∂A_j = Xᵀ·∂T_j. */
  for (int j = 0; j < k; j++) mixRows(n, Hp, J->XT, J->denseX, P->dT + j * n * Hp, S->dA + j * n * Hp);
  return loss / ((double)B * n);
}

/* Σ x² over rows of Hp floats, 8 lanes at a time (a scalar sum's dependency chain cost 15% of a step). */
static double sumSquares(const float *x, int rows, int Hp) {
  double s = 0;
  for (int r = 0; r < rows; r++) {
    v8 acc = {0};
    for (int i = 0; i < Hp; i += 8) acc += *(const v8 *)(x + r * Hp + i) * *(const v8 *)(x + r * Hp + i);
    for (int l = 0; l < 8; l++) s += acc[l];
  }
  return s;
}

/* m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², w ← w − η·(m/c₁)/(√(v/c₂) + ε), c_i = 1 − β_iᵗ (Kingma & Ba
 * 2015, Algorithm 1). 1 − β is taken in double, like c: 1 − (float)0.999 is 1.3e−5 off 0.001, which
 * made v/c₂ that much off g² on the first step and every update 6.4e−6 too large. */
static void adam(const Job *J, float *w, float *m, float *v, const float *g, size_t len, float c, int t) {
  float b1 = (float)J->beta1, b2 = (float)J->beta2, eps = (float)J->epsilon, lr = (float)J->lr;
  float a1 = (float)(1 - J->beta1), a2 = (float)(1 - J->beta2);
  float c1 = (float)(1 - pow(J->beta1, t)), c2 = (float)(1 - pow(J->beta2, t));
  for (size_t i = 0; i < len; i++) {
    float gi = g[i] * c;
    m[i] = m[i] * b1 + gi * a1;
    v[i] = v[i] * b2 + gi * gi * a2;
    w[i] -= (m[i] / c1) * lr / (sqrtf(v[i] / c2) + eps);
  }
}

static void perNeuron(const Job *J, Scratch *S, float c) {
  int rows = J->k * J->n, n = J->n, H = J->H, Hp = J->Hp;
  float *norm2 = S->scale;
  memset(norm2, 0, sizeof(float) * Hp);
  for (int r = 0; r < rows; r++)
    for (int i = 0; i < Hp; i += 8) *(v8 *)(norm2 + i) += *(v8 *)(J->A + r * Hp + i) * *(v8 *)(J->A + r * Hp + i);
  for (int u = 0; u < n; u++)
    for (int i = 0; i < Hp; i += 8) *(v8 *)(norm2 + i) += *(v8 *)(J->O + u * Hp + i) * *(v8 *)(J->O + u * Hp + i);
  float exponent = (float)((1 - J->degree) / 2), lr = (float)J->lr;
  /* The usual degrees 2 and 3 (exponents −1/2, −1) without powf: at H = 300 its calls took 5% of a step. */
  if (exponent == -0.5f)
    for (int i = 0; i < H; i++) norm2[i] = 1 / sqrtf(norm2[i]) * lr * c;
  else if (exponent == -1.0f)
    for (int i = 0; i < H; i++) norm2[i] = 1 / norm2[i] * lr * c;
  else
    for (int i = 0; i < H; i++) norm2[i] = powf(norm2[i], exponent) * lr * c;
  /* The padding's norm is 0 and its gradient 0: a scale of 0 keeps 0^(negative) out. */
  for (int i = H; i < Hp; i++) norm2[i] = 0;
  for (int r = 0; r < rows; r++)
    for (int i = 0; i < Hp; i += 8) *(v8 *)(J->A + r * Hp + i) -= *(v8 *)(norm2 + i) * *(v8 *)(S->dA + r * Hp + i);
  for (int u = 0; u < n; u++)
    for (int i = 0; i < Hp; i += 8) *(v8 *)(J->O + u * Hp + i) -= *(v8 *)(norm2 + i) * *(v8 *)(S->parts[0].dO + u * Hp + i);
}

/* Step s of the call, on the batch of B sequences at `elements`, `targets`. */
static void trainStep(const Job *J, Scratch *S, int s, const int32_t *elements, const int32_t *targets, int B) {
  size_t lenA = (size_t)J->k * J->n * J->Hp, lenO = (size_t)J->n * J->Hp;
  J->out[s] = (float)lossAndGradients(J, S, elements, targets, B);
  float c = 1;
  if (J->clip) {
    double norm = sqrt(sumSquares(S->dA, J->k * J->n, J->Hp) + sumSquares(S->parts[0].dO, J->n, J->Hp));
    c = (float)fmin(1.0, J->clipNorm / (norm + 1e-6));
  }
  if (J->optimizer == 0) {
    int t = J->step0 + s + 1;
    adam(J, J->A, J->mA, J->vA, S->dA, lenA, c, t);
    adam(J, J->O, J->mO, J->vO, S->parts[0].dO, lenO, c, t);
  } else
    perNeuron(J, S, c);
}

/* What a call computes, one unit at a time: a training call's units are its steps, the others'
 * their whole work. Returns 1 while units remain. */
static int workUnit(Job *J) {
  Scratch *S = J->scratch;
  int n = J->n, np = (n + 7) / 8 * 8, k = J->k, Hp = J->Hp, chunk = chunkRows(Hp);
  if (J->mode == 0) {
    if (J->next >= J->count) return 0;
    /* Batches may differ in size (an epoch's short last batch): counts[s] sequences each. */
    int s = J->next++;
    trainStep(J, S, s, J->elements + J->offset * k, J->targets + J->offset, J->counts[s]);
    J->offset += (size_t)J->counts[s];
    return J->next < J->count;
  }
  if (J->mode == 1) {
    J->out[0] = (float)lossAndGradients(J, S, J->elements, J->targets, J->B);
    memcpy(J->dAout, S->dA, sizeof(float) * k * n * Hp);
    memcpy(J->dOout, S->parts[0].dO, sizeof(float) * n * Hp);
    return 0;
  }
  tables(J, S->T);
  transposeO(J, S->OT);
  Part *P = &S->parts[0];
  for (int b = 0; b < J->B; b += chunk) {
    int R = J->B - b < chunk ? J->B - b : chunk;
    hiddenOrScatter(J, S->T, P, J->elements + (size_t)b * k, R, 0);
    outputs(J, P->a, R, S->OT, P->y);
    for (int r = 0; r < R; r++) memcpy(J->out + (size_t)(b + r) * n, P->y + r * np, sizeof(float) * n);
  }
  return 0;
}

/* The cores online, read once (sysconf reads /sys: ~10 µs, on every call before). */
static long onlineCores(void) {
  static long cores;
  if (__atomic_load_n(&cores, __ATOMIC_RELAXED) == 0) __atomic_store_n(&cores, sysconf(_SC_NPROCESSORS_ONLN), __ATOMIC_RELAXED);
  return cores;
}

static void freeScratch(Scratch *S) {
  if (S != NULL) {
    free(S->memory);
    free(S->parts);
    free(S);
  }
}

/*
 * The scratch J computes in: the compute thread's own (`S`), grown (or shrunk, from 4 times the size
 * and 4 MB) to J's shape and laid out for it; NULL if out of memory (S freed). A step reads nothing
 * in it that the step did not write, so calls share a thread's scratch and a call handed to another
 * thread leaves nothing behind: only its weights move between the cores' caches (with a scratch per
 * call, allocated for each, the call's ~450 kB moved too at n = 25, H = 300, B = 128).
 */
static Scratch *fitScratch(Scratch *S, Job *J) {
  int n = J->n, np = (n + 7) / 8 * 8, k = J->k, Hp = J->Hp, maxB = J->B, nonzero = 0;
  for (int i = 0; i < n * n; i++) nonzero += J->X[i] != 0;
  J->denseX = 4 * nonzero > n * n;
  if (J->mode == 0)
    for (int s = 0; s < J->count; s++) maxB = J->counts[s] > maxB ? J->counts[s] : maxB;
  /* Predicting uses one part's row buffers whatever the batch (an evaluation can be 100,000 sequences). */
  int parts = J->mode == 2 || maxB < 1 ? 1 : (maxB + PART_ROWS - 1) / PART_ROWS;
  int chunk = chunkRows(Hp);
  size_t partFloats = (size_t)(k + 1) * n * Hp + 2 * (size_t)chunk * Hp + (size_t)chunk * np;
  size_t floats = (size_t)2 * k * n * Hp + (size_t)Hp + (size_t)Hp * np + (size_t)n * (n + np) + parts * partFloats;
  if (S != NULL && (S->floats < floats || S->partCount < parts || (S->floats > 4 * floats && S->floats > (1 << 20)))) {
    freeScratch(S);
    S = NULL;
  }
  if (S == NULL) {
    S = calloc(1, sizeof(Scratch));
    /* On a cache line: every row is a whole number of 8-float vectors from it, so no vector load
     * straddles two lines (from malloc's 16-byte alignment, the step at n = 24 took 5% longer). */
    float *memory = NULL;
    if (posix_memalign((void **)&memory, 64, floats * sizeof(float)) != 0) memory = NULL;
    Part *partList = calloc((size_t)parts, sizeof(Part));
    if (S == NULL || memory == NULL || partList == NULL) {
      free(S);
      free(memory);
      free(partList);
      return NULL;
    }
    *S = (Scratch){.memory = memory, .floats = floats, .parts = partList, .partCount = parts};
  }
  Part *partList = S->parts;
  float *p = S->memory;
  S->T = p, p += k * n * Hp;
  S->dA = p, p += k * n * Hp;
  S->scale = p, p += Hp;
  S->OT = p, p += (size_t)Hp * np;
  J->XT = p, p += n * n;
  J->XP = p, p += (size_t)n * np;
  for (int g = 0; g < n; g++)
    for (int c = 0; c < np; c++) {
      if (c < n) J->XT[c * n + g] = J->X[g * n + c];
      J->XP[g * np + c] = c < n ? J->X[g * n + c] : 0;
    }
  for (int c = 0; c < parts; c++) {
    Part *P = &partList[c];
    P->dT = p, p += k * n * Hp;
    P->dO = p, p += n * Hp;
    P->a = p, p += (size_t)chunk * Hp;
    P->da = p, p += (size_t)chunk * Hp;
    P->y = p, p += (size_t)chunk * np;
    /* y's padding columns are never computed: 0, for residuals' vectors. */
    for (int r = 0; r < chunk; r++)
      for (int u = n; u < np; u++) P->y[r * np + u] = 0;
  }
  /* One thread per core; SGC_NATIVE_THREADS sets another count (tests check the numbers stay the same). */
  const char *wanted = getenv("SGC_NATIVE_THREADS");
  long cores = wanted != NULL ? atol(wanted) : onlineCores();
  S->threads = cores < 1 ? 1 : cores > THREADS_MAX ? THREADS_MAX : (int)cores;
  return S;
}

/*
 * The kernel's compute threads, one per core, shared by every call of the process (sessions
 * training at once). A call joins the line as it is made (on the JavaScript thread); a free thread
 * takes the call at the head. Between units (steps), a thread hands its call back to the line when a
 * waiting call has more work left by a margin (a call not yet begun counts as the longest): so calls
 * that start together finish together (longest remaining first, the order that finishes a set of
 * calls soonest), and never more calls compute than there are cores. The margin is a quarter of
 * the running call's remaining time, at least MARGIN_NS: hand-overs are rare while calls have far
 * to go (each moves a call's weights to another core's caches) and frequent near their ends, where
 * an uneven finish leaves a core idle. Which thread computes a step changes no number.
 *
 * Calls computed on threads of libuv's pool, as the OS scheduled them, shared the cores unevenly:
 * of three calls on two cores, two ran to the end while the third's thread waited for a core, so
 * three seeds stepped together took two calls' time instead of one and a half. Measured at n = 25,
 * H = 300, B = 128, three sessions on two cores, µs per seed-step with calls started together / in
 * free-running loops: never handing over (but for calls not yet begun) –/56; a fixed margin of
 * 0.5 ms, 59/57; of 0.25 ms, 59/60 (5% more CPU in hand-overs); this rule, 57/57.
 */
#define MARGIN_NS 150000L

/* A compute thread: its own wake-up, and since when it is idle (0 while it is not), so that a call
 * goes to the thread that computed it last if that one is idle, else to the one idle the shortest
 * time (likely the last to compute the same session): their caches hold the weights. */
typedef struct {
  pthread_cond_t wake;
  unsigned long idleSince;
  Scratch *scratch;
} ComputeThread;

static pthread_mutex_t lineLock = PTHREAD_MUTEX_INITIALIZER;
static ComputeThread computeThreads[THREADS_MAX];
static Job *lineHead, *lineTail;
static int threadCount;
/* Calls in line: changed under the lock, read without it between units (so that a thread takes the
 * lock only while a call waits). */
static int lineLength;
static unsigned long idleClock;

static long nanosSince(const struct timespec *t) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - t->tv_sec) * 1000000000L + (now.tv_nsec - t->tv_nsec);
}

/* Nanoseconds J still needs, at the pace of its units so far; LONG_MAX before its first unit. */
static long remainingNs(const Job *J) {
  int units = J->mode == 0 ? J->count : 1;
  if (J->unitsDone == 0) return LONG_MAX;
  return J->spentNs / J->unitsDone * (units - J->unitsDone);
}

/* With lineLock held: J to the back of the line, and an idle thread woken for the head. */
static void lineAppend(Job *J) {
  J->nextInLine = NULL;
  if (lineTail) lineTail->nextInLine = J;
  else lineHead = J;
  lineTail = J;
  __atomic_add_fetch(&lineLength, 1, __ATOMIC_RELAXED);
  int t = lineHead->lastThread;
  if (t < 0 || !computeThreads[t].idleSince) {
    t = -1;
    for (int u = 0; u < threadCount; u++)
      if (computeThreads[u].idleSince && (t < 0 || computeThreads[u].idleSince > computeThreads[t].idleSince)) t = u;
  }
  if (t >= 0) {
    computeThreads[t].idleSince = 0;
    pthread_cond_signal(&computeThreads[t].wake);
  }
}

/* With lineLock held: takes J (in line) out of it. */
static void lineRemove(Job *J) {
  Job **link = &lineHead, *previous = NULL;
  while (*link != J) previous = *link, link = &(*link)->nextInLine;
  *link = J->nextInLine;
  if (lineTail == J) lineTail = previous;
  __atomic_sub_fetch(&lineLength, 1, __ATOMIC_RELAXED);
}

/* With lineLock held: the waiting call that should go before J (which computes), or NULL. */
static Job *goesBefore(const Job *J) {
  long mine = remainingNs(J), margin = mine / 4 > MARGIN_NS ? mine / 4 : MARGIN_NS;
  if (mine < MARGIN_NS) return NULL;
  Job *longest = NULL;
  for (Job *W = lineHead; W != NULL; W = W->nextInLine)
    if (longest == NULL || remainingNs(W) > remainingNs(longest)) longest = W;
  if (longest == NULL) return NULL;
  long theirs = remainingNs(longest);
  return theirs == LONG_MAX || theirs - mine >= margin ? longest : NULL;
}

/* Computes J's units, in the thread's scratch, until J is done (returns 0, J settled) or a waiting
 * call should go first. */
static int computeSome(Job *J, ComputeThread *me) {
  J->scratch = me->scratch = fitScratch(me->scratch, J);
  int more = J->scratch != NULL;
  while (more) {
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    more = workUnit(J);
    J->spentNs += nanosSince(&start);
    J->unitsDone++;
    if (more && __atomic_load_n(&lineLength, __ATOMIC_RELAXED) > 0) {
      pthread_mutex_lock(&lineLock);
      int yield = goesBefore(J) != NULL;
      pthread_mutex_unlock(&lineLock);
      if (yield) break;
    }
  }
  J->ok = J->scratch != NULL;
  J->scratch = NULL;
  if (!more) J->done(J);
  return more;
}

static void *computeThread(void *arg) {
  int self = (int)(intptr_t)arg;
  ComputeThread *me = &computeThreads[self];
  pthread_mutex_lock(&lineLock);
  for (;;) {
    while (lineHead == NULL) {
      if (!me->idleSince) me->idleSince = ++idleClock;
      pthread_cond_wait(&me->wake, &lineLock);
    }
    me->idleSince = 0;
    Job *J = lineHead;
    lineRemove(J);
    while (J != NULL) {
      J->lastThread = self;
      pthread_mutex_unlock(&lineLock);
      int more = computeSome(J, me);
      pthread_mutex_lock(&lineLock);
      /* Hand over, unless another thread took the waiting call meanwhile. */
      Job *next = more ? goesBefore(J) : NULL;
      if (next != NULL) {
        lineRemove(next);
        lineAppend(J);
      }
      J = more && next == NULL ? J : next;
    }
  }
  return NULL;
}

/* Puts J in line; J->done(J) is called (on a compute thread) once it is computed. Returns 0 if no
 * compute thread could start. */
static int submit(Job *J) {
  pthread_mutex_lock(&lineLock);
  if (threadCount == 0) {
    long cores = onlineCores();
    cores = cores < 1 ? 1 : cores > THREADS_MAX ? THREADS_MAX : cores;
    pthread_attr_t detached;
    pthread_attr_init(&detached);
    pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
    for (long t = 0; t < cores; t++) {
      pthread_t id;
      pthread_cond_init(&computeThreads[threadCount].wake, NULL);
      computeThreads[threadCount].idleSince = ++idleClock;
      if (pthread_create(&id, &detached, computeThread, (void *)(intptr_t)threadCount) == 0) threadCount++;
    }
    pthread_attr_destroy(&detached);
  }
  if (threadCount > 0) {
    J->scratch = NULL;
    J->lastThread = -1;
    J->next = J->unitsDone = 0;
    J->offset = 0;
    J->spentNs = 0;
    lineAppend(J);
  }
  pthread_mutex_unlock(&lineLock);
  return threadCount > 0;
}

/* ---- Node-API: arguments in, a Promise out, the work on the compute threads. ---- */

/* Per JavaScript environment: the function through which compute threads settle calls' promises on
 * the JavaScript thread, and how many calls are out (while any is, it keeps the process alive). */
typedef struct {
  napi_threadsafe_function settle;
  int outstanding;
} Module;

typedef struct {
  Job job; /* first: the compute threads see a Job */
  Module *module;
  napi_ref keep; /* the buffers array, alive until the call is settled */
  napi_deferred deferred;
} Call;

/* On a compute thread. */
static void callDone(Job *J) {
  Call *call = (Call *)J;
  napi_call_threadsafe_function(call->module->settle, call, napi_tsfn_nonblocking);
}

/* On the JavaScript thread: the call's promise resolved (failure NULL) or rejected, its buffers let
 * go, the call freed. */
static void finishCall(napi_env env, Module *module, Call *call, const char *failure) {
  napi_value result;
  if (failure == NULL) {
    napi_get_undefined(env, &result);
    napi_resolve_deferred(env, call->deferred, result);
  } else {
    napi_value message;
    napi_create_string_utf8(env, failure, NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &result);
    napi_reject_deferred(env, call->deferred, result);
  }
  napi_delete_reference(env, call->keep);
  if (--module->outstanding == 0) napi_unref_threadsafe_function(env, module->settle);
  free(call);
}

/* The threadsafe function's callback, on the JavaScript thread (env NULL while the environment is
 * torn down: then only freed). */
static void settleCall(napi_env env, napi_value unused, void *context, void *data) {
  (void)unused;
  Call *call = data;
  if (env == NULL)
    free(call);
  else
    finishCall(env, context, call, call->job.ok ? NULL : "mlp kernel: out of memory");
}

/* A typed array's data and its length in elements (NULL, 0 if `value` is none). */
static void *typedData(napi_env env, napi_value value, size_t *length) {
  void *data = NULL;
  size_t offset;
  napi_typedarray_type type;
  napi_value buffer;
  *length = 0;
  if (napi_get_typedarray_info(env, value, &type, length, &data, &buffer, &offset) != napi_ok) return NULL;
  return data;
}

static void *arrayData(napi_env env, napi_value array, uint32_t index, size_t *length) {
  napi_value element;
  napi_get_element(env, array, index, &element);
  return typedData(env, element, length);
}

/* The call's arrays against its sizes, and every index inside the group (the kernel indexes tables
 * by them): NULL, or why not. Only an index outside the group is written into `why` (bad input, where
 * the other problems are a caller's bug): the caller tells them apart by that pointer. */
static const char *checkCall(const Job *J, const size_t *length, char *why, size_t size) {
  size_t n = J->n, rows = (size_t)J->k * n * J->Hp, outs = (size_t)n * J->Hp, sequences = 0;
  if (J->n < 1 || J->k < 1 || J->Hp < J->H || J->Hp % 8 != 0 || J->p < 1) return "mlp: bad sizes";
  if (length[0] < n * n || length[1] < rows || length[2] < outs || length[3] < rows || length[4] < rows ||
      length[5] < outs || length[6] < outs)
    return "mlp: a weight array is shorter than the model";
  if (J->mode == 0) {
    if (length[12] < (size_t)J->count) return "mlp: fewer counts than batches";
    for (int s = 0; s < J->count; s++) {
      if (J->counts[s] < 0) return "mlp: a negative batch size";
      sequences += (size_t)J->counts[s];
    }
  } else
    sequences = J->B < 0 ? 0 : (size_t)J->B;
  size_t outputs = J->mode == 0 ? (size_t)J->count : J->mode == 1 ? 1 : sequences * n;
  if (length[7] < sequences * J->k || length[8] < sequences || length[9] < outputs ||
      (J->mode == 1 && (length[10] < rows || length[11] < outs)))
    return "mlp: the batch's or the outputs' arrays are shorter than the call";
  const int32_t *lists[2] = {J->elements, J->targets};
  size_t sizes[2] = {sequences * J->k, sequences};
  for (int l = 0; l < 2; l++)
    for (size_t i = 0; i < sizes[l]; i++)
      if ((uint32_t)lists[l][i] >= (uint32_t)n) {
        snprintf(why, size, "element index %d is outside the group (0 … %d)", lists[l][i], J->n - 1);
        return why;
      }
  return NULL;
}

static napi_value mlp(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  Module *module;
  napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&module);
  int32_t mode;
  size_t intCount = 0, floatCount = 0;
  int32_t *ints = argc == 4 ? typedData(env, argv[1], &intCount) : NULL;
  double *f = argc == 4 ? typedData(env, argv[2], &floatCount) : NULL;
  if (ints == NULL || f == NULL || intCount < 10 || floatCount < 6 || napi_get_value_int32(env, argv[0], &mode) != napi_ok ||
      mode < 0 || mode > 2) {
    napi_throw_type_error(env, NULL, "mlp(mode, ints, floats, buffers): see mlpKernel.c");
    return NULL;
  }
  Call *call = calloc(1, sizeof(Call));
  if (call == NULL) {
    napi_throw_error(env, NULL, "mlp kernel: out of memory");
    return NULL;
  }
  Job *J = &call->job;
  J->mode = mode;
  J->n = ints[0], J->k = ints[1], J->H = ints[2], J->Hp = ints[3], J->p = ints[4], J->B = ints[5];
  J->count = ints[6], J->optimizer = ints[7], J->clip = ints[8], J->step0 = ints[9];
  J->lr = f[0], J->clipNorm = f[1], J->beta1 = f[2], J->beta2 = f[3], J->epsilon = f[4], J->degree = f[5];
  napi_value buffers = argv[3];
  void **slots[13] = {(void **)&J->X, (void **)&J->A, (void **)&J->O, (void **)&J->mA, (void **)&J->vA,
                      (void **)&J->mO, (void **)&J->vO, (void **)&J->elements, (void **)&J->targets,
                      (void **)&J->out, (void **)&J->dAout, (void **)&J->dOout, (void **)&J->counts};
  size_t length[13];
  for (uint32_t b = 0; b < 13; b++) *slots[b] = arrayData(env, buffers, b, &length[b]);
  /* Only the gradients' outputs and the counts may be empty (mode 0 and mode 1 need their own). */
  if (!J->X || !J->A || !J->O || !J->mA || !J->vA || !J->mO || !J->vO || !J->elements || !J->targets || !J->out ||
      (mode == 0 && !J->counts) || (mode == 1 && (!J->dAout || !J->dOout))) {
    free(call);
    napi_throw_type_error(env, NULL, "mlp: a buffer is missing or not a typed array (see mlpKernel.c)");
    return NULL;
  }
  char why[160];
  const char *bad = checkCall(J, length, why, sizeof why);
  if (bad != NULL) {
    free(call);
    /* The code lets kernel.ts turn a bad index into bad input (exit 2) without reading the message. */
    napi_throw_range_error(env, bad == why ? "SGC_ELEMENT_INDEX" : NULL, bad);
    return NULL;
  }
  call->module = module;
  J->done = callDone;
  napi_value promise;
  napi_create_reference(env, buffers, 1, &call->keep);
  napi_create_promise(env, &call->deferred, &promise);
  if (module->outstanding++ == 0) napi_ref_threadsafe_function(env, module->settle);
  if (!submit(J)) finishCall(env, module, call, "mlp kernel: no compute thread could start");
  return promise;
}

static void freeModule(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  free(data);
}

NAPI_MODULE_INIT() {
  Module *module = calloc(1, sizeof(Module));
  napi_value fn, name;
  napi_create_string_utf8(env, "sgc-mlp", NAPI_AUTO_LENGTH, &name);
  if (module == NULL ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, module, settleCall,
                                      &module->settle) != napi_ok) {
    free(module);
    napi_throw_error(env, NULL, "mlp kernel: could not set up");
    return NULL;
  }
  /* Referenced only while calls are out: an idle kernel does not keep the process alive. */
  napi_unref_threadsafe_function(env, module->settle);
  napi_set_instance_data(env, module, freeModule, NULL);
  napi_create_function(env, "mlp", NAPI_AUTO_LENGTH, mlp, module, &fn);
  napi_set_named_property(env, exports, "mlp", fn);
  return exports;
}
