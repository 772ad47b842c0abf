/**
 * A run's code identity: what, besides its config, decides its numbers. It is hashed into the run's
 * configHash and stored on the run (run.results_version, run.libraries).
 *
 *   resultsVersion  sgc's own numbers (src/learn/resultsVersion.ts, bumped when they change)
 *   libraries       the installed versions of the run's engine's numerical libraries
 *
 * The engine and the backend are in the run config itself (`engine: {name, backend}`), so they are
 * hashed with it. sgc's package version is not part of the identity: a release that changes no
 * number must not train every run again; one that does bumps the results version.
 */
import { engineLibraries } from './engine/libraries.js';
import { RESULTS_VERSION } from './resultsVersion.js';
import type { RunConfig } from './runConfig.js';

export interface CodeIdentity {
  resultsVersion: number;
  libraries: Record<string, string>;
}

/** The identity of this code for a run on the config's engine; `resultsVersion` for tests. */
export function runCodeIdentity(
  config: { engine: Pick<RunConfig['engine'], 'name' | 'backend'> },
  resultsVersion: number = RESULTS_VERSION,
): CodeIdentity {
  return { resultsVersion, libraries: engineLibraries(config.engine.name, config.engine.backend) };
}
