/*
 * The mlp's training step as one fused C loop (the `native` engine; src/learn/engine/native/).
 * Same equations as src/learn/models/spec.ts and src/learn/optimizers.ts, in float32:
 *
 *   tables    T_j[g] = Σ_c X[g][c]·A[j·n + c]            A = W_inᵀ (k·n × H), row j·n + c
 *   forward   z_b = Σ_j T_j[g_{b,j}],  a_b = z_b^p,  y_{b,u} = a_b·O_u   (O = W_out, n × H)
 *   loss      L = (1/(B·n)) Σ_{b,u} r_{b,u}²,  r = y − X[target]
 *   backward  dy = 2r/(B·n);  ∂O_u = Σ_b dy_{b,u}·a_b;  dz_b = p·(Σ_u dy_{b,u}·O_u) ⊙ z_b^(p−1)
 *             ∂T_j[g] = Σ_{b: g_{b,j} = g} dz_b;  ∂A_{j·n+c} = Σ_g X[g][c]·∂T_j[g]
 *   update    clip c = min(1, clip/(‖∂‖ + 1e−6)); Adam (bias correction in double, as the onnx
 *             engine feeds it) or per-neuron: θ_i ← θ_i − η·(‖θ_i‖²)^((1−d)/2)·c·∂θ_i, with θ_i
 *             row i of W_in (column i of A) and column i of W_out.
 *
 * Why one loop: at the sizes sweeps are made of (n ≈ 10–25, H ≈ 100–300, B ≈ 100) a step is a few
 * MFLOP, and a graph runtime's dozens of kernels, each reading and writing its B × H intermediate,
 * cost more than the arithmetic. Here each row b goes forward and back while a_b is in cache, and
 * every inner loop runs along H, contiguous, 8 floats at a time (rows padded to Hp, a multiple of 8;
 * the padding stays 0: its z, a and gradients are 0, and the per-neuron rule skips it).
 *
 * Exposed through Node-API as one asynchronous function (run on libuv's thread pool, so a worker's
 * JavaScript thread stays free and concurrent sessions train in parallel):
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
#include <math.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Unaligned 8-float vectors: typed arrays need not be 32-byte aligned. */
typedef float v8 __attribute__((vector_size(32), aligned(4)));

typedef struct {
  int n, k, H, Hp, p, B, count, optimizer, clip, step0;
  double lr, clipNorm, beta1, beta2, epsilon, degree;
  float *X, *A, *O, *mA, *vA, *mO, *vO, *out, *dAout, *dOout;
  /* Xᵀ, and whether X is dense (more than one nonzero in four): set by run(). */
  float *XT;
  int denseX;
  int32_t *elements, *targets, *counts;
  int mode;
} Job;

/* y += alpha·x over Hp floats. */
static inline void axpy(float *y, float alpha, const float *x, int Hp) {
  v8 a = {alpha, alpha, alpha, alpha, alpha, alpha, alpha, alpha};
  for (int i = 0; i < Hp; i += 8) *(v8 *)(y + i) += a * *(const v8 *)(x + i);
}

/* One part of a batch (up to PART_ROWS sequences): its own gradient sums and row buffers, so that
 * parts can run on several threads. */
typedef struct {
  float *dT, *dO, *z, *a, *da, *y, *Y;
  double loss;
} Part;

typedef struct {
  float *T, *dA, *scale;
  Part *parts;
  int threads;
} Scratch;

/* out[g0 + r] = Σ_c M[g0 + r][c]·in[c] for G rows r, over 8·V columns from i: G × V accumulators in
 * registers, each load of `in` used G times. */
