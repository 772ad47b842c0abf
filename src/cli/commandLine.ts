/**
 * What every `sgc` command does the same way, in one place: its help (`--help`, `-h`), the parsing
 * of its options against the ones it declares (an unknown option, a missing value or a value given
 * to a flag is one line naming the option and the command's options, exit 2: never node's raw
 * parseArgs error, never an option silently ignored), and the help of command groups (`sgc sweep`).
 */
import { parseArgs } from 'node:util';
import { InputError } from '../errors.js';
import type { Command, CommandEntry, OptionSpecs, Parsed } from './command.js';
import { withConnectionOptions } from './connectionFlags.js';

/** `--help` or `-h` among the arguments, before a `--` (after it, they are positionals). */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** `--all, --json` (with `-x` where an option has a short form); `no options` when none. */
export function optionNames(options: OptionSpecs): string {
  const names = Object.entries(options).map(([name, spec]) =>
    spec.short ? `-${spec.short}/--${name}` : `--${name}`,
  );
  return names.length ? names.join(', ') : 'no options';
}

/**
 * The command line parsed by the command's own options. parseArgs' refusals become one line:
 * `unknown option --foo (options: --all, --json; see \`sgc sweep list --help\`)`.
 */
export function parseCommandLine<O extends OptionSpecs>(
  command: Command<O>,
  words: readonly string[],
  args: string[],
): Parsed<O> {
  try {
    return parseArgs({ args, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined || !code.startsWith('ERR_PARSE_ARGS')) throw error;
    const message = (error as Error).message;
    const option = /'(-{1,2}[^' ,]+)/.exec(message)?.[1] ?? '';
    const see = `see \`sgc ${words.join(' ')} --help\``;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      throw new InputError(`unknown option ${option} (${optionNames(command.options)}; ${see})`);
    if (/argument missing/.test(message)) throw new InputError(`${option} needs a value (${see})`);
    if (/does not take an argument/.test(message))
      throw new InputError(`${option} is a flag and takes no value (${see})`);
    throw new InputError(`${message.split('\n')[0]} (${see})`);
  }
}

/** An entry's command as it runs: its own options and the connection options of what it connects to. */
export async function loadCommand(entry: CommandEntry): Promise<Command> {
  return withConnectionOptions(await entry.load(), entry.connects);
}

/** A command's help: its usage text and its examples. */
export function commandHelp(command: Command): string {
  return `${command.usage.trimEnd()}\n\nExamples:\n${command.examples.map((e) => `  ${e}`).join('\n')}`;
}

/** The groups of commands (`sweep`, `db`, `dashboards`): first words shared by several-word names. */
export function commandGroups(entries: readonly CommandEntry[]): string[] {
  return [...new Set(entries.filter((e) => e.name.length > 1).map((e) => e.name[0]))];
}

/** The commands under `prefix` (all of them for []), one per line with its summary. */
export function commandList(entries: readonly CommandEntry[], prefix: readonly string[] = []): string[] {
  const chosen = entries.filter((e) => prefix.every((word, i) => e.name[i] === word));
  const width = Math.max(...chosen.map((c) => c.name.join(' ').length));
  return chosen.map((c) => `  sgc ${c.name.join(' ').padEnd(width)}  ${c.summary}`);
}

/** `sgc sweep --help`: the group's commands, and where each one's options are. */
export function groupHelp(entries: readonly CommandEntry[], group: string): string {
  return [
    `usage: sgc ${group} <command> [options]`,
    '',
    'Commands:',
    ...commandList(entries, [group]),
    '',
    `Run \`sgc ${group} <command> --help\` for its options and examples.`,
  ].join('\n');
}

/** `see \`sgc sweep start --help\``, from a usage text's first line, to end a one-line refusal. */
export function seeHelp(usage: string): string {
  const words = /usage: (sgc(?: [a-z][a-z-]*)*)/i.exec(usage)?.[1] ?? 'sgc';
  return `see \`${words} --help\``;
}

/** Runs a loaded command on its arguments as `sgc <words>` would; tests call it in-process. */
export function runCommandLine(command: Command, words: readonly string[], args: string[]) {
  return command.run(parseCommandLine(command, words, args));
}
