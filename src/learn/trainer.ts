/**
 * One training run, from a validated RunConfig to an outcome, on any engine. Pure of file I/O: the
 * command line (and later the sweep's activity) decide where results and checkpoints go, through
 * the callbacks.
 *
 * Outcomes:
 *  - succeeded: accuracy 1.0 on the evaluation set (every |G|^k sequence where that fits, else a fixed
 *    sample), loss ≤ (1 − lossReduction)·min(initial loss, loss of the zero output) and, with
 *    everyIrrep, every irrep of nonzero power at ≥ 90 % of it (src/learn/success.ts). The zero
 *    output's term keeps the bar where it is when a large init (or a warm start) starts far above
 *    the zero output: a loss 100× below a start at 10⁵ is not a learned task;
 *  - failed: the step budget is spent (or, if asked for, the loss stalled on a plateau);
 *  - diverged: the loss became NaN or ±∞ — recorded, never thrown.
 */
import type { FiniteGroup } from '../algebra/group.js';
import { type Irrep, irrepsOf } from '../algebra/irreps/index.js';
import { parseGroup } from '../algebra/parse.js';
import { InputError } from '../errors.js';
import { accuracy } from '../task/decode.js';
import { type Encoding, type EncodingSpec, encode, encodingMatrix } from '../task/encoding.js';
import { exhaustiveSequences, type SequenceSet, sampledSequences } from '../task/sequences.js';
import { BatchStream, type DataStreamState, toBatch } from './batchStream.js';
import { engineModelProblem } from './engine/backends.js';
import type { Batch, EngineSession, TensorEngine, TrainingState } from './engine/engine.js';
import { LossLog, type LossLogState } from './lossLog.js';
import { ACQUIRED_FRACTION, type AcquisitionEvent, onLogGrid, outputPower } from './metrics.js';
import { initParameters, type ModelSpec, makeModelSpec } from './models/spec.js';
import { type OptimizerSpec, validateOptimizer } from './optimizers.js';
import type { RunConfig } from './runConfig.js';
import { irrepsShort, successRuleText } from './success.js';
import { plateauLevels, predictedIrrepOrder } from './theory.js';
import { carryPairSolution, checkWarmStart, WARM_START_K } from './warmStart.js';

export type Outcome = 'succeeded' | 'failed' | 'diverged' | 'cancelled';

export interface LossPoint {
  step: number;
  loss: number;
}
export interface EvalPoint {
  step: number;
  /** Loss on the evaluation set: (1/(N·n)) Σ ‖y − x_target‖². */
  loss: number;
  accuracy: number;
  /** Output power per irrep (irrepsOf order). */
  power: number[];
}

export interface RunMetrics {
  /**
   * The training loss on a log-spaced grid (step 0 = init): each point is the mean of the losses
   * L(t) of the last w(step) steps, t in (step − w, step], w about 11 % of the step, where L(t) is
   * the loss at the weights after t updates on step t+1's batch (src/learn/lossLog.ts says why).
   */
  loss: LossPoint[];
  evaluations: EvalPoint[];
  events: AcquisitionEvent[];
  /** The pair warm start at k = 2, when the config asks for one (src/learn/warmStart.ts). */
  warmStart?: WarmStartSummary;
  /** With train.epochLoss: the mean training loss of each completed epoch. */
  epochLoss?: EpochLossPoint[];
  /** With train.epochLoss: the epoch under way (so a checkpoint resumes it exactly). */
  epochPartial?: { lossSum: number; batches: number };
}

export interface EpochLossPoint {
  /** 1 for the first pass through the training set. */
  epoch: number;
  /** Steps done at the epoch's end. */
  step: number;
  /** The mean of the epoch's batch losses (each before its step's update). */
  loss: number;
}

export interface WarmStartSummary {
  outcome: Outcome;
  steps: number;
  finalLoss: number;
}

export interface Progress {
  step: number;
  steps: number;
  loss: number;
  accuracy: number | undefined;
  acquired: number;
  irrepCount: number;
  stepsPerSecond: number;
  /** Set while the pair warm start trains at k = 2 (its steps count from 0 again after it). */
  warmStart?: true;
  /**
   * Set on the last report of a run, sent once it has ended: its loss and accuracy are the run's
   * final ones (the evaluation at the last weights, as RunResult has them), where the reports
   * during training carry the loss of the step's own minibatch.
   */
  final?: true;
}