static inline __attribute__((always_inline)) void mixBlock(int n, int Hp, const float *M, const float *in,
                                                           float *out, int g0, int i, int G, int V) {
  v8 acc[4][2] = {{{0}}};
  for (int c = 0; c < n; c++) {
    v8 a[2];
    for (int v = 0; v < V; v++) a[v] = *(const v8 *)(in + c * Hp + i + 8 * v);
    for (int r = 0; r < G; r++) {
      float x = M[(g0 + r) * n + c];
      for (int v = 0; v < V; v++) acc[r][v] += x * a[v];
    }
  }
  for (int r = 0; r < G; r++)
    for (int v = 0; v < V; v++) *(v8 *)(out + (g0 + r) * Hp + i + 8 * v) = acc[r][v];
}

/*
 * out = M·in for n rows of Hp floats (M: n × n, row-major): the tables T_j = X·A_j and, with M = Xᵀ,
 * ∂A_j = Xᵀ·∂T_j. A sparse M (one-hot: one nonzero per row) goes row by row skipping its zeros; a
 * dense one (a random encoding) in blocks of 4 rows × 16 columns, whose accumulators stay in
 * registers (row by row, the step at n = 24, H = 300, B = 128 took 193 µs instead of 158). Both add
 * the terms in the order of c.
 */
static void mixRows(int n, int Hp, const float *M, int dense, const float *in, float *out) {
  if (!dense) {
    memset(out, 0, sizeof(float) * n * Hp);
    for (int g = 0; g < n; g++)
      for (int c = 0; c < n; c++)
        if (M[g * n + c] != 0) axpy(out + g * Hp, M[g * n + c], in + c * Hp, Hp);
    return;
  }
  int g0 = 0;
  for (; g0 + 4 <= n; g0 += 4) {
    int i = 0;
    for (; i + 16 <= Hp; i += 16) mixBlock(n, Hp, M, in, out, g0, i, 4, 2);
    if (i < Hp) mixBlock(n, Hp, M, in, out, g0, i, 4, 1);
  }
  for (; g0 < n; g0++) {
    int i = 0;
    for (; i + 16 <= Hp; i += 16) mixBlock(n, Hp, M, in, out, g0, i, 1, 2);
    if (i < Hp) mixBlock(n, Hp, M, in, out, g0, i, 1, 1);
  }
}

/* Tables T_j = X·A_j (the rows of A for block j). */
static void tables(const Job *J, float *T) {
  int n = J->n, Hp = J->Hp;
  for (int j = 0; j < J->k; j++) mixRows(n, Hp, J->X, J->denseX, J->A + j * n * Hp, T + j * n * Hp);
}

/* Rows of a batch go forward and back in blocks of up to ROWS, so that each row of O and ∂O is read
 * once per block instead of once per row (the step is bound by those reads, not by arithmetic). Six
 * rows keep 6 + 6 chunks of a and ∂a in AVX registers; measured 1.3× faster than 2 rows and equal to
 * 8 at n = 24, H = 300, B = 128.
 *
 * Wide layers go in tiles of H as well: while n·Hp ≤ FUSED_MAX each row block goes forward, through
 * the loss and back in one pass (O and ∂O stay in cache); above it, a first pass over H tiles sums
 * y for the whole batch, and a second recomputes each tile's z and a and goes back, so that the
 * tile's part of O and ∂O (n × tile) stays in L1 while every row block of the batch uses it. */
#define ROWS 6
#define FUSED_MAX 8192
#define TILE_FLOATS 2048

/* z and a of R rows (`el`: R × k element indices) over columns i0 … i0 + len of H; row r at r·len. */
static inline __attribute__((always_inline)) void hidden(const Job *J, const float *T, const int32_t *el,
                                                         float *z, float *a, int R, int i0, int len) {
  int n = J->n, k = J->k, Hp = J->Hp;
  for (int r = 0; r < R; r++) {
    float *zr = z + r * len, *ar = a + r * len;
    memcpy(zr, T + el[r * k] * Hp + i0, sizeof(float) * len);
    for (int j = 1; j < k; j++) axpy(zr, 1.0f, T + (j * n + el[r * k + j]) * Hp + i0, len);
    memcpy(ar, zr, sizeof(float) * len);
    for (int q = 1; q < J->p; q++)
      for (int i = 0; i < len; i += 8) *(v8 *)(ar + i) *= *(const v8 *)(zr + i);
  }
}

