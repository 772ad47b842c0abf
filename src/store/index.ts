/**
 * The results store's public surface, for the orchestrator's activities, the trainer and the CLI:
 *
 *   const store = await openStore();          // DATABASE_URL, else .sgc/db (migrated on open)
 *   const repo = store.repository();
 *   const sweep = await repo.upsertSweep({ name: 'c6-onehot' });
 *   …
 *   await store.close();
 */
export type { IrrepPowerPoint, MetricPoint, RunEventPoint } from './bulk-insert.js';
export { loadMigrations, type MigrationStatus, migrate, migrationStatus } from './migrations.js';
export { type OpenStoreOptions, openDriver, openStore, type Store } from './open-store.js';
export { runReadOnlyQuery } from './read-only-query.js';
export { openReader, type ReaderConnection } from './reader-role.js';
export {
  type Cell,
  type CellKey,
  type CellProgress,
  type ClaimedRun,
  ResultsRepository,
  type Run,
  type RunFinish,
  type RunInput,
  type RunStart,
  type Sweep,
  type SweepInput,
  type SweepProgress,
} from './results-repository.js';
export type { SqlDriver, SqlSession, TabularResult } from './sql-driver.js';
export {
  type CellGaugeRow,
  type GaugeQueryable,
  LIVE_SWEEP_STATES,
  readSweepGauges,
  type SweepGaugeOptions,
  type SweepGaugeRow,
  type SweepGauges,
} from './sweep-gauges.js';
export { resolveTarget, type StoreTarget } from './target.js';
