/**
 * One `sgc` sub-command. Its entry (name and summary, in src/cli/commands/index.ts) is known without
 * loading anything; its module, loaded only when it runs, gives the usage text and the handler.
 * Handlers throw an InputError for bad input; run.ts turns that into one message and exit code 2.
 */
export interface Command {
  usage: string;
  run(args: string[]): Promise<number | undefined> | number | undefined;
}

export interface CommandEntry {
  /** The words that select it, e.g. `['group']` or `['db', 'migrate']`. */
  name: readonly string[];
  /** One line for `sgc --help`. */
  summary: string;
  /** Imports the command's module (and with it whatever heavy libraries it needs) on first use. */
  load(): Promise<Command>;
}