/* y (R × n) += a·Oᵀ over the tile's columns, for R rows of a. */
static inline __attribute__((always_inline)) void outputs(const Job *J, const float *a, float *y, int R, int i0,
                                                          int len) {
  int n = J->n, Hp = J->Hp;
  for (int u = 0; u < n; u++) {
    const float *o = J->O + u * Hp + i0;
    v8 acc[ROWS] = {{0}};
    for (int i = 0; i < len; i += 8) {
      v8 ou = *(const v8 *)(o + i);
      for (int r = 0; r < R; r++) acc[r] += *(const v8 *)(a + r * len + i) * ou;
    }
    for (int r = 0; r < R; r++) {
      float sum = 0;
      for (int l = 0; l < 8; l++) sum += acc[r][l];
      y[r * n + u] += sum;
    }
  }
}

/* Turns R rows of outputs y into dy = scale·(y − target), in place; returns Σ (y − target)². */
static double residuals(const Job *J, float *y, const int32_t *targets, int R, float scale) {
  int n = J->n;
  double loss = 0;
  for (int r = 0; r < R; r++) {
    const float *target = J->X + targets[r] * n;
    for (int u = 0; u < n; u++) {
      float residual = y[r * n + u] - target[u];
      loss += (double)residual * residual;
      y[r * n + u] = scale * residual;
    }
  }
  return loss;
}

/* Backward over the tile for R rows, from their dy (R × n) and the tile's z and a: ∂O += dyᵀ·a and
 * ∂T rows += dz. Along H in chunks of 8, with the R rows' a and ∂a chunks in registers across the n
 * outputs: ∂O_u += Σ_r dy_{r,u}·a_r and ∂a_r = Σ_u dy_{r,u}·O_u, then dz_r = p·∂a_r ⊙ z_r^(p−1). */
static inline __attribute__((always_inline)) void backward(const Job *J, Part *P, const int32_t *el,
                                                           const float *dy, int R, int i0, int len) {
  int n = J->n, k = J->k, Hp = J->Hp;
  const float *z = P->z, *a = P->a;
  float *dz = P->da;
  v8 p = {0};
  p += (float)J->p;
  for (int i = 0; i < len; i += 8) {
    v8 ar[ROWS], dar[ROWS];
    for (int r = 0; r < R; r++) ar[r] = *(const v8 *)(a + r * len + i), dar[r] = (v8){0};
    for (int u = 0; u < n; u++) {
      v8 ou = *(const v8 *)(J->O + u * Hp + i0 + i);
      /* ∂O_u's sum in two chains (even and odd rows): one chain of R dependent FMAs held the loop to
       * their latency (3% slower at n = 24, H = 300; 12% at n = 10, H = 2048, batch 1,000). */
      v8 dou[2] = {*(v8 *)(P->dO + u * Hp + i0 + i), {0}};
      for (int r = 0; r < R; r++) {
        float d = dy[r * n + u];
        dou[r & 1] += d * ar[r];
        dar[r] += d * ou;
      }
      *(v8 *)(P->dO + u * Hp + i0 + i) = dou[0] + dou[1];
    }
    for (int r = 0; r < R; r++) {
      v8 zr = *(const v8 *)(z + r * len + i), d = dar[r] * p;
      for (int q = 1; q < J->p; q++) d *= zr;
      *(v8 *)(dz + r * len + i) = d;
    }
  }
  for (int r = 0; r < R; r++)
    for (int j = 0; j < k; j++) axpy(P->dT + (j * n + el[r * k + j]) * Hp + i0, 1.0f, dz + r * len, len);
}

