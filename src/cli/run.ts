/**
 * The `sgc` command line as a function: dispatches to the registered commands, loading only the
 * one that runs; turns an InputError into one line on stderr and exit code 2, so bad input never
 * shows a stack trace; a Temporal server that stops answering is one line too, with exit code 1.
 * It lives apart from main.ts (which runs it at load) so that tests can call it in-process,
 * thousands of times.
 */
import { InputError, lostServerMessage } from '../errors.js';
import type { CommandEntry } from './command.js';
import { commands } from './commands/index.js';

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.join(' ').length));
  const lines = commands.map((c) => `  sgc ${c.name.join(' ').padEnd(width)}  ${c.summary}`);
  return [
    'sgc — sequential group composition experiments at sweep scale',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `sgc <command> --help` for its options.',
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

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(help());
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    console.error(`sgc: unknown command "${argv.join(' ')}"\n\n${help()}`);
    return 2;
  }
  const command = await found.entry.load();
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  const commandName = `sgc ${found.entry.name.join(' ')}`;
  try {
    return (await command.run(found.rest)) ?? 0;
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
  }
}
