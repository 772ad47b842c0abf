/**
 * The results version: the version of sgc's numbers. It is hashed into every run's configHash
 * (src/learn/codeIdentity.ts), so a run is reused from the store only by code that computes the same
 * numbers for it.
 *
 * Bump it (by one) in the commit that changes what any run computes: the trainer, an engine's
 * graph or ops, a model, an optimizer, the loss, an encoding, the sequences or batches a run sees,
 * the evaluation, accuracy or irrep power, the success rule, the logged loss curve, the irrep labels
 * stored with the powers (run_irrep_power.irrep). Then regenerate the golden
 * trajectories with `npx tsx scripts/goldens.ts`; test/unit/learn/goldens.test.ts fails until both
 * are done, and names this file. Do not bump it for changes that leave every number as it was
 * (comments, refactors, the CLI, reports, the store, the package version): runs stay cache hits.
 *
 * The versions of the numerical libraries (onnxruntime-node, tfjs) are hashed beside it, read from
 * their installed package.json, so upgrading one needs no bump here; it does change the goldens,
 * which are regenerated then. So are the native engine's compiler and kernel version: a change to
 * the native kernel alone bumps NATIVE_KERNEL_VERSION (src/learn/engine/native/kernelVersion.ts).
 */
/*
 * History (what each bump changed):
 *   4  loss points average a window of the grid's spacing (src/learn/lossLog.ts); success needs a 98 %
 *      loss drop and every irrep of nonzero power (src/learn/success.ts); split irreps of products
 *      are labelled by signs, [++]/[+-] (src/algebra/irreps/product.ts)
 */
export const RESULTS_VERSION = 4;
