/** Every `sgc` sub-command, in the order `sgc --help` lists them. Add a command by adding its module here. */
import type { Command } from '../command.js';

export const commands: Command[] = [];
