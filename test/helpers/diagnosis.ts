/**
 * What a test that timed out waiting shows of the system's state: a sweep that makes no visible
 * progress for minutes is only explained by what Temporal and PostgreSQL held at that moment (which
 * workflow waits on which activity, since when, on which attempt; which query waits on which lock).
 *
 * Sources register here (startTemporal registers its namespace, a test with a store may register its
 * database); waitFor appends what they say to its timeout message. Each source is bounded in time,
 * so that a diagnosis of a hung system never hangs itself.
 */
import { Connection } from '@temporalio/client';
import { optionalTsToDate } from '@temporalio/common/lib/time.js';
import temporalProto from '@temporalio/proto';

const { temporal } = temporalProto;

type Source = { name: string; read: () => Promise<string> };
const sources: Source[] = [];

/** Adds a source; the returned function removes it (a file's `after`). */
export function addDiagnosis(name: string, read: () => Promise<string>): () => void {
  const source = { name, read };
  sources.push(source);
  return () => {
    const i = sources.indexOf(source);
    if (i >= 0) sources.splice(i, 1);
  };
}

const withTimeout = <T>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms).unref(),
    ),
  ]);

/** Every source's account, each under its name; '' when none is registered. */
export async function diagnose(): Promise<string> {
  const parts = await Promise.all(
    sources.map(async ({ name, read }) => {
      try {
        return `--- ${name}\n${await withTimeout(read(), 15_000, name)}`;
      } catch (error) {
        return `--- ${name}\n(could not read: ${(error as Error).message})`;
      }
    }),
  );
  return parts.length ? `\n${parts.join('\n')}` : '';
}

const when = (ts: Parameters<typeof optionalTsToDate>[0]) => {
  const date = optionalTsToDate(ts);
  return date ? date.toISOString().slice(11, 23) : '-';
};
const enumName = (names: Record<number, string>, value: number | null | undefined, prefix: string) =>
  (names[value ?? 0] ?? String(value)).replace(prefix, '');

/**
 * The namespace's open workflows: each one's pending workflow task, pending activities (state,
 * attempt, last start and heartbeat, last failure) and children, and its newest history events.
 */
export async function describeOpenWorkflows(address: string, namespace: string, limit = 30): Promise<string> {
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
  try {
    const service = connection.workflowService;
    const open = await service.listOpenWorkflowExecutions({ namespace, maximumPageSize: limit });
    const lines = [`now ${new Date().toISOString().slice(11, 23)}; ${open.executions.length} open workflows`];
    for (const info of open.executions) {
      const execution = info.execution ?? {};
      const d = await service.describeWorkflowExecution({ namespace, execution });
      lines.push(`${info.type?.name} ${execution.workflowId} (started ${when(info.startTime)})`);
      const task = d.pendingWorkflowTask;
      if (task)
        lines.push(
          `  workflow task ${enumName(temporal.api.enums.v1.PendingWorkflowTaskState, task.state, 'PENDING_WORKFLOW_TASK_STATE_')}` +
            ` attempt ${task.attempt} scheduled ${when(task.scheduledTime)} started ${when(task.startedTime)}`,
        );
      for (const a of d.pendingActivities ?? [])
        lines.push(
          `  activity ${a.activityType?.name} ${enumName(temporal.api.enums.v1.PendingActivityState, a.state, 'PENDING_ACTIVITY_STATE_')}` +
            ` attempt ${a.attempt} scheduled ${when(a.scheduledTime)} started ${when(a.lastStartedTime)}` +
            ` heartbeat ${when(a.lastHeartbeatTime)} worker ${a.lastWorkerIdentity || '-'}` +
            (a.lastFailure?.message ? ` last failure: ${a.lastFailure.message.slice(0, 200)}` : ''),
        );
      for (const c of d.pendingChildren ?? []) lines.push(`  child ${c.workflowTypeName} ${c.workflowId}`);
      const history = await service.getWorkflowExecutionHistoryReverse({
        namespace,
        execution,
        maximumPageSize: 8,
      });
      const events = (history.history?.events ?? [])
        .map(
          (e) =>
            `${when(e.eventTime)} ${enumName(temporal.api.enums.v1.EventType, e.eventType, 'EVENT_TYPE_')}`,
        )
        .reverse();
      lines.push(`  last events: ${events.join(', ')}`);
    }
    return lines.join('\n');
  } finally {
    await connection.close();
  }
}

/** The sessions on this database that are not idle: their query, state, wait and age. */
export async function describeSessions(query: (sql: string) => Promise<Record<string, unknown>[]>) {
  const rows = await query(
    `SELECT pid, state, wait_event_type, wait_event, now() - xact_start AS xact_age,
            now() - query_start AS query_age, left(query, 160) AS query
       FROM pg_stat_activity
      WHERE state IS DISTINCT FROM 'idle' AND pid <> pg_backend_pid() AND datname = current_database()`,
  );
  return rows.length
    ? rows.map((r) => JSON.stringify(r)).join('\n')
    : 'no session is busy (none in a query or a transaction)';
}