/* One row block in the fused pass: forward over all of H, loss, backward. */
static inline __attribute__((always_inline)) double fusedBlock(const Job *J, const float *T, Part *P,
                                                               const int32_t *el, const int32_t *targets,
                                                               float scale, int R) {
  int Hp = J->Hp;
  memset(P->y, 0, sizeof(float) * R * J->n);
  hidden(J, T, el, P->z, P->a, R, 0, Hp);
  outputs(J, P->a, P->y, R, 0, Hp);
  double loss = residuals(J, P->y, targets, R, scale);
  backward(J, P, el, P->y, R, 0, Hp);
  return loss;
}

/* The tile width for layers above FUSED_MAX: the tile's n rows of O and ∂O within TILE_FLOATS each. */
static int tileWidth(const Job *J) {
  int width = (TILE_FLOATS / J->n) / 8 * 8;
  return width < 64 ? 64 : width;
}

/* The tiled pass's forward (into P->Y) or backward (from dy in P->Y) for one tile and every row. */
static inline __attribute__((always_inline)) void tileBlock(const Job *J, const float *T, Part *P,
                                                            const int32_t *el, float *Y, int R, int i0, int len,
                                                            int back) {
  hidden(J, T, el, P->z, P->a, R, i0, len);
  if (back)
    backward(J, P, el, Y, R, i0, len);
  else
    outputs(J, P->a, Y, R, i0, len);
}

static void tilePass(const Job *J, const float *T, Part *P, const int32_t *elements, int B, int i0, int len,
                     int back) {
  int n = J->n, k = J->k, b = 0;
  for (; b + ROWS <= B; b += ROWS) tileBlock(J, T, P, elements + b * k, P->Y + b * n, ROWS, i0, len, back);
  if (b < B) tileBlock(J, T, P, elements + b * k, P->Y + b * n, B - b, i0, len, back);
}

/* Σ (y − target)² of a part's B sequences, and their gradients added into P->dT and P->dO (zeroed). */
static void partGradients(const Job *J, const float *T, Part *P, const int32_t *elements, const int32_t *targets,
                          int B, float scale) {
  int n = J->n, k = J->k, Hp = J->Hp;
  memset(P->dT, 0, sizeof(float) * k * n * Hp);
  memset(P->dO, 0, sizeof(float) * n * Hp);
  double loss = 0;
  if (n * Hp <= FUSED_MAX) {
    /* Whole blocks with ROWS a constant (the compiler unrolls the row loops), then the rest. */
    int b = 0;
    for (; b + ROWS <= B; b += ROWS) loss += fusedBlock(J, T, P, elements + b * k, targets + b, scale, ROWS);
    if (b < B) loss += fusedBlock(J, T, P, elements + b * k, targets + b, scale, B - b);
  } else {
    int tile = tileWidth(J);
    memset(P->Y, 0, sizeof(float) * B * n);
    for (int i0 = 0; i0 < Hp; i0 += tile) tilePass(J, T, P, elements, B, i0, Hp - i0 < tile ? Hp - i0 : tile, 0);
    loss = residuals(J, P->Y, targets, B, scale);
    for (int i0 = 0; i0 < Hp; i0 += tile) tilePass(J, T, P, elements, B, i0, Hp - i0 < tile ? Hp - i0 : tile, 1);
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
    partGradients(w->J, w->S->T, &w->S->parts[c], w->elements + (size_t)b * w->J->k, w->targets + b, rows,
                  w->scale);
  }
  return NULL;
}

