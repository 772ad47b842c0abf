/**
 * Hands a process's telemetry the results store, so that its /metrics reports the sweep and cell
 * gauges as the store has them at each scrape (see useStore in metrics.ts), and reads the two
 * settings of that from flags or the environment:
 *
 *   SGC_METRICS_SWEEP_WINDOW   how long an ended sweep stays in the gauges (default 1h; 0: not at all)
 *   SGC_METRICS_STORE_TIMEOUT  how long a scrape waits for the store (default 2s)
 *
 *   attachStoreGauges(telemetry, store.driver, storeGaugeSettings(process.env, values['metrics-sweep-window']));
 */
import { InputError } from '../errors.js';
import { type GaugeQueryable, readSweepGauges } from '../store/sweep-gauges.js';
import { STORE_TIMEOUT_MS, type Telemetry } from './metrics.js';

/**
 * An ended sweep's final numbers stay on the dashboards this long: enough to look at a sweep that
 * finished over lunch, short enough that a day of sweeps does not pile up series.
 */
export const DEFAULT_SWEEP_WINDOW_S = 3600;

export const SWEEP_WINDOW_ENV = 'SGC_METRICS_SWEEP_WINDOW';
export const STORE_TIMEOUT_ENV = 'SGC_METRICS_STORE_TIMEOUT';

export interface StoreGaugeConfig {
  /** Seconds an ended sweep stays in the gauges after its last update. */
  sweepWindowSeconds: number;
  timeoutMs: number;
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** "90", "90s", "15m", "1.5h", "2d", "500ms" in seconds; `what` names the flag or variable in the error. */
export function parseDurationSeconds(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m)
    throw new InputError(
      `${what} "${text}": not a duration; give a number of seconds or one with a unit (500ms, 30s, 15m, 1h, 2d)`,
    );
  return Number(m[1]) * UNIT_SECONDS[m[2] ?? 's'];
}

/** The window and timeout from a flag (first) or the environment, else the defaults. */
export function storeGaugeSettings(
  env: NodeJS.ProcessEnv = process.env,
  windowFlag?: string,
): StoreGaugeConfig {
  const window =
    windowFlag !== undefined
      ? parseDurationSeconds(windowFlag, '--metrics-sweep-window')
      : env[SWEEP_WINDOW_ENV]?.trim()
        ? parseDurationSeconds(env[SWEEP_WINDOW_ENV], SWEEP_WINDOW_ENV)
        : DEFAULT_SWEEP_WINDOW_S;
  const timeoutSeconds = env[STORE_TIMEOUT_ENV]?.trim()
    ? parseDurationSeconds(env[STORE_TIMEOUT_ENV], STORE_TIMEOUT_ENV)
    : STORE_TIMEOUT_MS / 1000;
  if (!(timeoutSeconds > 0)) throw new InputError(`${STORE_TIMEOUT_ENV}: must be more than 0`);
  return { sweepWindowSeconds: window, timeoutMs: Math.round(timeoutSeconds * 1000) };
}

/** From now on every scrape of `telemetry` reads the sweep and cell gauges from `db`. */
export function attachStoreGauges(
  telemetry: Telemetry,
  db: GaugeQueryable,
  config: StoreGaugeConfig = storeGaugeSettings(),
  log?: (line: string) => void,
): void {
  telemetry.useStore(() => readSweepGauges(db, { endedWithinSeconds: config.sweepWindowSeconds }), {
    timeoutMs: config.timeoutMs,
    ...(log ? { log } : {}),
  });
}
