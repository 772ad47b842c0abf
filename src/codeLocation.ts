/**
 * Where sgc's code runs from: its sources (src/, workflows/, activities/ under tsx) or compiled
 * (dist/src/, dist/workflows/, … by `npm run build`). Paths to the repository's files and to
 * modules loaded by path (Temporal's workflow bundle, worker threads) go through here, so that both
 * work.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** The folder that holds sgc's package.json (and prisma/, examples/, …); dist/ has no package.json. */
export const packageRoot: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/**
 * The extension of sgc's own modules as they run: `.ts` from the sources, `.js` compiled
 * (src/learn/engine/tfjs/slices.ts tells the same from its own URL).
 */
export const moduleExtension: '.ts' | '.js' = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
