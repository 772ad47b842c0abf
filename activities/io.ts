/**
 * Activities on `sgc-io`: everything the workflows read from or write to the results store, and the
 * per-process counters that follow from it (probes, cache hits; the sweep and cell gauges are read
 * from the store at scrape time instead). Every one is safe to repeat (the repository's writes are
 * upserts and idempotent inserts), since Temporal retries an activity whose worker died. Their
 * errors are sorted for the workflows by guardStore: a store that cannot be reached is waited out.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { InputError } from '../src/errors.js';
import { runCodeIdentity } from '../src/learn/codeIdentity.js';
import { RESULTS_VERSION } from '../src/learn/resultsVersion.js';
import type { CellProgress, ClaimedRun, ResultsRepository, RunFinish } from '../src/store/index.js';
import { configHash } from '../src/sweep/configHash.js';
import { expandSweep, runConfig, type SweepCell } from '../src/sweep/expand.js';
import { encodingKey, groupKey, modelKey } from '../src/sweep/keys.js';
import {
  FINAL_OUTCOMES,
  INVALID_SPEC,
  type PlannedProbes,
  type RawSweepSpec,
  type RegisteredCells,
  type RunOutcomeName,
  type RunReport,
  type RunTicket,
  type TrainedRun,
} from '../src/sweep/messages.js';
import { parseSweepSpec } from '../src/sweep/spec.js';
import { specHash } from '../src/sweep/specHash.js';
import type { Probe, SearchPhase } from '../src/sweep/widthSearch.js';
import { runWorkflowId } from '../src/sweep/workflowIds.js';
import type { Telemetry } from '../src/telemetry/metrics.js';
import { guardStore, storeOutage } from './storeOutage.js';

export interface IoDependencies {
  repository: ResultsRepository;
  telemetry: Telemetry;
  /**
   * The results version runs are hashed and stored with (default RESULTS_VERSION): tests set
   * another to play an older or newer sgc against the same store.
   */
  resultsVersion?: number;
  /** Where the store's outages are logged (a line when it goes, one when it is back): stderr. */
  log?: (line: string) => void;
}

/** The store's cell key of a sweep cell: the names the cell's key is made of. */
export function storedCellKey(cell: SweepCell) {
  return {
    group: groupKey(cell.group),
    encoding: encodingKey(cell.encoding),
    k: cell.k,
    model: modelKey(cell.model),
  };
}

function isFinal(run: { outcome: string | null }, status: string): boolean {
  return (
    status !== 'running' && run.outcome !== null && FINAL_OUTCOMES.includes(run.outcome as RunOutcomeName)
  );
}

/** The result of a workflow that has completed; undefined while it runs (or ended otherwise). */
async function completedOwnerReport(workflowId: string): Promise<RunReport | undefined> {
  const handle = Context.current().client.workflow.getHandle(workflowId);
  const { status } = await handle.describe();
  return status.name === 'COMPLETED' ? ((await handle.result()) as RunReport) : undefined;
}

function reportOf(run: ClaimedRun, cached: boolean): RunReport {
  return {
    configHash: run.configHash,
    H: run.h,
    seed: run.seed,
    outcome: (run.outcome ?? 'error') as RunOutcomeName,
    steps: run.steps ?? 0,
    finalLoss: run.finalLoss,
    finalAccuracy: run.finalAccuracy,
    seconds: (run.durationMs ?? 0) / 1000,
    cached,
  };
}

/**
 * The store's row of a run ticket (its fields are fixed by the hash, so a repeat changes nothing),
 * with the code identity its hash was made with.
 */
function runInput(ticket: Pick<RunTicket, 'configHash' | 'H' | 'seed' | 'config'>, resultsVersion: number) {
  const code = runCodeIdentity(ticket.config, resultsVersion);
  return {
    configHash: ticket.configHash,
    h: ticket.H,
    seed: ticket.seed,
    config: ticket.config,
    engine: ticket.config.engine.name,
    ...(ticket.config.engine.backend ? { backend: ticket.config.engine.backend } : {}),
    resultsVersion: code.resultsVersion,
    libraries: code.libraries,
  };
}

