/**
 * `sgc completion bash|zsh`: a shell completion script made from the command table itself
 * (src/cli/commands/index.ts, and each command's declared options), so it knows every command,
 * group and option there is. zsh runs the bash script through its bashcompinit.
 */
import { InputError } from '../../errors.js';
import { defineCommand } from '../command.js';
import { commandGroups, loadCommand, seeHelp } from '../commandLine.js';
import { commands } from './index.js';

const usage = `usage: sgc completion bash|zsh

Prints a completion script for bash or zsh: commands, the commands of a group (sgc sweep <TAB>) and
each command's options; other words complete as file names. Load it in the shell's start-up file:

  bash (~/.bashrc):  source <(sgc completion bash)
  zsh  (~/.zshrc):   source <(sgc completion zsh)

Options: none besides --help.`;

/** What may follow each command path: `''` (sgc itself), a group (`sweep`), a command (`sweep/start`). */
export async function completionWords(): Promise<Map<string, string[]>> {
  const words = new Map<string, string[]>();
  const add = (key: string, word: string) => words.set(key, [...(words.get(key) ?? []), word]);
  for (const group of commandGroups(commands)) add('', group);
  for (const entry of commands) {
    if (entry.name.length === 1) add('', entry.name[0]);
    else add(entry.name[0], entry.name[1]);
    const command = await loadCommand(entry);
    for (const option of [...Object.keys(command.options), 'help']) add(entry.name.join('/'), `--${option}`);
  }
  add('', 'completion');
  add('completion', 'bash');
  add('completion', 'zsh');
  for (const option of ['--help', '--version']) add('', option);
  for (const group of commandGroups(commands)) add(group, '--help');
  return new Map([...words].map(([key, list]) => [key, [...new Set(list)]]));
}

/** The bash script: `_sgc` finds the longest command path typed so far and offers what follows it. */
export function bashScript(words: Map<string, string[]>): string {
  const cases = [...words].map(([key, list]) => `    '${key}') words='${list.join(' ')}' ;;`);
  return [
    '# sgc completion for bash (sgc completion bash); zsh: sgc completion zsh',
    '_sgc() {',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${…}, not a template
    '  local cur="${COMP_WORDS[COMP_CWORD]}" key="" next w i words=""',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${…}, not a template
    '    w="${COMP_WORDS[i]}"',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${…}, not a template
    '    next="${key:+$key/}$w"',
    `    case " ${[...words.keys()].filter((k) => k !== '').join(' ')} " in`,
    '      *" $next "*) key="$next" ;;',
    '      *) break ;;',
    '    esac',
    '  done',
    '  case "$key" in',
    ...cases,
    '  esac',
    '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    '}',
    'complete -o default -F _sgc sgc',
  ].join('\n');
}

export const completionCommand = defineCommand({
  usage,
  options: {},
  examples: ['sgc completion bash > ~/.sgc-completion.bash', 'sgc completion zsh > ~/.sgc-completion.zsh'],
  async run({ positionals }) {
    const shell = positionals[0];
    if (positionals.length !== 1 || (shell !== 'bash' && shell !== 'zsh'))
      throw new InputError(`give bash or zsh (${seeHelp(usage)})`);
    const script = bashScript(await completionWords());
    console.log(shell === 'bash' ? script : `autoload -U +X bashcompinit && bashcompinit\n${script}`);
    return 0;
  },
});
