/** The workflows a worker runs (this file is the worker's workflow bundle entry). */
export { CellWorkflow } from './cell.js';
export { RunWorkflow } from './run.js';
export { SweepWorkflow } from './sweep.js';
