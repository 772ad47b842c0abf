/**
 * S seeds of one (model, optimizer, batch size) trained together: each seed has a session of its own
 * (session.ts: its state, predict, checkpoints, rewind), and their steps() calls meet here and run as
 * one onnxruntime call of a seed graph (seedGraphs.ts): the mlp's with stacked weights, where each
 * kernel of the step runs once for all the seeds, else one copy of the step per seed. That spreads
 * the per-call cost (feeds, ORT's run set-up, the await), and with stacked weights the per-kernel
 * cost, over the seeds; each seed's numbers are bit for bit those of its own session.
 *
 * An engine call runs once every session of the group that is not disposed has a steps() call
 * waiting, and takes as many steps as the shortest of them asks: a longer call stays waiting with
 * the rest of its batches for the next engine call (which runs once the seeds whose calls were
 * answered ask again), so no step is computed for nothing, whatever the seeds ask. (The trainers
 * of one group share their steps-per-call choice, src/learn/trainer.ts CallSizer, so their calls
 * mostly match.) Calls with batches of different sizes (a short last batch of an epoch) run as
 * separate engine calls, one per size. A seed that stops (success, plateau, divergence,
 * cancellation, an error) disposes its session and the others go on without it; a group of one
 * runs its session's own Loop graph.
 */
import * as ort from 'onnxruntime-node';
import { InputError } from '../../../errors.js';
import { adamParameters } from '../../optimizers.js';
import type { Batch, EngineSession, EngineSetup } from '../engine.js';
import type { OnnxEngineOptions } from './engine.js';
import { slotName, stackable, trainSeedsLoopGraph, trainStackedSeedsLoopGraph } from './seedGraphs.js';
import { batchFeeds, biasCorrection, type CompiledGraphs, type OnnxSession, openSession } from './session.js';

interface Request {
  seed: number;
  batches: Batch[];
  /** How many of `batches` the engine has stepped so far; their losses. */
  done: number;
  losses: Float32Array;
  /** The state before the call, kept when it takes more than one engine call (for rewind()). */
  before?: Record<string, Float32Array>;
  resolve: (losses: Float32Array) => void;
  reject: (error: unknown) => void;
}

/** The part of a setup that all seeds of a group share, as a string to compare. */
function shapeKey(setup: EngineSetup): string {
  const { model, optimizer, batchSize } = setup;
  return JSON.stringify({ model, optimizer, batchSize, encodings: Array.from(setup.encodings) });
}

