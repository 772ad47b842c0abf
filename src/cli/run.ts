/**
 * The `sgc` command line as a function: dispatches to the registered commands, loading only the
 * one that runs; answers --help at every level (sgc, a group such as `sgc sweep`, a command) and
 * --version; parses each command's options against the ones it declares (src/cli/commandLine.ts);
 * turns an InputError into one line on stderr and exit code 2, so bad input never shows a stack
 * trace; a Temporal server that stops answering is one line too, with exit code 1.
 * It lives apart from main.ts (which runs it at load) so that tests can call it in-process,
 * thousands of times.
 */
import { InputError, lostServerMessage } from '../errors.js';
import type { CommandEntry } from './command.js';
import {
  commandGroups,
  commandHelp,
  commandList,
  groupHelp,
  loadCommand,
  parseCommandLine,
  wantsHelp,
} from './commandLine.js';
import { commands } from './commands/index.js';
import { applyConnectionFlags } from './connectionFlags.js';

function help(): string {
  return [
    'sgc — sequential group composition experiments at sweep scale',
    '',
    'usage: sgc <command> [options]',
    '',
    'Commands:',
    ...commandList(commands),
    '',
    'Options:',
    '  -h, --help     this help; `sgc <command> --help` shows a command’s options and examples',
    '  -V, --version  the versions of sgc, of its results and of the engine libraries',
    '',
    'Examples:',
    '  sgc group D3',
    '  sgc run examples/sweep-small.yaml',
    '  sgc sweep --help',
  ].join('\n');
}

function findCommand(argv: string[]): { entry: CommandEntry; rest: string[] } | undefined {
  // Longest match first, so `db migrate` wins over a hypothetical `db`.
  const sorted = [...commands].sort((a, b) => b.name.length - a.name.length);
  for (const entry of sorted)
    if (entry.name.every((word, i) => argv[i] === word))
      return { entry, rest: argv.slice(entry.name.length) };
  return undefined;
}

/** No command matched: a group's help, or one line naming what is unknown (exit 2). */
function notACommand(argv: string[]): number {
  const group = commandGroups(commands).find((g) => g === argv[0]);
  if (group === undefined) {
    console.error(`sgc: unknown command "${argv[0]}" (see \`sgc --help\`)`);
    return 2;
  }
  if (argv.length === 1 || wantsHelp(argv.slice(1, 2))) {
    // `sgc sweep` alone is a question too, answered as `sgc sweep --help` is.
    console.log(groupHelp(commands, group));
    return 0;
  }
  const words = commands.filter((c) => c.name[0] === group).map((c) => c.name[1]);
  console.error(
    `sgc ${group}: unknown command "${argv[1]}" (one of ${words.join(', ')}; see \`sgc ${group} --help\`)`,
  );
  return 2;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(help());
    return 0;
  }
  if (argv[0] === '--version' || argv[0] === '-V') {
    const { versionText } = await import('./version.js');
    console.log(versionText(argv.includes('--json')));
    return 0;
  }
  if (argv[0].startsWith('-')) {
    console.error(
      `sgc: unknown option ${argv[0]} (before the command: --help, --version; see \`sgc --help\`)`,
    );
    return 2;
  }
  const found = findCommand(argv);
  if (!found) return notACommand(argv);
  const command = await loadCommand(found.entry);
  if (wantsHelp(found.rest)) {
    console.log(commandHelp(command));
    return 0;
  }
  const commandName = `sgc ${found.entry.name.join(' ')}`;
  let restoreEnvironment = () => {};
  try {
    const parsed = parseCommandLine(command, found.entry.name, found.rest);
    // Connection flags stand in for their environment variables while the command runs.
    restoreEnvironment = applyConnectionFlags(parsed.values);
    return (await command.run(parsed)) ?? 0;
  } catch (error) {
    if (error instanceof InputError) {
      console.error(`${commandName}: ${error.message}`);
      return 2;
    }
    const lost = lostServerMessage(error);
    if (lost !== undefined) {
      console.error(
        `${commandName}: lost the Temporal server (${lost}). If another \`sgc up\` or \`sgc run\` started it, that process has ended; run the command again.`,
      );
      return 1;
    }
    throw error;
  } finally {
    restoreEnvironment();
  }
}