/** Everything needed to continue a run exactly: weights, optimizer, data stream, metrics so far. */
export interface Checkpoint {
  step: number;
  initialLoss: number;
  state: TrainingState;
  dataState: DataStreamState;
  metrics: RunMetrics;
  /** The loss log's running sums, so that a resumed run logs the same means (absent: a fresh log). */
  lossLog?: LossLogState;
}

export interface RunResult {
  outcome: Outcome;
  reason: string;
  steps: number;
  finalLoss: number;
  finalAccuracy: number;
  initialLoss: number;
  seconds: number;
  metrics: RunMetrics;
  /** The theory's prediction for this encoding, to compare against. */
  predicted: { plateaus: number[]; order: string[] };
  state: TrainingState;
}

export interface RunCallbacks {
  onProgress?: (p: Progress) => void;
  /** Called every `checkpointEvery` steps (or when checkpointDue says so) and at the end; always at
   * the end of an engine call (StepChunks), with the state after that call's steps. */
  onCheckpoint?: (c: Checkpoint) => void | Promise<void>;
  checkpointEvery?: number;
  /**
   * Asked after every engine call instead of counting `checkpointEvery`: a checkpoint by the clock
   * (the training activity wants its first one within 2 s, whatever a step costs). Cheap: called often.
   */
  checkpointDue?: (step: number) => boolean;
  /** Whether onCheckpoint also gets the state at the end of the run (default true). */
  finalCheckpoint?: boolean;
  /** Stops the run within one engine call (a few ms; see StepChunks). */
  signal?: AbortSignal;
  /**
   * Training steps per engine call, on engines that take several (onnx); default: chosen as the run
   * goes, so that a call takes about CALL_MILLISECONDS. The numbers do not depend on it.
   */
  stepsPerCall?: number;
  /**
   * The chosen steps per call, shared: runSeeds gives the seeds of one group one CallSizer, so that
   * their calls, which run as one engine call, ask for the same number of steps (unequal calls cost
   * more engine calls: src/learn/engine/onnx/seeds.ts).
   */
  callSizer?: CallSizer;
  resumeFrom?: Checkpoint;
}

/** What a run is made of, resolved from its config: pure objects, no engine yet. */
export interface RunSetup {
  group: FiniteGroup;
  irreps: readonly Irrep[];
  encoding: Encoding;
  X: Float64Array;
  model: ModelSpec;
  optimizer: OptimizerSpec;
  train: SequenceSet | undefined;
  evaluation: SequenceSet;
  batchSize: number;
}

export function resolveRun(config: RunConfig): RunSetup {
  const group = parseGroup(config.group);
  const irreps = irrepsOf(group);
  const encoding = encode(group, config.encoding as EncodingSpec);
  const degree = config.model.square ? 2 : config.model.degree;
  const model = makeModelSpec(
    config.model.kind as ModelSpec['kind'],
    group.order,
    config.k,
    config.model.H,
    degree,
  );
  const t = config.train;
  const optimizer: OptimizerSpec = {
    kind: t.optimizer as OptimizerSpec['kind'],
    lr: t.lr,
    ...(t.clip !== undefined ? { clip: t.clip } : {}),
    ...(t.degree !== undefined ? { degree: t.degree } : {}),
    ...(t.timeRescale ? { timeRescale: { initScale: t.init } } : {}),
  };
  validateOptimizer(model, optimizer);
  const unfit = engineModelProblem(config.engine.name, model.kind);
  if (unfit !== undefined) throw new InputError(`engine: ${unfit}`);
  if (t.warmStart) checkWarmStart(model.kind);
  if (t.epochLoss && config.data.kind === 'online')
    throw new InputError('train.epochLoss: online data has no epochs (use data.kind exhaustive or sampled)');
  const order = config.order;
  const count = group.order ** config.k;
  const evaluation =
    count <= config.evaluation.maxExhaustive
      ? exhaustiveSequences(group, config.k, { order, cap: config.evaluation.maxExhaustive })
      : sampledSequences(group, config.k, config.evaluation.sampled, 0x5eed, order);
  const data = config.data;
  let train: SequenceSet | undefined;
  let batchSize: number;
  if (data.kind === 'exhaustive') {
    train = exhaustiveSequences(group, config.k, { order, ...(data.cap ? { cap: data.cap } : {}) });
    batchSize = Math.min(data.batch ?? train.count, train.count);
  } else if (data.kind === 'sampled') {
    train = sampledSequences(group, config.k, data.count, data.seed, order);
    batchSize = Math.min(data.batch ?? train.count, train.count);
  } else {
    train = undefined;
    batchSize = data.batch;
  }
  return {
    group,
    irreps,
    encoding,
    X: encodingMatrix(encoding),
    model,
    optimizer,
    train,
    evaluation,
    batchSize,
  };
}

