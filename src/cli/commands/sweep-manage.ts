/**
 * `sgc sweep delete|rename|archive|unarchive|tag|note`: managing the sweeps of the results store
 * (`sgc sql` rightly refuses writes, so these are the way to undo a mistaken sweep). Delete and
 * rename ask Temporal first and refuse a sweep whose workflow is running: its workers would write
 * rows for a sweep that is gone or renamed under them. Bad input is one line, exit 2, nothing changed.
 */
import { existsSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { InputError } from '../../errors.js';
import { findHome } from '../../home.js';
import type { DeletedRun } from '../../store/sweep-admin.js';
import { type Command, defineCommand } from '../command.js';
import { seeHelp } from '../commandLine.js';
import { formatTags } from '../sweepListing.js';
import { withClient, withStore } from './sweep.js';

async function admin(store: Parameters<Parameters<typeof withStore>[1]>[0]) {
  const { SweepAdmin } = await import('../../store/sweep-admin.js');
  return new SweepAdmin(store.driver);
}

/** The positionals, refused in one line unless there are `count` of them. */
function positionalsOf(positionals: string[], usage: string, count: number, what: string): string[] {
  if (positionals.length !== count) throw new InputError(`give ${what} (${seeHelp(usage)})`);
  return positionals;
}

/**
 * Refuses when the sweep's workflow runs, or one of its cells' (a cancelled sweep's cells take a
 * moment to close, and write to the store until they have): Temporal is asked, since a store status
 * left by a crash can say `running` for ever. Only cells the store has as not ended are asked about.
 */
async function refuseWhileRunning(
  name: string,
  doing: string,
  cellKeys: readonly string[] = [],
): Promise<void> {
  const { cellWorkflowId, sweepWorkflowId } = await import('../../sweep/workflowIds.js');
  const ids = [sweepWorkflowId(name), ...cellKeys.map((key) => cellWorkflowId(name, key))];
  await withClient(async (client, { anyWorkflowRunning }) => {
    if (await anyWorkflowRunning(client, ids))
      throw new InputError(
        `sweep ${name} is running: stop it first (\`sgc sweep stop ${name}\` or \`sgc sweep cancel ${name}\`), then ${doing}`,
      );
  });
}

/** A name a sweep may be renamed to: a spec's name, so that a spec can start it again. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const deleteUsage = `usage: sgc sweep delete <name> [--yes] [--checkpoints DIR]

Deletes the sweep from the results store: its cells, and the runs no other sweep uses with their
metrics, irrep powers, events and checkpoints (each run's folder <dir>/<configHash>/). Runs another sweep uses too are kept. Refused
while the sweep runs (stop or cancel it first). Asks for confirmation on a terminal; elsewhere (a
script, a pipe) it is refused unless --yes.

Options:
  --yes              delete without asking
  --checkpoints DIR  also look for checkpoint files there (besides SGC_CHECKPOINT_DIR, the sgc home's
                     checkpoints/ and the paths the runs recorded), as given to \`sgc worker --checkpoints\``;
export const sweepDeleteCommand = defineCommand({
  usage: deleteUsage,
  options: { yes: { type: 'boolean' }, checkpoints: { type: 'string' } },
  examples: ['sgc sweep delete old-sweep', 'sgc sweep delete old-sweep --yes --checkpoints /data/ckpt'],
  async run({ values, positionals }) {
    const [name] = positionalsOf(positionals, deleteUsage, 1, 'one sweep name');
    return withStore('sgc sweep delete', async (store) => {
      const sweeps = await admin(store);
      const plan = await sweeps.deletionPlan(name);
      await refuseWhileRunning(name, 'delete it', await sweeps.openCellKeys(name));
      const what =
        `sweep ${name}: ${plan.cells} cell(s) and ${plan.runs} run(s)` +
        (plan.shared ? ` (${plan.shared} run(s) another sweep uses are kept)` : '');
      if (!values.yes) {
        if (!process.stdin.isTTY)
          throw new InputError(`would delete ${what}: add --yes to confirm (stdin is not a terminal)`);
        if (!(await confirm(`delete ${what}? [y/N] `))) {
          console.error('nothing deleted');
          return 1;
        }
      }
      const { plan: done, runs } = await sweeps.delete(name);
      const files = removeCheckpoints(runs, checkpointDirs(values.checkpoints));
      console.error(
        `deleted sweep ${name}: ${done.cells} cell(s), ${done.runs} run(s), ${files} checkpoint file(s)` +
          (done.shared ? `; kept ${done.shared} run(s) another sweep uses` : ''),
      );
      return 0;
    });
  },
});

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/**
 * Where workers may have written checkpoints: activities/train.ts keeps a run's in its own folder
 * `<dir>/<configHash>/` (runCheckpoints.ts), and older workers wrote `<dir>/<configHash>.json`.
 */
function checkpointDirs(extra: string | undefined): string[] {
  const dirs = [process.env['SGC_CHECKPOINT_DIR']?.trim(), extra];
  const home = findHome();
  if (home) dirs.push(join(home, 'checkpoints'));
  return [...new Set(dirs.filter((d): d is string => !!d).map((d) => resolve(d)))];
}

/**
 * Removes the deleted runs' checkpoints (a run's folder, or a legacy file); returns how many there
 * were. Only paths named after the run's config hash are touched, whatever path a run recorded: the
 * recorded file's folder when that is the run's, or the recorded file when it is the legacy one.
 */
function removeCheckpoints(runs: readonly DeletedRun[], dirs: readonly string[]): number {
  let removed = 0;
  for (const run of runs) {
    const paths = new Set(dirs.flatMap((d) => [join(d, run.configHash), join(d, `${run.configHash}.json`)]));
    if (run.checkpoint) {
      const recorded = resolve(run.checkpoint);
      if (basename(dirname(recorded)) === run.configHash) paths.add(dirname(recorded));
      if (basename(recorded) === `${run.configHash}.json`) paths.add(recorded);
    }
    for (const path of paths)
      if (existsSync(path)) {
        rmSync(path, { recursive: true, force: true });
        removed++;
      }
  }
  return removed;
}

const renameUsage = `usage: sgc sweep rename <old> <new>

Renames a stored sweep: its cells, runs, tags and note follow it, and \`sgc results\`, \`sgc sql\` and
the views show the new name. The new name is a spec name (letters, digits, ".", "_", "-"), so that a
spec of that name starts it again. Refused while the sweep runs, or when <new> exists.`;
export const sweepRenameCommand = defineCommand({
  usage: renameUsage,
  options: {},
  examples: ['sgc sweep rename small-width small-width-2026'],
  async run({ positionals }) {
    positionalsOf(positionals, renameUsage, 2, 'the sweep name and its new name');
    const [from, to] = positionals;
    if (!NAME.test(to))
      throw new InputError(
        `new name "${to}": use letters, digits, ".", "_" and "-", starting with a letter or digit (at most 100)`,
      );
    if (from === to) throw new InputError(`sweep ${from} already has that name`);
    return withStore('sgc sweep rename', async (store) => {
      const sweeps = await admin(store);
      await sweeps.require(from);
      if (await sweeps.find(to))
        throw new InputError(`a sweep named "${to}" exists already: choose another name`);
      await refuseWhileRunning(from, 'rename it', await sweeps.openCellKeys(from));
      // A sweep of the new name that Temporal runs but the store does not know yet would collide.
      await refuseWhileRunning(to, `rename ${from} to ${to}`);
      await sweeps.rename(from, to);
      console.error(`renamed sweep ${from} to ${to}`);
      return 0;
    });
  },
});

function archiveCommand(archived: boolean): Command {
  const word = archived ? 'archive' : 'unarchive';
  const usage = archived
    ? `usage: sgc sweep archive <name>

Hides the sweep from \`sgc sweep list\` and \`sgc results\` (both show it with --all); its cells and
runs stay in the store, queryable by \`sgc sql\` (sweep.archived_at is set). Undo with
\`sgc sweep unarchive\`.`
    : `usage: sgc sweep unarchive <name>

Shows an archived sweep again in \`sgc sweep list\` and \`sgc results\`.`;
  return defineCommand({
    usage,
    options: {},
    examples: [`sgc sweep ${archived ? 'archive' : 'unarchive'} small-width`],
    async run({ positionals }) {
      positionalsOf(positionals, usage, 1, 'one sweep name');
      const [name] = positionals;
      return withStore(`sgc sweep ${word}`, async (store) => {
        const changed = await (await admin(store)).setArchived(name, archived);
        console.error(
          `sweep ${name}: ${changed ? `${word}d` : `already ${archived ? 'archived' : 'not archived'}`}`,
        );
        return 0;
      });
    },
  });
}
export const sweepArchiveCommand = archiveCommand(true);
export const sweepUnarchiveCommand = archiveCommand(false);

const TAG_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/;
const MAX_TAG_VALUE = 500;

const tagUsage = `usage: sgc sweep tag <name> [key=value …] [key= …]

Sets tags on a stored sweep (key=value), removes them (key=), and prints the sweep's tags. Keys are
letters, digits, "_", "." and "-"; values any text up to ${MAX_TAG_VALUE} characters. Tags are the
sweep table's JSON column tags, for SQL:
  sgc sql "SELECT name FROM sweep WHERE tags->>'lab' = 'x'"`;
export const sweepTagCommand = defineCommand({
  usage: tagUsage,
  options: {},
  examples: ['sgc sweep tag small-width lab=x machine=h200', 'sgc sweep tag small-width lab='],
  async run({ positionals }) {
    if (positionals.length < 1)
      throw new InputError(`give a sweep name and key=value tags (${seeHelp(tagUsage)})`);
    const [name, ...pairs] = positionals;
    const set: Record<string, string> = {};
    const remove: string[] = [];
    for (const pair of pairs) {
      const at = pair.indexOf('=');
      const key = at < 0 ? pair : pair.slice(0, at);
      if (at < 0 || !TAG_KEY.test(key))
        throw new InputError(
          `tag "${pair}": write key=value (or key= to remove it), the key of letters, digits, "_", "." and "-"`,
        );
      const value = pair.slice(at + 1);
      if (value.length > MAX_TAG_VALUE)
        throw new InputError(`tag ${key}: ${value.length} characters, at most ${MAX_TAG_VALUE}`);
      if (key in set || remove.includes(key)) throw new InputError(`tag ${key}: given twice`);
      if (value === '') remove.push(key);
      else set[key] = value;
    }
    return withStore('sgc sweep tag', async (store) => {
      const sweeps = await admin(store);
      const tags = pairs.length ? await sweeps.tag(name, set, remove) : (await sweeps.require(name)).tags;
      console.log(formatTags(tags));
      return 0;
    });
  },
});

const MAX_NOTE = 10_000;
const noteUsage = `usage: sgc sweep note <name> ["text"]

Sets the sweep's note (the sweep table's column note), replacing the one before; "" clears it.
Without text, prints the note.`;
export const sweepNoteCommand = defineCommand({
  usage: noteUsage,
  options: {},
  examples: ['sgc sweep note small-width "first run on the new machine"', 'sgc sweep note small-width'],
  async run({ positionals }) {
    if (positionals.length < 1 || positionals.length > 2)
      throw new InputError(`give a sweep name and the note, quoted as one argument (${seeHelp(noteUsage)})`);
    const [name, text] = positionals;
    if (text !== undefined && text.length > MAX_NOTE)
      throw new InputError(`note: ${text.length} characters, at most ${MAX_NOTE}`);
    return withStore('sgc sweep note', async (store) => {
      const sweeps = await admin(store);
      if (text === undefined) {
        const { note } = await sweeps.require(name);
        if (note !== null) console.log(note);
        return 0;
      }
      await sweeps.setNote(name, text.trim() === '' ? null : text);
      console.error(`sweep ${name}: note ${text.trim() === '' ? 'cleared' : 'set'}`);
      return 0;
    });
  },
});
