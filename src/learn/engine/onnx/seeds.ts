/**
 * S seeds of one (model, optimizer, batch size) trained together: each seed has a session of its own
 * (session.ts: its state, predict, checkpoints, rewind), and their steps() calls meet here and run as
 * one onnxruntime call of a seed graph (seedGraphs.ts): the mlp's with stacked weights, where each
 * kernel of the step runs once for all the seeds, else one copy of the step per seed. That spreads
 * the per-call cost (feeds, ORT's run set-up, the await), and with stacked weights the per-kernel
 * cost, over the seeds; each seed's numbers are bit for bit those of its own session.
 *
 * A call runs once every session of the group that is not disposed has a steps() call waiting. The
 * calls may ask for different numbers of steps (M_j): the graph runs the largest, and seed j's steps
 * past M_j are masked (computed, then dropped: its state stays as it was). Calls with batches of
 * different sizes (a short last batch of an epoch) run as separate engine calls, one per size. A
 * seed that stops (success, plateau, divergence, cancellation, an error) disposes its session and
 * the others go on without it; a group of one runs its session's own Loop graph.
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
  const stacked = (options.stackedSeeds ?? true) && stackable(spec);
  const live = new Set(sessions.map((_, j) => j));
  const waiting = new Map<number, Request>();
  let running = false;

  /** One engine call for `requests`, all with batches of `count` sequences. */
  const runTogether = async (requests: Request[], count: number): Promise<Float32Array[]> => {
    if (requests.length === 1) {
      const { seed, batches } = requests[0];
      return [await sessions[seed].steps!(batches)];
    }
    const S = requests.length;
    const M = Math.max(...requests.map((r) => r.batches.length));
    const k = spec.k;
    const elements = new Int32Array(M * S * count * k);
    const targets = new Int32Array(M * S * count);
    const corrections = new Float32Array(M * S * 2);
    // An inactive step reads index 0 everywhere: a valid input whose result is dropped.
    const active = new Uint8Array(M * S);
    const feeds: Record<string, ort.Tensor> = {};
    const fetches: Record<string, ort.Tensor> = {};
    requests.forEach(({ seed, batches }, j) => {
      const slot = sessions[seed].slot;
      for (const [name, tensor] of Object.entries(slot.state())) feeds[slotName(j, name)] = tensor;
      for (const [name, tensor] of Object.entries(slot.outputs())) fetches[slotName(j, name)] = tensor;
      batches.forEach((batch, i) => {
        const at = i * S + j;
        elements.set(batch.elements, at * count * k);
        targets.set(batch.targets, at * count);
        active[at] = 1;
        if (adam)
          corrections.set(biasCorrection(optimizer, slot.stepCount() + 1 + i).data as Float32Array, 2 * at);
      });
    });
    feeds.elements = new ort.Tensor('int32', elements, [M, S, count, k]);
    feeds.targets = new ort.Tensor('int32', targets, [M, S, count]);
    feeds.active = new ort.Tensor('bool', active, [M, S]);
    if (adam) feeds.bias_correction = new ort.Tensor('float32', corrections, [M, S, 2]);
    const losses = new ort.Tensor('float32', new Float32Array(M * S), [M, S]);
    const session = stacked
      ? await graphs.get(`stacked-seeds:${S}:${count}`, () =>
          trainStackedSeedsLoopGraph(spec, optimizer, encodings, count, S, options.sliceRows),
        )
      : await graphs.get(`seeds:${S}:${count}`, () =>
          trainSeedsLoopGraph(spec, optimizer, encodings, count, S, options.sliceRows),
        );
    await session.run(feeds, { losses, ...fetches });
    const all = losses.data as Float32Array;
    return requests.map(({ seed, batches }, j) => {
      sessions[seed].slot.advanced(batches.length);
      return Float32Array.from(batches, (_, i) => all[i * S + j]);
    });
  };

  /** Runs the waiting calls once every live session has one; one engine call per batch size. */
  const runWhenAllWait = async (): Promise<void> => {
    if (running || waiting.size === 0 || [...live].some((j) => !waiting.has(j))) return;
    running = true;
    const requests = [...waiting.values()];
    waiting.clear();
    const bySize = new Map<number, Request[]>();
    for (const r of requests) {
      const list = bySize.get(r.batches[0].count) ?? [];
      list.push(r);
      bySize.set(r.batches[0].count, list);
    }
    for (const [count, list] of bySize) {
      try {
        const losses = await runTogether(list, count);
        for (const [j, r] of list.entries()) r.resolve(losses[j]);
      } catch (error) {
        for (const r of list) r.reject(error);
      }
    }
    running = false;
    // Calls that came in while this one ran (from seeds it did not include) may be complete now.
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
        waiting.set(seed, { seed, batches, resolve, reject });
        void runWhenAllWait();
      });
    };
    return {
      ...session,
      steps,
      step: async (batch) => (await steps([batch]))[0],
      async dispose() {
        if (!live.delete(seed)) return;
        if (live.size === 0) await graphs.release();
        else void runWhenAllWait();
      },
    };
  });
}
