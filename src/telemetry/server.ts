/**
 * The /metrics endpoint that Prometheus scrapes, served by every worker and by `sgc up`. Plain
 * node:http: one route, no framework. Bound to 127.0.0.1 unless the caller says otherwise, because
 * the metrics name sweeps and groups that a user may not want to publish on the network.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InputError } from '../errors.js';
import type { Telemetry } from './metrics.js';

export interface MetricsServerOptions {
  host?: string;
  /** 0 picks a free port (tests). */
  port?: number;
  telemetry: Telemetry;
}

export interface MetricsServer {
  /** http://host:port/metrics */
  url: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_METRICS_PORT = 9464;

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const { telemetry } = options;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found: sgc serves /metrics only\n');
      return;
    }
    telemetry.metricsText().then(
      (text) => {
        res.writeHead(200, { 'content-type': telemetry.registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`collecting metrics failed: ${(error as Error).message}\n`);
      },
    );
  });
  // A scraper holding a keep-alive connection must not keep close() waiting.
  server.keepAliveTimeout = 5_000;
  const requested = options.port ?? DEFAULT_METRICS_PORT;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        reject(
          new InputError(
            `metrics port ${requested} on ${host} is already in use; choose another with --metrics-port (0 picks a free one)`,
          ),
        );
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
        reject(new InputError(`cannot serve metrics on host "${host}": ${error.code}; check --metrics-host`));
      else if (error.code === 'EACCES')
        reject(
          new InputError(
            `not allowed to listen on metrics port ${requested}; choose another with --metrics-port`,
          ),
        );
      else reject(error);
    };
    server.once('error', onError);
    server.listen(requested, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/metrics`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
