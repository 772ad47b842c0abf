#!/usr/bin/env node
// The `sgc` command: runs the compiled CLI in dist/ (`npm run build`, which `npm ci` runs too).
// `npm run sgc -- …` runs the TypeScript sources through tsx instead, with no build step.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';

// The native engine's sessions train on libuv's thread pool, four threads unless told: one per core,
// so that a worker's concurrent native runs are not held to four. libuv reads this when the pool
// first starts, which is after this line (nothing above it queues work there).
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('sgc: dist/ is not built: run `npm run build` (npm ci runs it too)');
  process.exit(1);
}
await import(main.href);
