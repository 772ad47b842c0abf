/**
 * One spec per sweep name (issue 15), checked by `sgc sweep start` and `sgc run` before anything is
 * sent to Temporal: a spec whose identity (src/sweep/specIdentity.ts) differs from the one stored
 * under its name is refused, in one line naming the differences and the ways on. Without this a
 * changed spec was merged into the old sweep, and its report mixed cells of both.
 *
 * The same spec again passes: starting it is a restart whose finished runs are cache hits. With
 * `replace`, the stored sweep (not running) is archived under `<name>@<UTC time>` first, so its cells
 * and runs stay queryable and the name is free for the new spec.
 */
import { InputError } from '../errors.js';
import type { SweepAdmin } from '../store/sweep-admin.js';
import { specDifferences, specIdentity } from '../sweep/specIdentity.js';

export interface NameCheck {
  /** Whether a Temporal workflow of the sweep is running now. */
  isRunning(name: string): Promise<boolean>;
  replace: boolean;
  now?: Date;
}

/** The name a replaced sweep is archived under: `@` is not allowed in spec names, so none collides. */
export function archivedName(name: string, now: Date): string {
  return `${name}@${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')}`;
}

/**
 * Refuses `raw` when its name holds another spec (or an archived sweep); with `replace`, archives
 * the stored sweep instead and returns the name it now has.
 */
export async function claimSweepName(
  admin: SweepAdmin,
  raw: Record<string, unknown>,
  check: NameCheck,
): Promise<{ archivedAs?: string }> {
  const name = String(raw['name']);
  const stored = await admin.find(name);
  // No spec stored yet (a start that never got as far as registering its cells): nothing to differ from.
  if (!stored || stored.spec === null) return {};
  const differences = specDifferences(specIdentity(stored.spec), specIdentity(raw));
  const archived = stored.archivedAt !== null;
  if (differences.length === 0 && !archived) return {};
  const now = check.now ?? new Date();
  const renamed = archivedName(name, now);
  if (!check.replace) {
    const what = archived
      ? `sweep ${name} is archived${differences.length ? ` and holds another spec (${differences.join('; ')})` : ''}`
      : `sweep ${name} holds another spec (${differences.join('; ')})`;
    const ways = archived
      ? `\`sgc sweep unarchive ${name}\` to carry on with it`
      : `add to it with \`sgc sweep extend ${name} <extra.yaml>\``;
    throw new InputError(
      `${what}: ${ways}, give this spec another name, or add --replace to archive the stored sweep ` +
        `as ${renamed} first`,
    );
  }
  if (await check.isRunning(name))
    throw new InputError(
      `sweep ${name} is running: stop it first (\`sgc sweep stop ${name}\`), then start with --replace`,
    );
  await admin.rename(name, renamed, { archive: true });
  return { archivedAs: renamed };
}