export async function openSeedSessions(
  setups: EngineSetup[],
  graphs: CompiledGraphs,
  options: OnnxEngineOptions,
): Promise<EngineSession[]> {
  if (setups.length === 0) return [];
  const key = shapeKey(setups[0]);
  setups.forEach((setup, j) => {
    if (shapeKey(setup) !== key)
      throw new InputError(
        `seed ${j}'s setup differs from seed 0's in its model, optimizer, encodings or batch size: one group trains one shape`,
      );
  });
  const sessions: OnnxSession[] = [];
  for (const setup of setups) sessions.push(await openSession(setup, graphs, options, false));
  const { model: spec, optimizer, encodings } = setups[0];
  const adam = adamParameters(spec, optimizer).length > 0;
  const live = new Set(sessions.map((_, j) => j));
  const waiting = new Map<number, Request>();
  /** Each seed's last call, when it took several engine calls: the state before it, for rewind(). */
  const undo = new Map<number, { state: Record<string, Float32Array>; steps: number } | undefined>();
  let running = false;

  /**
   * One engine call of M steps for each of `requests` (all with batches of `count` sequences, at
   * least M of them not yet stepped): their next M batches; each request's losses for them.
   */
  const runTogether = async (requests: Request[], count: number, M: number): Promise<Float32Array[]> => {
    const next = (r: Request) => r.batches.slice(r.done, r.done + M);
    if (requests.length === 1) {
      const { seed } = requests[0];
      return [await sessions[seed].steps!(next(requests[0]))];
    }
    const S = requests.length;
    const k = spec.k;
    const elements = new Int32Array(M * S * count * k);
    const targets = new Int32Array(M * S * count);
    const corrections = new Float32Array(M * S * 2);
    const feeds: Record<string, ort.Tensor> = {};
    const fetches: Record<string, ort.Tensor> = {};
    requests.forEach((request, j) => {
      const slot = sessions[request.seed].slot;
      for (const [name, tensor] of Object.entries(slot.state())) feeds[slotName(j, name)] = tensor;
      for (const [name, tensor] of Object.entries(slot.outputs())) fetches[slotName(j, name)] = tensor;
      next(request).forEach((batch, i) => {
        const at = i * S + j;
        elements.set(batch.elements, at * count * k);
        targets.set(batch.targets, at * count);
        if (adam)
          corrections.set(biasCorrection(optimizer, slot.stepCount() + 1 + i).data as Float32Array, 2 * at);
      });
    });
    feeds.elements = new ort.Tensor('int32', elements, [M, S, count, k]);
    feeds.targets = new ort.Tensor('int32', targets, [M, S, count]);
    if (adam) feeds.bias_correction = new ort.Tensor('float32', corrections, [M, S, 2]);
    const losses = new ort.Tensor('float32', new Float32Array(M * S), [M, S]);
    const session =
      (options.stackedSeeds ?? true) && stackable(spec, count, S)
        ? await graphs.get(`stacked-seeds:${S}:${count}`, () =>
            trainStackedSeedsLoopGraph(spec, optimizer, encodings, count, S, options.sliceRows),
          )
        : await graphs.get(`seeds:${S}:${count}`, () =>
            trainSeedsLoopGraph(spec, optimizer, encodings, count, S, options.sliceRows),
          );
    await session.run(feeds, { losses, ...fetches });
    const all = losses.data as Float32Array;
    return requests.map(({ seed }, j) => {
      sessions[seed].slot.advanced(M);
      return Float32Array.from({ length: M }, (_, i) => all[i * S + j]);
    });
  };

  /**
   * Once every live session has a call waiting: one engine call per batch size, of as many steps as
   * the shortest call of that size has left. Calls stepped to their end are answered; the others
   * wait on for the next engine call.
   */
  const runWhenAllWait = async (): Promise<void> => {
    if (running || waiting.size === 0 || [...live].some((j) => !waiting.has(j))) return;
    running = true;
    const bySize = new Map<number, Request[]>();
    for (const r of waiting.values()) {
      const list = bySize.get(r.batches[0].count) ?? [];
      list.push(r);
      bySize.set(r.batches[0].count, list);
    }
    for (const [count, list] of bySize) {
      const M = Math.min(...list.map((r) => r.batches.length - r.done));
      for (const r of list) if (r.done === 0 && r.batches.length > M) r.before = sessions[r.seed].slot.save();
      try {
        const losses = await runTogether(list, count, M);
        for (const [j, r] of list.entries()) {
          r.losses.set(losses[j], r.done);
          r.done += M;
          if (r.done < r.batches.length) continue;
          waiting.delete(r.seed);
          undo.set(r.seed, r.before === undefined ? undefined : { state: r.before, steps: r.done });
          r.resolve(r.losses);
        }
      } catch (error) {
        for (const r of list) {
          waiting.delete(r.seed);
          r.reject(error);
        }
      }
    }
    running = false;
    // Calls that came in while this one ran (from seeds it answered) may be complete now.
    await runWhenAllWait();
  };

  return sessions.map((session, seed): EngineSession => {
    const steps = async (batches: Batch[]): Promise<Float32Array> => {
      if (batches.length === 0) return new Float32Array(0);
      if (!live.has(seed)) throw new Error(`seed ${seed}'s session is disposed`);
      if (waiting.has(seed)) throw new Error(`seed ${seed} already has a steps() call waiting`);
      const count = batches[0].count;
      for (const batch of batches) {
        batchFeeds(spec, batch);
        if (batch.count !== count)
          throw new InputError(
            `the batches of one steps() call must have one size (got ${batch.count} and ${count})`,
          );
      }
      return new Promise((resolve, reject) => {
        waiting.set(seed, {
          seed,
          batches,
          done: 0,
          losses: new Float32Array(batches.length),
          resolve,
          reject,
        });
        void runWhenAllWait();
      });
    };
    return {
      ...session,
      steps,
      step: async (batch) => (await steps([batch]))[0],
      rewind() {
        const before = undo.get(seed);
        undo.delete(seed);
        if (before === undefined) session.rewind!();
        else session.slot.restore(before.state, before.steps);
      },
      async dispose() {
        if (!live.delete(seed)) return;
        if (live.size === 0) await graphs.release();
        else void runWhenAllWait();
      },
    };
  });
}
