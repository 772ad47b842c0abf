/**
 * Installs the dashboards in a running Grafana through its HTTP API: one
 * POST /api/dashboards/db per dashboard, overwriting the one with the same uid. Errors a user can
 * fix (a bad URL, an unreachable server, a rejected token) are InputErrors naming the dashboard and
 * what Grafana said.
 */
import { InputError } from '../../errors.js';
import { type DashboardFile, dashboards } from './index.js';

export interface PushOptions {
  grafanaUrl: string;
  token: string;
  /** Grafana folder to put them in; its uid. */
  folderUid?: string;
  list?: readonly DashboardFile[];
  /** Per request, in ms. */
  timeoutMs?: number;
}

export interface PushResult {
  title: string;
  uid: string;
  url?: string;
  version?: number;
}

function apiUrl(base: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new InputError(`--grafana-url "${base}" is not a URL (e.g. http://127.0.0.1:3000)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InputError(`--grafana-url "${base}": only http and https URLs are supported`);
  // Grafana may be served under a sub-path (root_url = …/grafana/): keep it.
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  return new URL(`${path}api/dashboards/db`, url);
}

function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export async function pushDashboards(options: PushOptions): Promise<PushResult[]> {
  const url = apiUrl(options.grafanaUrl);
  if (!options.token.trim()) throw new InputError('--token is empty: give a Grafana service account token');
  const results: PushResult[] = [];
  for (const { dashboard } of options.list ?? dashboards) {
    const body = {
      dashboard: { ...dashboard, id: null },
      overwrite: true,
      message: 'sgc dashboards push',
      ...(options.folderUid ? { folderUid: options.folderUid } : {}),
    };
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${options.token}`,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new InputError(`cannot reach Grafana at ${url.origin}: ${why}`);
    }
    const text = await response.text();
    if (!response.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // not JSON: keep the text
      }
      throw new InputError(
        `Grafana refused dashboard "${dashboard.title}" (${dashboard.uid}): HTTP ${response.status} ${response.statusText}${message ? `: ${oneLine(message)}` : ''}`,
      );
    }
    let reply: { uid?: string; url?: string; version?: number } = {};
    try {
      reply = JSON.parse(text);
    } catch {
      // Grafana answers JSON; a proxy in between may not. The status said it worked.
    }
    results.push({
      title: dashboard.title ?? '',
      uid: reply.uid ?? dashboard.uid ?? '',
      url: reply.url,
      version: reply.version,
    });
  }
  return results;
}
