/**
 * The rows of `sgc sweep list`: the sweeps of the results store (archived ones only with --all), each
 * with the state of its Temporal workflow where it has one, plus sweeps Temporal runs that the store
 * does not know yet (just started). The store decides which sweeps exist: a deleted sweep's closed
 * workflow, or a renamed sweep's old one, is not listed. Without a store, Temporal's list as it is.
 */
import type { SweepRecord } from '../store/sweep-admin.js';
import type { SweepListing } from '../temporal/sweeps.js';

export interface SweepListRow {
  sweep: string;
  status: string;
  started: Date;
  ended: Date | undefined;
  tags: Record<string, string>;
  archived: boolean;
}

export function sweepListRows(
  temporal: readonly SweepListing[],
  stored: readonly SweepRecord[] | undefined,
): SweepListRow[] {
  const rows: SweepListRow[] = [];
  const onTemporal = new Map(temporal.map((t) => [t.sweepId, t]));
  if (stored) {
    for (const s of stored) {
      const t = onTemporal.get(s.name);
      rows.push({
        sweep: s.name,
        status: t?.status ?? s.status,
        started: t?.startTime ?? s.createdAt,
        ended: t ? t.closeTime : undefined,
        tags: s.tags,
        archived: s.archivedAt !== null,
      });
    }
  }
  const known = new Set(rows.map((r) => r.sweep));
  for (const t of temporal)
    if (!known.has(t.sweepId) && (!stored || t.status === 'running'))
      rows.push({
        sweep: t.sweepId,
        status: t.status,
        started: t.startTime,
        ended: t.closeTime,
        tags: {},
        archived: false,
      });
  return rows.sort((a, b) => b.started.getTime() - a.started.getTime());
}

/** Tags as `k=v k2=v2`, keys sorted. */
export function formatTags(tags: Record<string, string>): string {
  return Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k]}`)
    .join(' ');
}
