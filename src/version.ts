/**
 * sgc's package version, read from package.json.
 *
 * It is deliberately not part of a run's identity: configHash follows the code's numbers through
 * the results version (src/learn/resultsVersion.ts) and the numerical libraries' versions, so a
 * release that changes no number keeps every stored run a cache hit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './codeLocation.js';

const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
  version: string;
};

export const SGC_VERSION: string = pkg.version;