export async function runTraining(
  config: RunConfig,
  engine: TensorEngine,
  callbacks: RunCallbacks = {},
  setup: RunSetup = resolveRun(config),
): Promise<RunResult> {
  const { group, irreps, encoding, X, model, optimizer, evaluation, batchSize } = setup;
  const started = performance.now();
  const steps = config.train.steps;
  const resume = callbacks.resumeFrom;
  // A resumed run takes its weights from the checkpoint, which was written after any warm start.
  const warm = config.train.warmStart && !resume ? await pairWarmStart(config, engine, callbacks) : undefined;
  const session: EngineSession = await engine.open({
    model,
    optimizer,
    encodings: X,
    batchSize,
    parameters: warm
      ? carryPairSolution(model, warm.state.parameters)
      : initParameters(model, config.train.seed, config.train.init),
  });
  const stream = new BatchStream({
    group,
    k: config.k,
    order: config.order,
    data: config.data,
    train: setup.train,
    batchSize,
    seed: config.train.seed,
  });
  const evalBatch = toBatch(evaluation);
  const predicted = {
    plateaus: plateauLevels(encoding.power, group.order),
    order: predictedIrrepOrder(encoding.power).map((i) => irreps[i].label),
  };
  const target = Array.from(encoding.power);
  const totalPower = target.reduce((a, b) => a + b, 0);
  const learnable = target.map((p) => p > 1e-12 * totalPower);
  const acquired = new Set<number>();

  let metrics: RunMetrics = { loss: [], evaluations: [], events: [] };
  if (config.train.epochLoss) {
    metrics.epochLoss = [];
    metrics.epochPartial = { lossSum: 0, batches: 0 };
  }
  if (warm) metrics.warmStart = { outcome: warm.outcome, steps: warm.steps, finalLoss: warm.finalLoss };
  let step = 0;
  let initialLoss = Number.NaN;
  if (resume) {
    await session.setState(resume.state);
    stream.restore(resume.dataState);
    metrics = structuredClone(resume.metrics);
    for (const e of metrics.events) acquired.add(e.irrep);
    step = resume.step;
    initialLoss = resume.initialLoss;
  }

  const evaluate = async (atStep: number): Promise<EvalPoint> => {
    const outputs = await session.predict(evalBatch);
    const acc = accuracy(encoding, outputs, evaluation.products);
    const n = group.order;
    let loss = 0;
    for (let b = 0; b < evaluation.count; b++)
      for (let u = 0; u < n; u++) loss += (outputs[b * n + u] - X[evaluation.products[b] * n + u]) ** 2;
    loss /= evaluation.count * n;
    const power = Array.from(outputPower(group, irreps, outputs, evaluation.products, evaluation.count));
    for (let s = 0; s < power.length; s++)
      if (learnable[s] && !acquired.has(s) && power[s] >= ACQUIRED_FRACTION * target[s]) {
        acquired.add(s);
        metrics.events.push({ step: atStep, irrep: s, label: irreps[s].label });
      }
    const point = { step: atStep, loss, accuracy: acc, power };
    metrics.evaluations.push(point);
    return point;
  };

  const evalEvery = config.train.evalEvery ?? Math.max(1, Math.round(steps / 200));
  /** The steps with a loss point and an evaluation (a run stopped on success stops at one of them). */
  const evaluationDue = (s: number): boolean => onLogGrid(s) || s % evalEvery === 0 || s === steps;
  const lossLog = new LossLog(evaluationDue, step);
  if (resume?.lossLog) lossLog.restore(resume.lossLog);
  const checkpointEvery = callbacks.checkpointEvery ?? Math.max(1, Math.round(steps / 20));
  const plateau = config.train.plateau;
  const lossReduction = config.train.lossReduction;
  let lastEval: EvalPoint | undefined = metrics.evaluations.at(-1);
  let lastLoss = metrics.loss.at(-1)?.loss ?? Number.NaN;
  let outcome: Outcome | undefined;
  let reason = '';
  let lastProgress = 0;
  const checkpoint = async (): Promise<Checkpoint> => ({
    step,
    initialLoss,
    state: await session.getState(),
    dataState: stream.state(),
    metrics: structuredClone(metrics),
    lossLog: lossLog.state(),
  });
  // The zero output's loss on the evaluation set: (1/(N·n)) Σ_b ‖x_target_b‖².
  let zeroOutputLoss = 0;
  for (const product of evaluation.products)
    for (let u = 0; u < group.order; u++) zeroOutputLoss += X[product * group.order + u] ** 2;
  zeroOutputLoss /= evaluation.count * group.order;
  const successBar = (): number => (1 - lossReduction) * Math.min(initialLoss, zeroOutputLoss);
  const rule = { lossReduction, everyIrrep: config.train.everyIrrep };
  const succeeded = (): boolean =>
    lastEval !== undefined &&
    lastEval.accuracy === 1 &&
    lastEval.loss <= successBar() &&
    (!rule.everyIrrep || irrepsShort(lastEval.power, target, learnable).length === 0);

  /** What the last evaluation lacked of the success rule, in words. */
  const shortOf = (e: EvalPoint): string => {
    const lacking: string[] = [];
    if (e.accuracy < 1) lacking.push(`accuracy ${e.accuracy.toFixed(4)}`);
    if (!(e.loss <= successBar()))
      lacking.push(`loss ${e.loss.toPrecision(3)} > ${successBar().toPrecision(3)}`);
    if (rule.everyIrrep) {
      const short = irrepsShort(e.power, target, learnable);
      if (short.length > 0)
        lacking.push(
          `${short.map((s) => `${irreps[s].label} at ${Math.round((100 * e.power[s]) / target[s])}%`).join(', ')} of its power`,
        );
    }
    return lacking.length > 0 ? lacking.join('; ') : 'the success rule was met';
  };

  // Steps go to the engine in chunks (one engine call each, where the engine has steps()) that end
  // where the loop must see the weights: an evaluation, a checkpoint, the budget's end. A chunk
  // that must stop early (a divergence or a plateau mid-chunk) is rewound and taken again up to
  // that step, so every number is what one step per call gives.
  const chunks = new StepChunks(session, callbacks.stepsPerCall, callbacks.callSizer);
  const checkpointBoundary = (s: number) => !callbacks.checkpointDue && s % checkpointEvery === 0;
  try {
    while (step < steps) {
      if (callbacks.signal?.aborted) {
        outcome = 'cancelled';
        reason = 'cancelled';
        break;
      }
      let count = 1;
      while (count < chunks.size && !evaluationDue(step + count) && !checkpointBoundary(step + count))
        count++;
      // One call's batches all have one size unless the engine takes mixed ones: a short last batch
      // of an epoch (data.dropLast false) goes in a call of its own size.
      const dataBefore = stream.mark();
      const size = stream.nextCount();
      const batches: Batch[] = [];
      const epochEnds: boolean[] = [];
      const fits = () => session.mixedCounts === true || stream.nextCount() === size;
      while (batches.length < count && (batches.length === 0 || fits())) {
        batches.push(stream.next());
        epochEnds.push(stream.endsEpoch());
      }
      count = batches.length;
      const losses = await chunks.take(batches);
      for (let i = 0; i < count; i++) {
        // Each loss is the loss before its step's update: the loss at `step` updates.
        const loss = losses[i];
        if (step === 0) initialLoss = loss;
        lastLoss = loss;
        if (!Number.isFinite(loss)) {
          metrics.loss.push({ step, loss });
          outcome = 'diverged';
          reason = `loss became ${loss} at step ${step}`;
        } else {
          lossLog.add(step, loss);
          if (evaluationDue(step)) metrics.loss.push({ step, loss: lossLog.mean(step) });
          step += 1;
          const epoch = metrics.epochPartial;
          if (epoch) {
            epoch.lossSum += loss;
            epoch.batches += 1;
            if (epochEnds[i]) {
              const epochs = metrics.epochLoss!;
              epochs.push({ epoch: epochs.length + 1, step, loss: epoch.lossSum / epoch.batches });
              metrics.epochPartial = { lossSum: 0, batches: 0 };
            }
          }
          // Only the chunk's last step can be due for an evaluation (the chunk ends there).
          if (evaluationDue(step)) {
            lastEval = await evaluate(step);
            if (config.train.stopOnSuccess && succeeded()) {
              outcome = 'succeeded';
              reason =
                `${successRuleText(rule)}: loss ${lastEval.loss.toPrecision(3)} ≤ ${successBar().toPrecision(3)} ` +
                `at step ${step}`;
            }
          }
          if (outcome === undefined && plateau && step >= plateau.window) {
            const before = metrics.loss.findLast((p) => p.step <= step - plateau.window);
            if (before && (before.loss - loss) / before.loss < plateau.tolerance) {
              outcome = 'failed';
              reason = `plateau: loss improved by less than ${plateau.tolerance} over ${plateau.window} steps`;
            }
          }
        }
        if (outcome !== undefined) {
          // Stopped after i + 1 of the chunk's steps (a divergence's own step included): the
          // engine and the data stream go back and take only those.
          if (i + 1 < count) {
            await chunks.redo(batches.slice(0, i + 1));
            stream.reset(dataBefore);
            for (let j = 0; j <= i; j++) stream.next();
          }
          break;
        }
        const now = performance.now();
        if (callbacks.onProgress && (now - lastProgress > 250 || step === steps)) {
          lastProgress = now;
          callbacks.onProgress({
            step,
            steps,
            loss,
            accuracy: lastEval?.accuracy,
            acquired: acquired.size,
            irrepCount: learnable.filter(Boolean).length,
            stepsPerSecond: step / ((now - started) / 1000),
          });
        }
      }
      if (outcome !== undefined) break;
      const due = callbacks.checkpointDue ? callbacks.checkpointDue(step) : step % checkpointEvery === 0;
      if (callbacks.onCheckpoint && due && step < steps) await callbacks.onCheckpoint(await checkpoint());
    }
    if (outcome !== 'diverged') {
      if (metrics.evaluations.at(-1)?.step !== step) lastEval = await evaluate(step);
      // The final point's window ends at the last weights, whose loss no step computes: the
      // evaluation loss stands in for it (the training loss itself when the data is exhaustive).
      // A run cancelled between logged steps has no window there: its last point is that loss.
      if (metrics.loss.at(-1)?.step !== step) {
        lossLog.add(step, lastEval!.loss);
        metrics.loss.push({ step, loss: lossLog.has(step) ? lossLog.mean(step) : lastEval!.loss });
      }
    }
    if (outcome === undefined) {
      outcome = succeeded() ? 'succeeded' : 'failed';
      reason =
        outcome === 'succeeded'
          ? `${successRuleText(rule)} at the end of the budget`
          : `budget of ${steps} steps spent${lastEval ? ` (${shortOf(lastEval)})` : ''}`;
    }
    const w = metrics.warmStart;
    if (w) reason += `; after a pair warm start at k = ${WARM_START_K} (${w.outcome} in ${w.steps} steps)`;
    const finalLoss = outcome === 'diverged' ? lastLoss : (lastEval?.loss ?? lastLoss);
    callbacks.onProgress?.({
      step,
      steps,
      loss: finalLoss,
      accuracy: lastEval?.accuracy,
      acquired: acquired.size,
      irrepCount: learnable.filter(Boolean).length,
      stepsPerSecond: step / ((performance.now() - started) / 1000),
      final: true,
    });
    const state = await session.getState();
    if (callbacks.onCheckpoint && callbacks.finalCheckpoint !== false && outcome !== 'diverged')
      await callbacks.onCheckpoint(await checkpoint());
    return {
      outcome,
      reason,
      steps: step,
      finalLoss,
      finalAccuracy: lastEval?.accuracy ?? 0,
      initialLoss,
      seconds: (performance.now() - started) / 1000,
      metrics,
      predicted,
      state,
    };
  } finally {
    await session.dispose();
  }
}

