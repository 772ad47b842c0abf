/**
 * One `sgc` sub-command. Its entry (name and summary, in src/cli/commands/index.ts) is known without
 * loading anything; its module, loaded only when it runs, gives the rest of its definition: the
 * help text, the options it takes, examples and the handler. src/cli/run.ts does for every command
 * what is the same for all (src/cli/commandLine.ts): --help and -h, parsing the options (an unknown
 * one is one line and exit 2, never ignored), and turning an InputError into one line and exit 2.
 */
import type { ParseArgsConfig, parseArgs } from 'node:util';

/** A command's options, as node:util's parseArgs reads them. */
export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** What parseArgs makes of a command line with these options: typed values and the positionals. */
export type Parsed<O extends OptionSpecs> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;

export interface Command<O extends OptionSpecs = OptionSpecs> {
  /**
   * The help text: `usage: sgc <words> …` on its first line, then what it does and an `Options:`
   * section naming every option of `options` (test/unit/cli/commandLine.test.ts checks that).
   */
  usage: string;
  /** The options it takes; --help and -h are every command's and are not listed here. */
  options: O;
  /** Whole command lines, shown under the help's `Examples:`; at least one. */
  examples: readonly string[];
  run(parsed: Parsed<O>): Promise<number | undefined> | number | undefined;
}

/** A command, its handler typed by its own options (parseArgs' types follow the option specs). */
export function defineCommand<const O extends OptionSpecs>(command: Command<O>): Command {
  return command as unknown as Command;
}

export interface CommandEntry {
  /** The words that select it, e.g. `['group']` or `['db', 'migrate']`. */
  name: readonly string[];
  /** One line for `sgc --help`. */
  summary: string;
  /**
   * What it connects to: it then takes the shared connection options of each (--address, --tls-…,
   * --database-url; src/cli/connectionFlags.ts), which override the environment variables.
   */
  connects?: readonly ('temporal' | 'store')[];
  /** Imports the command's module (and with it whatever heavy libraries it needs) on first use. */
  load(): Promise<Command>;
}
