/** Every `sgc` sub-command, in the order `sgc --help` lists them. Add a command by adding its module here. */
import type { Command } from '../command.js';
import { encodeCommand } from './encode.js';
import { groupCommand } from './group.js';
import { groupsCommand } from './groups.js';

export const commands: Command[] = [groupsCommand, groupCommand, encodeCommand];
