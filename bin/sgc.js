#!/usr/bin/env node
// The `sgc` command: runs the compiled CLI in dist/ (`npm run build`, which `npm ci` runs too).
// `npm run sgc -- …` runs the TypeScript sources through tsx instead, with no build step.
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('sgc: dist/ is not built: run `npm run build` (npm ci runs it too)');
  process.exit(1);
}
await import(main.href);
