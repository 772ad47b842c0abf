/**
 * One `sgc` sub-command: its name, a one-line summary, a usage text and a handler. Handlers throw an
 * InputError for bad input; main.ts turns that into one message and exit code 2.
 */
export interface Command {
  /** The words that select it, e.g. `['group']` or `['db', 'migrate']`. */
  name: readonly string[];
  summary: string;
  usage: string;
  run(args: string[]): Promise<number | undefined> | number | undefined;
}
