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
import { sqlCommand } from './sql.js';
import { sweepCheckCommand } from './sweep-check.js';
import { theoryCommand } from './theory.js';
import { trainCommand } from './train.js';

export const commands: Command[] = [
  groupsCommand,
  groupCommand,
  encodeCommand,
  trainCommand,
  sweepCheckCommand,
  theoryCommand,
  reportCommand,
  resultsCommand,
  sqlCommand,
  dbMigrateCommand,
  dbServeCommand,
  dashboardsExportCommand,
  dashboardsPushCommand,
];
