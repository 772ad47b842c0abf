/**
 * A run's checkpoint folder, `<checkpointDir>/<configHash>/`, found from the run's identity alone:
 *
 *   checkpoint.bin               the latest checkpoint (src/learn/checkpoint.ts), replaced atomically
 *   attempt-<execution>-<n>.json one ledger per training attempt: its training seconds so far and
 *                                its step, rewritten while it trains
 *
 * A retry needs nothing from the attempt that died (heartbeat details are throttled, so the last
 * one that reached the server may predate every checkpoint): it opens the folder of its config hash.
 * The ledgers let the attempt that finishes add up the time of every attempt, including the steps a
 * dead attempt trained after its last checkpoint, which were paid for too. Each attempt writes only
 * its own ledger, so attempts that overlap (one presumed dead but still running) never race on a file.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/files.js';
import { readCheckpointFile, writeCheckpointFile } from '../src/learn/checkpoint.js';
import type { Checkpoint } from '../src/learn/trainer.js';

const CHECKPOINT_FILE = 'checkpoint.bin';
const LEDGER = /^attempt-.+\.json$/;

export interface AttemptLedger {
  attempt: string;
  worker: string;
  /** Seconds this attempt has trained (from the start of runTraining). */
  seconds: number;
  step: number;
}

export class RunCheckpoints {
  readonly dir: string;
  readonly checkpointPath: string;
  private readonly ledgerPath: string;

  /** `attempt`: unique per training attempt (workflow execution and attempt number). */
  constructor(
    root: string,
    private readonly configHash: string,
    private readonly attempt: string,
  ) {
    this.dir = join(root, configHash);
    this.checkpointPath = join(this.dir, CHECKPOINT_FILE);
    this.ledgerPath = join(this.dir, `attempt-${attempt.replace(/[^\w.-]/g, '_')}.json`);
  }

  /**
   * The latest checkpoint of this run, or undefined when there is none. One that cannot be read (a
   * file of another format or another run) is reported through `warn` and ignored: the run starts
   * over, which gives the same result.
   */
  latest(warn: (message: string) => void): Checkpoint | undefined {
    if (!existsSync(this.checkpointPath)) return undefined;
    try {
      const { checkpoint, meta } = readCheckpointFile(this.checkpointPath);
      if (meta['configHash'] !== this.configHash) {
        warn(
          `${this.checkpointPath} belongs to run ${String(meta['configHash'])}, not ${this.configHash}: ignored`,
        );
        return undefined;
      }
      return checkpoint;
    } catch (error) {
      warn(`${this.checkpointPath}: unreadable checkpoint (${(error as Error).message}): starting over`);
      return undefined;
    }
  }

  write(checkpoint: Checkpoint): void {
    mkdirSync(this.dir, { recursive: true });
    writeCheckpointFile(this.checkpointPath, checkpoint, { configHash: this.configHash });
  }

  /** This attempt's ledger: how long it has trained so far and where it is. */
  recordAttempt(ledger: Omit<AttemptLedger, 'attempt'>): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileAtomic(this.ledgerPath, JSON.stringify({ attempt: this.attempt, ...ledger }));
  }

  /** The ledgers of the other attempts of this run (earlier ones, or one still going elsewhere). */
  otherAttempts(): AttemptLedger[] {
    if (!existsSync(this.dir)) return [];
    const ledgers: AttemptLedger[] = [];
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      if (!LEDGER.test(name) || path === this.ledgerPath) continue;
      try {
        const ledger = JSON.parse(readFileSync(path, 'utf8')) as AttemptLedger;
        if (Number.isFinite(ledger.seconds)) ledgers.push(ledger);
      } catch {
        // A ledger is replaced atomically, so an unreadable one is not ours to count.
      }
    }
    return ledgers;
  }

  /** The run is recorded: its folder goes. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
