/** Every `sgc` sub-command, in the order `sgc --help` lists them. Add a command by adding its module here. */
import type { Command } from '../command.js';
import { dashboardsExportCommand, dashboardsPushCommand } from './dashboards.js';
import { dbMigrateCommand } from './db-migrate.js';
import { dbServeCommand } from './db-serve.js';
import { encodeCommand } from './encode.js';
import { groupCommand } from './group.js';
import { groupsCommand } from './groups.js';
import { reportCommand } from './report.js';
import { resultsCommand } from './results.js';
import { runCommand } from './run.js';
import { sqlCommand } from './sql.js';
import {
  sweepCancelCommand,
  sweepExtendCommand,
  sweepListCommand,
  sweepPauseCommand,
  sweepResumeCommand,
  sweepStartCommand,
  sweepStatusCommand,
  sweepStopCommand,
  sweepWatchCommand,
} from './sweep.js';
import { sweepCheckCommand } from './sweep-check.js';
import {
  sweepArchiveCommand,
  sweepDeleteCommand,
  sweepNoteCommand,
  sweepRenameCommand,
  sweepTagCommand,
  sweepUnarchiveCommand,
} from './sweep-manage.js';
import { theoryCommand } from './theory.js';
import { trainCommand } from './train.js';
import { upCommand } from './up.js';
import { workerCommand } from './worker.js';

export const commands: Command[] = [
  groupsCommand,
  groupCommand,
  encodeCommand,
  trainCommand,
  theoryCommand,
  runCommand,
  upCommand,
  workerCommand,
  sweepCheckCommand,
  sweepStartCommand,
  sweepListCommand,
  sweepStatusCommand,
  sweepWatchCommand,
  sweepPauseCommand,
  sweepResumeCommand,
  sweepStopCommand,
  sweepCancelCommand,
  sweepExtendCommand,
  sweepDeleteCommand,
  sweepRenameCommand,
  sweepArchiveCommand,
  sweepUnarchiveCommand,
  sweepTagCommand,
  sweepNoteCommand,
  reportCommand,
  resultsCommand,
  sqlCommand,
  dbMigrateCommand,
  dbServeCommand,
  dashboardsExportCommand,
  dashboardsPushCommand,
];