export function createIoActivities(deps: IoDependencies) {
  const { repository, telemetry } = deps;
  const resultsVersion = deps.resultsVersion ?? RESULTS_VERSION;

  /** A stored final result used instead of training: counted as a cache hit and a `cached` run. */
  const cacheHit = (run: ClaimedRun): RunReport => {
    telemetry.cacheHit();
    telemetry.runFinished({ engine: run.engine, backend: run.backend ?? '', outcome: 'cached' }, 0, false);
    return reportOf(run, true);
  };

  const activities = {
    /** The sweep's state; a start gives its start time (and clears the end), an end its end time. */
    async recordSweep(
      sweepId: string,
      fields: {
        status: 'running' | 'paused' | 'stopped' | 'done' | 'cancelled' | 'failed';
        workflowId?: string;
        startedAt?: string;
        endedAt?: string | null;
      },
    ) {
      const { startedAt, endedAt, ...rest } = fields;
      await repository.upsertSweep({
        name: sweepId,
        ...rest,
        ...(startedAt === undefined ? {} : { startedAt: new Date(startedAt) }),
        ...(endedAt === undefined ? {} : { endedAt: endedAt === null ? null : new Date(endedAt) }),
      });
    },

    /** Validates the spec, expands it and registers its cells (existing ones are kept as they are). */
    async registerCells(sweepId: string, raw: RawSweepSpec): Promise<RegisteredCells> {
      let expansion: ReturnType<typeof expandSweep>;
      let plan: RegisteredCells['plan'];
      try {
        const spec = parseSweepSpec(raw, `sweep ${sweepId}`);
        if (spec.name !== sweepId)
          throw new InputError(`the spec's name "${spec.name}" is not the sweep's id "${sweepId}"`);
        expansion = expandSweep(spec);
        plan = spec.width;
      } catch (error) {
        if (error instanceof InputError) throw ApplicationFailure.nonRetryable(error.message, INVALID_SPEC);
        throw error;
      }
      // The spec and its hash are stored at each start and extension: the spec stored under a name
      // is the one its cells came from (src/cli/sweepName.ts compares a new start with it).
      const sweep = await repository.upsertSweep({
        name: sweepId,
        spec: raw as object,
        specHash: specHash(raw),
      });
      const cells: RegisteredCells['cells'] = [];
      for (const cell of expansion.cells) {
        const stored = await repository.upsertCell({ sweepId: sweep.id, ...storedCellKey(cell) });
        cells.push({ cell, cellId: stored.id });
      }
      return { plan, cells, skipped: expansion.skipped };
    },

    /**
     * The identities of the runs a cell's search asks for. Runs whose final result is already in
     * the store (from this sweep's earlier start, or from another sweep) come back as results.
     */
    async planProbes(
      cell: SweepCell,
      cellId: number,
      probes: Probe[],
      phase: SearchPhase,
    ): Promise<PlannedProbes> {
      const tickets: RunTicket[] = probes.map((probe) => {
        const config = runConfig(cell, probe.H, probe.seed);
        return {
          configHash: configHash(config, runCodeIdentity(config, resultsVersion)),
          H: probe.H,
          seed: probe.seed,
          config,
          cellId,
          phase,
        };
      });
      const runs = await repository.upsertRuns(
        tickets.map((ticket) => runInput(ticket, resultsVersion)),
        cellId,
      );
      const planned: PlannedProbes = { tickets: [], cached: [] };
      tickets.forEach((ticket, i) => {
        telemetry.probe({ phase: phase === 'done' ? 'grid' : phase });
        const run = runs[i];
        if (isFinal(run, run.status)) {
          planned.cached.push(cacheHit(run));
        } else planned.tickets.push(ticket);
      });
      // The runs to start are claimed here, all in one statement, so that their RunWorkflows need
      // no claim of their own. Only runs nobody is running: one another sweep is training (status
      // running) is left unclaimed, and its RunWorkflow claims it itself once it owns its id.
      const claimed = await repository.claimIdleRuns(
        planned.tickets.map((t) => t.configHash),
        FINAL_OUTCOMES,
        'queued',
      );
      for (const ticket of planned.tickets) {
        if (claimed.has(ticket.configHash)) ticket.claimed = true;
        ticket.together = planned.tickets.filter((t) => t.H === ticket.H).length;
      }
      return planned;
    },

    /**
     * RunWorkflow's cache lookup, for a run that planProbes did not claim: a stored final result, or
     * null once the run is marked as started.
     */
    async claimRun(ticket: RunTicket): Promise<RunReport | null> {
      let claim = await repository.claimRun(ticket.configHash, FINAL_OUTCOMES, 'queued');
      if (!claim) {
        // Started without planProbes (another client): register it first.
        await repository.upsertRuns([runInput(ticket, resultsVersion)], ticket.cellId);
        claim = await repository.claimRun(ticket.configHash, FINAL_OUTCOMES, 'queued');
      }
      if (!claim || claim.started) return null;
      return cacheHit(claim.run);
    },

    /** Stores a trained run: curves, events, final numbers and who trained it, in one transaction. */
    async recordRun(ticket: RunTicket, trained: TrainedRun): Promise<RunReport> {
      // A training resumed from a checkpoint (its worker died) says so: where, and on which attempt.
      const resumed =
        trained.resumedFromStep === null
          ? []
          : [{ step: trained.resumedFromStep, kind: 'resumed', irrep: '', value: trained.attempt }];
      // A run trained in a seed group (sgc worker --seed-group) says with how many runs in all.
      const grouped = trained.seedGroup
        ? [{ step: 0, kind: 'seed_group', irrep: '', value: trained.seedGroup }]
        : [];
      await repository.recordRunResult(ticket.configHash, {
        metrics: trained.metrics,
        irrepPowers: trained.irrepPowers,
        events: [...trained.events, ...resumed, ...grouped],
        finish: {
          status: 'done',
          outcome: trained.outcome,
          steps: trained.steps,
          finalLoss: trained.finalLoss,
          finalAccuracy: trained.finalAccuracy,
          durationMs: Math.round(trained.seconds * 1000),
          attempts: trained.attempts,
          worker: trained.worker,
          backend: trained.backend,
        },
      });
      return {
        configHash: ticket.configHash,
        H: ticket.H,
        seed: ticket.seed,
        outcome: trained.outcome,
        steps: trained.steps,
        finalLoss: trained.finalLoss,
        finalAccuracy: trained.finalAccuracy,
        seconds: trained.seconds,
        cached: false,
      };
    },

    /** A run that ended without a result: invalid (final), cancelled or crashed (re-run later). */
    async recordRunEnd(
      ticket: RunTicket,
      outcome: 'invalid' | 'cancelled' | 'error',
      message: string,
    ): Promise<RunReport> {
      const run = await repository.finishRun(ticket.configHash, {
        status: outcome === 'invalid' ? 'done' : outcome === 'cancelled' ? 'cancelled' : 'failed',
        outcome,
        error: message,
      });
      if (outcome === 'invalid')
        telemetry.runFinished({ engine: run.engine, backend: run.backend ?? '', outcome }, 0, false);
      return reportOf(run, false);
    },

    /**
     * Waits for a run that another RunWorkflow owns to finish, and returns its stored result. An
     * owner that completed while the store still says the run is going (its last write was lost,
     * or the stack stopped between the two) would be waited for forever: its own report is taken
     * instead, and its numbers are stored, without the curves, which went with the lost write.
     */
    async awaitRun(ticket: RunTicket): Promise<RunReport> {
      await repository.upsertRuns([runInput(ticket, resultsVersion)], ticket.cellId);
      for (let polls = 0; ; polls++) {
        const run = await repository.findRun(ticket.configHash);
        if (run && (isFinal(run, run.status) || run.status === 'failed' || run.status === 'cancelled')) {
          return isFinal(run, run.status) ? cacheHit(run) : reportOf(run, false);
        }
        if (polls % 10 === 0) {
          const report = await completedOwnerReport(runWorkflowId(ticket.configHash));
          if (report) {
            await repository.finishRun(ticket.configHash, {
              status: 'done',
              outcome: report.outcome as RunFinish['outcome'],
              error: 'its RunWorkflow completed, but its result was not stored: outcome and numbers only',
              steps: report.steps,
              finalLoss: report.finalLoss,
              ...(report.finalAccuracy === null ? {} : { finalAccuracy: report.finalAccuracy }),
              durationMs: Math.round(report.seconds * 1000),
            });
            return report;
          }
        }
        Context.current().heartbeat();
        await sleep(1000, undefined, { signal: Context.current().cancellationSignal }).catch(() => undefined);
        if (Context.current().cancellationSignal.aborted) throw new Error('cancelled');
      }
    },

    /**
     * The cell's search state. Nothing else: the sweep and cell gauges are read from the store
     * when Prometheus scrapes (src/telemetry/metrics.ts), so every exporter shows these numbers.
     */
    async recordCell(_cell: SweepCell, cellId: number, progress: CellProgress): Promise<void> {
      await repository.updateCell(cellId, progress);
    },
  };
  return guardStore(activities, storeOutage(telemetry.registry, deps.log));
}

export type IoActivities = ReturnType<typeof createIoActivities>;
