/**
 * Where the Temporal server is: TEMPORAL_ADDRESS (default 127.0.0.1:7233) and TEMPORAL_NAMESPACE
 * (default `default`), and connections to it that fail with one clear message.
 */
import { Client, Connection } from '@temporalio/client';
import { InputError } from '../errors.js';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export interface TemporalTarget {
  address: string;
  namespace: string;
}

export function resolveTemporal(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  return {
    address: env['TEMPORAL_ADDRESS']?.trim() || DEFAULT_TEMPORAL_ADDRESS,
    namespace: env['TEMPORAL_NAMESPACE']?.trim() || 'default',
  };
}

/** A client, or an InputError saying which server could not be reached and how to start one. */
export async function connectClient(
  target: TemporalTarget = resolveTemporal(),
  timeoutMs = 5000,
): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: target.address, connectTimeout: timeoutMs });
    await connection.workflowService.describeNamespace({ namespace: target.namespace });
  } catch (error) {
    throw new InputError(
      `cannot reach the Temporal server at ${target.address} (namespace ${target.namespace}): ` +
        `${(error as Error).message.split('\n')[0]}. Start one with \`sgc up\`, or set TEMPORAL_ADDRESS`,
    );
  }
  return new Client({ connection, namespace: target.namespace });
}

/** True when a Temporal frontend answers at the address within the timeout. */
export async function isTemporalReachable(target: TemporalTarget, timeoutMs = 2000): Promise<boolean> {
  try {
    const client = await connectClient(target, timeoutMs);
    await client.connection.close();
    return true;
  } catch {
    return false;
  }
}
