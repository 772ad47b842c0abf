/**
 * Which Temporal server the commands of an sgc home talk to. Apart from stack.ts so that the
 * commands that only connect (sweep, worker, doctor) do not load what starting a stack needs.
 */
import { InputError } from '../errors.js';
import { findHome } from '../home.js';
import { resolveTemporal, type TemporalTarget, temporalNamed } from './connection.js';
import { liveStack } from './stackRecord.js';

const NO_TEMPORAL =
  'no Temporal server for this folder: start the stack with `sgc up` here (or in the folder that holds ' +
  'this .sgc/), or set TEMPORAL_ADDRESS to a server of yours';

/**
 * The Temporal server commands talk to: TEMPORAL_ADDRESS when set, else the server of the running
 * stack of the sgc home `home` (by default the one found from the current folder). Never whatever
 * answers on the default port: another folder's server would show (and run) another folder's sweeps.
 * With neither, an InputError that says how to get one.
 */
export function resolveStackTemporal(
  env: NodeJS.ProcessEnv = process.env,
  home = findHome(env),
): TemporalTarget {
  const target = resolveTemporal(env);
  if (temporalNamed(env)) return target;
  const stack = liveStack(home);
  if (stack?.temporal) return { address: stack.temporal, namespace: target.namespace };
  throw new InputError(NO_TEMPORAL);
}
