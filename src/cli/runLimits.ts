/**
 * What a machine can run, and the refusal of what it cannot, before anything is built, sent to
 * Temporal or stored: `sgc train` checks its run, and every command that loads a sweep spec
 * (`sgc sweep check`, `sweep start`, `sgc run`) checks every cell at its largest width, then the
 * sweep's run count. Each refusal is one line that names the field, its value and the limit.
 *
 * Limits:
 *  - memory: a run's estimated peak (src/learn/resources.ts) within the memory budget: half of this
 *    machine's memory unless `--memory-budget` or SGC_MEMORY_BUDGET says otherwise (e.g. `8GiB`);
 *  - exhaustive data: at most data.cap sequences (default 10⁶), as the trainer enforces later;
 *  - a weight matrix that no typed array can hold;
 *  - runs: a sweep that can take more than MAX_SWEEP_RUNS runs is a typo more often than a plan; it
 *    starts only with `--allow-large`.
 */
import { totalmem } from 'node:os';
import { InputError } from '../errors.js';
import {
  EXHAUSTIVE_CAP_DEFAULT,
  estimateRun,
  formatBytes,
  MAX_ARRAY_ELEMENTS,
  type RunEstimate,
  runShape,
  sequenceCount,
} from '../learn/resources.js';
import type { RunConfig } from '../learn/runConfig.js';

/** Runs a sweep may take (its never-more-than bound) without --allow-large. */
export const MAX_SWEEP_RUNS = 100_000;

/** The share of this machine's memory one run may use unless told otherwise. */
export const DEFAULT_MEMORY_SHARE = 0.5;

export const MEMORY_BUDGET_ENV = 'SGC_MEMORY_BUDGET';

export interface RunLimits {
  memoryBytes: number;
  /** Where the budget comes from, for messages: `half of this machine's 24 GiB`, `--memory-budget 8GiB`. */
  memorySource: string;
  maxRuns: number;
  allowLarge: boolean;
}

/** The flags of every command that checks runs (parseArgs options). */
export const limitFlags = {
  'memory-budget': { type: 'string' },
  'allow-large': { type: 'boolean' },
} as const;

export const limitFlagsUsage = `  --memory-budget <size> memory one run may use, e.g. 8GiB (default: half of this machine's; or
                         ${MEMORY_BUDGET_ENV}); runs estimated above it are refused
  --allow-large          start a sweep of more than ${MAX_SWEEP_RUNS.toLocaleString('en')} runs`;

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  k: 2 ** 10,
  kib: 2 ** 10,
  m: 2 ** 20,
  mib: 2 ** 20,
  g: 2 ** 30,
  gib: 2 ** 30,
  t: 2 ** 40,
  tib: 2 ** 40,
};

/** `8GiB`, `512MB`, `2e9` → bytes; an InputError naming `what` otherwise. */
export function parseBytes(text: string, what: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Number(m[1]) * unit : Number.NaN;
  if (!Number.isFinite(bytes) || bytes <= 0)
    throw new InputError(`${what} "${text}" is not a size (e.g. 8GiB, 512MB, 2e9 bytes)`);
  return bytes;
}

/** The limits the flags (or the environment, or the machine) set. */
export function runLimits(
  values: { 'memory-budget'?: string; 'allow-large'?: boolean } = {},
  env: NodeJS.ProcessEnv = process.env,
): RunLimits {
  let memoryBytes: number;
  let memorySource: string;
  if (values['memory-budget'] !== undefined) {
    memoryBytes = parseBytes(values['memory-budget'], '--memory-budget');
    memorySource = `--memory-budget ${values['memory-budget']}`;
  } else if (env[MEMORY_BUDGET_ENV]) {
    memoryBytes = parseBytes(env[MEMORY_BUDGET_ENV], MEMORY_BUDGET_ENV);
    memorySource = `${MEMORY_BUDGET_ENV}=${env[MEMORY_BUDGET_ENV]}`;
  } else {
    memoryBytes = DEFAULT_MEMORY_SHARE * totalmem();
    memorySource = `half of this machine's ${formatBytes(totalmem())}; set --memory-budget or ${MEMORY_BUDGET_ENV}`;
  }
  return { memoryBytes, memorySource, maxRuns: MAX_SWEEP_RUNS, allowLarge: values['allow-large'] ?? false };
}

/** Why a run cannot run here: the field that makes it so (k or the width H), its value, the reason. */
export interface RunProblem {
  field: 'k' | 'H';
  value: number;
  reason: string;
}

/**
 * The run's estimate, and the problem that makes it impossible here, if any: exhaustive data above
 * its cap (k), or a width whose peak memory exceeds the budget or whose weights no array can hold (H).
 */
export function checkRun(
  config: RunConfig,
  groupName: string,
  n: number,
  limits: RunLimits,
): { estimate?: RunEstimate; problem?: RunProblem } {
  if (config.data.kind === 'exhaustive') {
    const cap = config.data.cap ?? EXHAUSTIVE_CAP_DEFAULT;
    const count = sequenceCount(n, config.k);
    if (count > cap)
      return {
        problem: {
          field: 'k',
          value: config.k,
          reason:
            `exhaustive data on ${groupName} is ${n}^${config.k} = ${formatCount(count)} sequences, above the ` +
            `cap of ${cap.toLocaleString('en')} (data.cap); use data: {kind: sampled, count: …} or {kind: online, batch: …}`,
        },
      };
  }
  const estimate = estimateRun(runShape(config, n));
  const H = config.model.H;
  if (estimate.bytes > limits.memoryBytes) {
    const fits = largestFittingWidth(config, n, limits.memoryBytes);
    return {
      estimate,
      problem: {
        field: 'H',
        value: H,
        reason:
          `a run needs about ${formatBytes(estimate.bytes)} of memory (${estimate.terms[0].what}: ` +
          `${formatBytes(estimate.terms[0].bytes)}), above the memory budget of ${formatBytes(limits.memoryBytes)} ` +
          `(${limits.memorySource})${fits ? `; widths up to H = ${fits.toLocaleString('en')} fit` : ''}`,
      },
    };
  }
  if (estimate.largestMatrix > MAX_ARRAY_ELEMENTS)
    return {
      estimate,
      problem: {
        field: 'H',
        value: H,
        reason:
          `the largest weight matrix would have ${formatCount(estimate.largestMatrix)} entries, above the ` +
          `${MAX_ARRAY_ELEMENTS.toLocaleString('en')} an array can hold`,
      },
    };
  return { estimate };
}

/** The largest H whose run fits in `bytes` (its memory grows with H), or 0 when not even H = 1 does. */
function largestFittingWidth(config: RunConfig, n: number, bytes: number): number {
  const fits = (H: number) =>
    estimateRun(runShape({ ...config, model: { ...config.model, H } }, n)).bytes <= bytes;
  if (!fits(1)) return 0;
  let lo = 1;
  let hi = config.model.H;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** 1,000,000 up to 10¹⁵; beyond, 6.3e+38. */
function formatCount(x: number): string {
  return x < 1e15 ? x.toLocaleString('en') : x.toPrecision(2);
}
