/**
 * Every `sgc` sub-command, in the order `sgc --help` lists them: its words and summary, known
 * without loading it, and a loader for its module. Each command's module is imported only when that
 * command runs, so `sgc groups` does not load Temporal, onnxruntime, Prisma or vega (start-up
 * measured by bench/cli-startup.bench.ts). Add a command by adding an entry here; `connects` gives
 * it the shared connection options (src/cli/connectionFlags.ts).
 */
import type { CommandEntry } from '../command.js';

const TEMPORAL_AND_STORE = ['temporal', 'store'] as const;
const STORE = ['store'] as const;

export const commands: readonly CommandEntry[] = [
  {
    name: ['groups'],
    summary: 'the built-in group families, with examples, orders and irrep dimensions',
    load: async () => (await import('./groups.js')).groupsCommand,
  },
  {
    name: ['group'],
    summary: 'a group: order, classes, irreps with their types, character table, checks',
    load: async () => (await import('./group.js')).groupCommand,
  },
  {
    name: ['encode'],
    summary: 'an encoding of a group: template, power per irrep, predicted plateaus',
    load: async () => (await import('./encode.js')).encodeCommand,
  },
  {
    name: ['train'],
    summary: 'train one network from a run.yaml, with live progress; writes a run folder',
    load: async () => (await import('./train.js')).trainCommand,
  },
  {
    name: ['theory'],
    summary: 'predicted plateaus and irrep order; --agf simulates Alternating Gradient Flow',
    load: async () => (await import('./theory.js')).theoryCommand,
  },
  {
    name: ['run'],
    connects: TEMPORAL_AND_STORE,
    summary: 'up + start + watch + results: a sweep in one command',
    load: async () => (await import('./run.js')).runCommand,
  },
  {
    name: ['up'],
    connects: TEMPORAL_AND_STORE,
    summary: 'run the embedded stack: Temporal dev server, store, worker, metrics',
    load: async () => (await import('./up.js')).upCommand,
  },
  {
    name: ['worker'],
    connects: TEMPORAL_AND_STORE,
    summary: 'train the runs of sweeps (polls Temporal; many workers share the work)',
    load: async () => (await import('./worker.js')).workerCommand,
  },
  {
    name: ['doctor'],
    connects: TEMPORAL_AND_STORE,
    summary: 'what this machine can train with (each engine × backend, one step), devices, connections',
    load: async () => (await import('./doctor.js')).doctorCommand,
  },
  {
    name: ['gpu', 'setup'],
    summary: 'install the CUDA provider for the onnx engine from PyPI (or --undo)',
    load: async () => (await import('./gpu.js')).gpuSetupCommand,
  },
  {
    name: ['sweep', 'check'],
    summary: 'validate a sweep spec and show its cells, widths and run count, starting nothing',
    load: async () => (await import('./sweep-check.js')).sweepCheckCommand,
  },
  {
    name: ['sweep', 'start'],
    connects: TEMPORAL_AND_STORE,
    summary: 'start a sweep on Temporal (validated first)',
    load: async () => (await import('./sweep.js')).sweepStartCommand,
  },
  {
    name: ['sweep', 'list'],
    connects: TEMPORAL_AND_STORE,
    summary: 'the sweeps of the store and the Temporal server',
    load: async () => (await import('./sweep.js')).sweepListCommand,
  },
  {
    name: ['sweep', 'status'],
    connects: TEMPORAL_AND_STORE,
    summary: 'cells, brackets and runs of a sweep',
    load: async () => (await import('./sweep.js')).sweepStatusCommand,
  },
  {
    name: ['sweep', 'watch'],
    connects: TEMPORAL_AND_STORE,
    summary: 'follow a sweep live until it ends',
    load: async () => (await import('./sweep.js')).sweepWatchCommand,
  },
  {
    name: ['sweep', 'pause'],
    connects: TEMPORAL_AND_STORE,
    summary: 'start no new runs until resumed',
    load: async () => (await import('./sweep.js')).sweepPauseCommand,
  },
  {
    name: ['sweep', 'resume'],
    connects: TEMPORAL_AND_STORE,
    summary: 'carry on after a pause',
    load: async () => (await import('./sweep.js')).sweepResumeCommand,
  },
  {
    name: ['sweep', 'stop'],
    connects: TEMPORAL_AND_STORE,
    summary: 'let running runs finish, start none, end',
    load: async () => (await import('./sweep.js')).sweepStopCommand,
  },
  {
    name: ['sweep', 'cancel'],
    connects: TEMPORAL_AND_STORE,
    summary: 'stop running trainings now and end',
    load: async () => (await import('./sweep.js')).sweepCancelCommand,
  },
  {
    name: ['sweep', 'extend'],
    connects: TEMPORAL_AND_STORE,
    summary: 'add k values, groups, encodings, models or seeds to a running sweep',
    load: async () => (await import('./sweep.js')).sweepExtendCommand,
  },
  {
    name: ['sweep', 'delete'],
    connects: TEMPORAL_AND_STORE,
    summary: 'delete a sweep, its cells and the runs only it used',
    load: async () => (await import('./sweep-manage.js')).sweepDeleteCommand,
  },
  {
    name: ['sweep', 'rename'],
    connects: TEMPORAL_AND_STORE,
    summary: 'rename a stored sweep',
    load: async () => (await import('./sweep-manage.js')).sweepRenameCommand,
  },
  {
    name: ['sweep', 'archive'],
    connects: TEMPORAL_AND_STORE,
    summary: 'hide a sweep from list and results (kept in the store)',
    load: async () => (await import('./sweep-manage.js')).sweepArchiveCommand,
  },
  {
    name: ['sweep', 'unarchive'],
    connects: TEMPORAL_AND_STORE,
    summary: 'show an archived sweep again',
    load: async () => (await import('./sweep-manage.js')).sweepUnarchiveCommand,
  },
  {
    name: ['sweep', 'tag'],
    connects: TEMPORAL_AND_STORE,
    summary: 'set or remove key=value tags on a sweep',
    load: async () => (await import('./sweep-manage.js')).sweepTagCommand,
  },
  {
    name: ['sweep', 'note'],
    connects: TEMPORAL_AND_STORE,
    summary: "set or show a sweep's note",
    load: async () => (await import('./sweep-manage.js')).sweepNoteCommand,
  },
  {
    name: ['report'],
    connects: STORE,
    summary: 'figures and a self-contained HTML report for a run folder or a sweep',
    load: async () => (await import('./report.js')).reportCommand,
  },
  {
    name: ['results'],
    connects: STORE,
    summary: 'minimal width per k for each (group, encoding, model) of a sweep',
    load: async () => (await import('./results.js')).resultsCommand,
  },
  {
    name: ['sql'],
    connects: STORE,
    summary: 'run a read-only SQL query on the results (table, --json or --csv)',
    load: async () => (await import('./sql.js')).sqlCommand,
  },
  {
    name: ['db', 'migrate'],
    connects: STORE,
    summary: 'apply pending database migrations (or --status to list them)',
    load: async () => (await import('./db-migrate.js')).dbMigrateCommand,
  },
  {
    name: ['db', 'serve'],
    summary: 'keep the embedded store running for psql/Grafana and print its read-only URL',
    load: async () => (await import('./db-serve.js')).dbServeCommand,
  },
  {
    name: ['dashboards', 'export'],
    summary: 'write the Grafana dashboards and provisioning files (default dashboards/)',
    load: async () => (await import('./dashboards.js')).dashboardsExportCommand,
  },
  {
    name: ['dashboards', 'push'],
    summary: 'install the dashboards in a running Grafana through its HTTP API',
    load: async () => (await import('./dashboards.js')).dashboardsPushCommand,
  },
  {
    name: ['completion'],
    summary: 'a bash or zsh completion script: source <(sgc completion bash)',
    load: async () => (await import('./completion.js')).completionCommand,
  },
];
