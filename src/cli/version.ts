/**
 * `sgc --version`: sgc's package version, its results version (src/learn/resultsVersion.ts: the
 * version of its numbers, hashed into every run) and the installed versions of the engines'
 * numerical libraries (hashed into runs on their engine), which together say what computed a result.
 */
import { engineLibraries } from '../learn/engine/libraries.js';
import { RESULTS_VERSION } from '../learn/resultsVersion.js';
import { SGC_VERSION } from '../version.js';

export function versionInfo() {
  return {
    sgc: SGC_VERSION,
    resultsVersion: RESULTS_VERSION,
    node: process.versions.node,
    libraries: { ...engineLibraries('onnx'), ...engineLibraries('tfjs') },
  };
}

export function versionText(json = false): string {
  const info = versionInfo();
  if (json) return JSON.stringify(info, null, 2);
  const width = Math.max(...Object.keys(info.libraries).map((name) => name.length));
  return [
    `sgc ${info.sgc}`,
    `results version ${info.resultsVersion}`,
    `node ${info.node}`,
    'engine libraries:',
    ...Object.entries(info.libraries).map(([name, version]) => `  ${name.padEnd(width)}  ${version}`),
  ].join('\n');
}
