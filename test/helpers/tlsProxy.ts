/**
 * A TLS front for a plain-text server: Temporal's dev server speaks gRPC without TLS, so tests put
 * this in front of it to stand for a secured cluster. It terminates TLS (offering HTTP/2 by ALPN,
 * as gRPC clients require), asks for and verifies a client certificate when `clientCa` is given
 * (mutual TLS), and pipes the bytes to the server. Refused handshakes are counted.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';

export interface TlsProxy {
  address: string;
  /** Handshakes refused (e.g. no client certificate, or one from another CA). */
  refused(): number;
  stop(): Promise<void>;
}

export async function startTlsProxy(options: {
  target: string;
  cert: string;
  key: string;
  clientCa?: string;
}): Promise<TlsProxy> {
  const [host, port] = options.target.split(':');
  const sockets = new Set<Socket>();
  let refused = 0;
  const server = createServer(
    {
      cert: readFileSync(options.cert),
      key: readFileSync(options.key),
      ALPNProtocols: ['h2'],
      ...(options.clientCa
        ? { ca: readFileSync(options.clientCa), requestCert: true, rejectUnauthorized: true }
        : {}),
    },
    (client: TLSSocket) => {
      const upstream = connect(Number(port), host);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    },
  );
  server.on('tlsClientError', () => refused++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const listening = typeof address === 'object' && address ? address.port : 0;
  return {
    address: `127.0.0.1:${listening}`,
    refused: () => refused,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
