/**
 * Several seeds of one run config trained together: runSeeds runs runTraining once per seed, all at
 * once, on sessions of one seed group (TensorEngine.openSeeds: their steps run as one engine call).
 * Every seed keeps everything runTraining gives a run of its own (its init, data stream, loss log,
 * evaluations, stop decision, outcome, checkpoints, callbacks) and the same numbers bit for bit; a
 * seed that stops (success, plateau, divergence, cancellation) leaves the group and the others go
 * on, and a seed whose run throws only fails itself.
 */
import { InputError } from '../errors.js';
import type { EngineSession, EngineSetup, TensorEngine } from './engine/engine.js';
import type { RunConfig } from './runConfig.js';
import { CallSizer, type RunCallbacks, type RunResult, type RunSetup, runTraining } from './trainer.js';

/**
 * What the configs of one group share, as a string: everything but train.seed (and the name, which a
 * sweep gives each run), so one graph serves them all.
 */
export function seedGroupShape(config: RunConfig): string {
  const { name: _, ...rest } = config;
  return JSON.stringify({ ...rest, train: { ...rest.train, seed: 0 } });
}

/** The configs of one group: equal but for train.seed and their names. */
export function checkSeedGroup(configs: readonly RunConfig[]): void {
  const first = configs.length > 0 ? seedGroupShape(configs[0]) : '';
  configs.forEach((c, j) => {
    if (seedGroupShape(c) !== first)
      throw new InputError(`seed group: config ${j} differs from config 0 in more than train.seed`);
  });
}

/**
 * The seeds' runs, each settled on its own, in the order of `configs`. On an engine without seed
 * groups (or for one seed) the runs go one after another, as separate runs would.
 */
export async function runSeeds(
  configs: readonly RunConfig[],
  engine: TensorEngine,
  callbacks: readonly RunCallbacks[] = configs.map(() => ({})),
  /** Each config's resolveRun, where the caller has it already. */
  setups?: readonly RunSetup[],
): Promise<PromiseSettledResult<RunResult>[]> {
  checkSeedGroup(configs);
  if (callbacks.length !== configs.length || (setups && setups.length !== configs.length))
    throw new Error(
      `runSeeds: ${callbacks.length} callbacks and ${setups?.length} setups for ${configs.length} configs`,
    );
  if (!engine.openSeeds || configs.length === 1) {
    const results: PromiseSettledResult<RunResult>[] = [];
    for (const [j, config] of configs.entries()) {
      try {
        results.push({
          status: 'fulfilled',
          value: await runTraining(config, engine, callbacks[j], setups?.[j]),
        });
      } catch (reason) {
        results.push({ status: 'rejected', reason });
      }
    }
    return results;
  }
  const opener = new GroupOpener(engine, configs.length);
  // One steps-per-call choice for all the seeds: their calls run as one engine call of as many steps
  // as the longest asks for, so calls of unequal lengths would compute masked steps for nothing.
  const callSizer = new CallSizer();
  return Promise.allSettled(
    configs.map(async (config, j) => {
      try {
        return await runTraining(config, opener.engineFor(j), { callSizer, ...callbacks[j] }, setups?.[j]);
      } finally {
        opener.done(j);
      }
    }),
  );
}

interface Round {
  setups: Map<number, EngineSetup>;
  waiters: Map<number, { resolve: (s: EngineSession) => void; reject: (e: unknown) => void }>;
  started: boolean;
}

/**
 * Gathers the seeds' open() calls into seed groups: a run opens one session, or two with a pair
 * warm start (k = 2 first), so the i-th open() of every seed goes into group i. A group opens once
 * every seed whose run has not ended has asked for it.
 */
class GroupOpener {
  private readonly rounds: Round[] = [];
  private readonly opened: number[];
  private readonly ended = new Set<number>();

  constructor(
    private readonly engine: TensorEngine,
    private readonly seeds: number,
  ) {
    this.opened = new Array(seeds).fill(0);
  }

  engineFor(seed: number): TensorEngine {
    return {
      name: this.engine.name,
      backend: this.engine.backend,
      open: (setup) => this.open(seed, setup),
    };
  }

  done(seed: number): void {
    this.ended.add(seed);
    for (const round of this.rounds) this.startIfComplete(round);
  }

  private open(seed: number, setup: EngineSetup): Promise<EngineSession> {
    const index = this.opened[seed]++;
    this.rounds[index] ??= { setups: new Map(), waiters: new Map(), started: false };
    const round = this.rounds[index];
    round.setups.set(seed, setup);
    const session = new Promise<EngineSession>((resolve, reject) =>
      round.waiters.set(seed, { resolve, reject }),
    );
    this.startIfComplete(round);
    return session;
  }

  private startIfComplete(round: Round): void {
    if (round.started) return;
    for (let seed = 0; seed < this.seeds; seed++)
      if (!this.ended.has(seed) && !round.setups.has(seed)) return;
    round.started = true;
    const members = [...round.setups.keys()];
    this.engine.openSeeds!(members.map((seed) => round.setups.get(seed)!)).then(
      (sessions) => {
        for (const [i, seed] of members.entries()) round.waiters.get(seed)!.resolve(sessions[i]);
      },
      (error) => {
        for (const seed of members) round.waiters.get(seed)!.reject(error);
      },
    );
  }
}