/** What an engine call should take when the trainer chooses the steps per call: long enough that
 * the call's fixed cost (feeds, ORT's run set-up, the await) is small beside the steps, short
 * enough that cancellation, heartbeats and progress stay prompt. */
export const CALL_MILLISECONDS = 5;
/** The most steps one call takes when the trainer chooses. */
export const MAX_STEPS_PER_CALL = 1000;

/**
 * The steps per call the trainer chooses: they follow the measured time per step (a moving average)
 * so that a call takes about CALL_MILLISECONDS. The seeds of a group share one: their calls end
 * together, each reports it, and the reports of one moment are averaged into one update after it
 * (setImmediate), so every seed reads the same size for its next call.
 */
export class CallSizer {
  size = 1;
  private msPerStep: number | undefined;
  private pending: number[] = [];

  /** A call of `steps` steps took `ms`. */
  record(ms: number, steps: number): void {
    if (this.pending.push(ms / steps) === 1) setImmediate(() => this.update());
  }

  private update(): void {
    const perStep = this.pending.reduce((a, b) => a + b, 0) / this.pending.length;
    this.pending = [];
    this.msPerStep = this.msPerStep === undefined ? perStep : 0.7 * this.msPerStep + 0.3 * perStep;
    this.size = Math.max(1, Math.min(MAX_STEPS_PER_CALL, Math.round(CALL_MILLISECONDS / this.msPerStep)));
  }
}

