/**
 * What `sgc up` and `sgc db serve` tell a user about the embedded store they keep running: the
 * read-only URL for psql, and the environment Grafana's provisioned data source reads
 * (dashboards/provisioning/datasources/sgc.yaml).
 */

import type { AttachedStore } from './attach.js';
import { loginUrl } from './credentials.js';

export function readerUrl(store: AttachedStore, host = '127.0.0.1'): string {
  return loginUrl(store.credentials.reader, store.port, store.credentials.database, host);
}

/** `NAME=value` pairs for Grafana's provisioning (and anything else that reads the same names). */
export function grafanaEnvironment(store: AttachedStore, host = '127.0.0.1'): string {
  return [
    `SGC_PG_HOST=${host}`,
    `SGC_PG_PORT=${store.port}`,
    `SGC_PG_DATABASE=${store.credentials.database}`,
    `SGC_READER_PASSWORD=${store.credentials.reader.password}`,
  ].join(' ');
}