/* Loss and gradients of a batch of B sequences: ∂A into S->dA, ∂O into S->parts[0].dO; returns the loss. */
static double lossAndGradients(const Job *J, Scratch *S, const int32_t *elements, const int32_t *targets, int B) {
  int n = J->n, k = J->k, Hp = J->Hp, parts = (B + PART_ROWS - 1) / PART_ROWS;
  tables(J, S->T);
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

static void adam(const Job *J, float *w, float *m, float *v, const float *g, size_t len, float c, int t) {
  float b1 = (float)J->beta1, b2 = (float)J->beta2, eps = (float)J->epsilon, lr = (float)J->lr;
  float c1 = (float)(1 - pow(J->beta1, t)), c2 = (float)(1 - pow(J->beta2, t));
  for (size_t i = 0; i < len; i++) {
    float gi = g[i] * c;
    m[i] = m[i] * b1 + gi * (1 - b1);
    v[i] = v[i] * b2 + gi * gi * (1 - b2);
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
  /* The padding's norm is 0 and its gradient 0: a scale of 0 keeps 0^(negative) out. */
  for (int i = 0; i < Hp; i++) norm2[i] = i < H ? powf(norm2[i], exponent) * lr * c : 0;
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

static int run(Job *J) {
  int n = J->n, k = J->k, Hp = J->Hp, maxB = J->B, nonzero = 0;
  for (int i = 0; i < n * n; i++) nonzero += J->X[i] != 0;
  J->denseX = 4 * nonzero > n * n;
  if (J->mode == 0)
    for (int s = 0; s < J->count; s++) maxB = J->counts[s] > maxB ? J->counts[s] : maxB;
  /* Predicting uses one part's row buffers whatever the batch (an evaluation can be 100,000 sequences). */
  int parts = J->mode == 2 || maxB < 1 ? 1 : (maxB + PART_ROWS - 1) / PART_ROWS;
  size_t partFloats = (size_t)(k + 1) * n * Hp + 3 * ROWS * (size_t)Hp + ROWS * (size_t)n + (size_t)PART_ROWS * n;
  size_t floats = (size_t)2 * k * n * Hp + (size_t)Hp + (size_t)n * n + parts * partFloats;
  float *memory = calloc(floats, sizeof(float));
  Part *partList = calloc((size_t)parts, sizeof(Part));
  if (memory == NULL || partList == NULL) {
    free(memory);
    free(partList);
    return 0;
  }
  Scratch S;
  float *p = memory;
  S.T = p, p += k * n * Hp;
  S.dA = p, p += k * n * Hp;
  S.scale = p, p += Hp;
  J->XT = p, p += n * n;
  for (int g = 0; g < n; g++)
    for (int c = 0; c < n; c++) J->XT[c * n + g] = J->X[g * n + c];
  S.parts = partList;
  for (int c = 0; c < parts; c++) {
    Part *P = &partList[c];
    P->dT = p, p += k * n * Hp;
    P->dO = p, p += n * Hp;
    P->z = p, p += ROWS * Hp;
    P->a = p, p += ROWS * Hp;
    P->da = p, p += ROWS * Hp;
    P->y = p, p += ROWS * n;
    P->Y = p, p += PART_ROWS * n;
  }
  /* One thread per core; SGC_NATIVE_THREADS sets another count (tests check the numbers stay the same). */
  const char *wanted = getenv("SGC_NATIVE_THREADS");
  long cores = wanted != NULL ? atol(wanted) : sysconf(_SC_NPROCESSORS_ONLN);
  S.threads = cores < 1 ? 1 : cores > THREADS_MAX ? THREADS_MAX : (int)cores;
  if (J->mode == 0) {
    /* Batches may differ in size (an epoch's short last batch): counts[s] sequences each. */
    size_t offset = 0;
    for (int s = 0; s < J->count; s++) {
      trainStep(J, &S, s, J->elements + offset * k, J->targets + offset, J->counts[s]);
      offset += (size_t)J->counts[s];
    }
  } else if (J->mode == 1) {
    J->out[0] = (float)lossAndGradients(J, &S, J->elements, J->targets, J->B);
    memcpy(J->dAout, S.dA, sizeof(float) * k * n * Hp);
    memcpy(J->dOout, partList[0].dO, sizeof(float) * n * Hp);
  } else {
    tables(J, S.T);
    Part *P = &partList[0];
    memset(J->out, 0, sizeof(float) * J->B * n);
    for (int b = 0; b < J->B; b += ROWS) {
      int R = J->B - b < ROWS ? J->B - b : ROWS;
      hidden(J, S.T, J->elements + b * k, P->z, P->a, R, 0, Hp);
      outputs(J, P->a, J->out + b * n, R, 0, Hp);
    }
  }
  free(memory);
  free(partList);
  return 1;
}

/* ---- Node-API: arguments in, a Promise out, the work on the thread pool. ---- */

typedef struct {
  Job job;
  int ok;
  napi_ref keep; /* the buffers array, alive until the work is done */
  napi_deferred deferred;
  napi_async_work work;
} Call;

static void execute(napi_env env, void *data) {
  (void)env;
  Call *call = data;
  call->ok = run(&call->job);
}

static void complete(napi_env env, napi_status status, void *data) {
  Call *call = data;
  napi_value result;
  if (status == napi_ok && call->ok) {
    napi_get_undefined(env, &result);
    napi_resolve_deferred(env, call->deferred, result);
  } else {
    napi_value message;
    napi_create_string_utf8(env, call->ok ? "mlp kernel cancelled" : "mlp kernel: out of memory",
                            NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &result);
    napi_reject_deferred(env, call->deferred, result);
  }
  napi_delete_reference(env, call->keep);
  napi_delete_async_work(env, call->work);
  free(call);
}

static void *typedData(napi_env env, napi_value value) {
  void *data = NULL;
  size_t length, offset;
  napi_typedarray_type type;
  napi_value buffer;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &offset) != napi_ok) return NULL;
  return data;
}

static void *arrayData(napi_env env, napi_value array, uint32_t index) {
  napi_value element;
  napi_get_element(env, array, index, &element);
  return typedData(env, element);
}

static napi_value mlp(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t mode;
  int32_t *ints = argc == 4 ? typedData(env, argv[1]) : NULL;
  double *f = argc == 4 ? typedData(env, argv[2]) : NULL;
  if (ints == NULL || f == NULL || napi_get_value_int32(env, argv[0], &mode) != napi_ok) {
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
  J->X = arrayData(env, buffers, 0);
  J->A = arrayData(env, buffers, 1);
  J->O = arrayData(env, buffers, 2);
  J->mA = arrayData(env, buffers, 3);
  J->vA = arrayData(env, buffers, 4);
  J->mO = arrayData(env, buffers, 5);
  J->vO = arrayData(env, buffers, 6);
  J->elements = arrayData(env, buffers, 7);
  J->targets = arrayData(env, buffers, 8);
  J->out = arrayData(env, buffers, 9);
  J->dAout = arrayData(env, buffers, 10);
  J->dOout = arrayData(env, buffers, 11);
  J->counts = arrayData(env, buffers, 12);
  /* Only the gradients' outputs and the counts may be empty (mode 0 and mode 1 need their own). */
  if (!J->X || !J->A || !J->O || !J->mA || !J->vA || !J->mO || !J->vO || !J->elements || !J->targets || !J->out ||
      (mode == 0 && !J->counts) || (mode == 1 && (!J->dAout || !J->dOout))) {
    free(call);
    napi_throw_type_error(env, NULL, "mlp: a buffer is missing or not a typed array (see mlpKernel.c)");
    return NULL;
  }
  napi_create_reference(env, buffers, 1, &call->keep);
  napi_value promise, name;
  napi_create_promise(env, &call->deferred, &promise);
  napi_create_string_utf8(env, "sgc-mlp", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, call, &call->work);
  napi_queue_async_work(env, call->work);
  return promise;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "mlp", NAPI_AUTO_LENGTH, mlp, NULL, &fn);
  napi_set_named_property(env, exports, "mlp", fn);
  return exports;
}