/**
 * The engine calls of a run: steps() with up to `size` batches where the engine has it, else one
 * step() per batch. Unless fixed, `size` is the sizer's, which each call but the first (it compiles
 * the graph) informs.
 */
export class StepChunks {
  private calls = 0;

  constructor(
    private readonly session: EngineSession,
    private readonly fixed?: number,
    private readonly sizer = new CallSizer(),
  ) {
    if (fixed !== undefined && (!Number.isInteger(fixed) || fixed < 1))
      throw new InputError(`steps per call must be a positive integer (got ${fixed})`);
  }

  get size(): number {
    if (this.session.steps === undefined) return 1;
    return this.fixed ?? this.sizer.size;
  }

  /** One engine call: a step per batch (at most `size` of them); the losses before each update. */
  async take(batches: Batch[]): Promise<ArrayLike<number>> {
    if (this.session.steps === undefined) return [await this.session.step(batches[0])];
    const started = performance.now();
    const losses = await this.session.steps(batches);
    if (this.fixed === undefined && this.calls++ > 0)
      this.sizer.record(performance.now() - started, batches.length);
    return losses;
  }

  /** Undoes the last take() and takes only `batches` (a prefix of its batches) instead. */
  async redo(batches: Batch[]): Promise<void> {
    this.session.rewind!();
    await this.session.steps!(batches);
  }
}

/**
 * The same model and training at k = 2, for up to warmStart.steps steps, stopping once it composes a
 * pair: the weights runTraining carries over into the k-step network (src/learn/warmStart.ts).
 */
async function pairWarmStart(
  config: RunConfig,
  engine: TensorEngine,
  callbacks: RunCallbacks,
): Promise<RunResult> {
  const { warmStart, ...train } = config.train;
  const pair: RunConfig = {
    ...config,
    k: WARM_START_K,
    train: { ...train, steps: warmStart!.steps, stopOnSuccess: true },
  };
  const { signal, onProgress, stepsPerCall, callSizer } = callbacks;
  return runTraining(pair, engine, {
    ...(signal ? { signal } : {}),
    ...(stepsPerCall !== undefined ? { stepsPerCall } : {}),
    ...(callSizer ? { callSizer } : {}),
    ...(onProgress ? { onProgress: (p: Progress) => onProgress({ ...p, warmStart: true }) } : {}),
  });
}
