/**
 * The version of the native kernel's numbers (mlpKernel.c). It is the native engine's entry in a
 * run's code identity beside the compiler that built the kernel (src/learn/engine/libraries.ts), so
 * it is hashed into every native run's configHash and stored on the run (run.libraries.kernel).
 *
 * Bump it (by one) in the commit that changes what the kernel computes, down to the rounding: its
 * order of sums, its float32 arithmetic, its update. Then regenerate the golden trajectories with
 * `npx tsx scripts/goldens.ts`; test/unit/learn/goldens.test.ts fails on the native ones until
 * then. A change to what every engine computes (the trainer, the model, the loss, ...) bumps the
 * results version (src/learn/resultsVersion.ts) instead. Changes that leave every number as it was
 * (threads, scheduling, checks, comments) leave it: runs stay cache hits.
 */
/*
 * History:
 *   1  (unnamed: the identity held the compiler only) the first kernel
 *   2  the step as register-blocked products, the outputs' sums over H in blocks of 64; Adam's
 *      1 − β in double (taken in float32, it made every Adam update 6.4e−6 too large)
 */
export const NATIVE_KERNEL_VERSION = 2;
