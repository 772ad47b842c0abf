/**
 * A gRPC front for a plain-text Temporal dev server, for tests and benchmarks: an HTTP/2 server
 * that forwards every stream to it and counts the calls per method (the :path, e.g.
 * `/temporal.api.workflowservice.v1.WorkflowService/PollActivityTaskQueue`).
 *
 * With `apiKey` it checks API keys as Temporal Cloud does, which the dev server does not: each call
 * whose `authorization` header is not `Bearer <key>` is refused with gRPC status 16
 * (UNAUTHENTICATED) in the trailers of an otherwise empty response. The SDKs send an API key as
 * that header on every call (the TypeScript client's `apiKey`, and the Rust core's behind the
 * worker's NativeConnection). With `tls` it speaks TLS, as Temporal Cloud's endpoints do; without,
 * plain HTTP/2. Nothing but the header is looked at: frames go through untouched, long polls and
 * cancellations included.
 */

import { readFileSync } from 'node:fs';
import {
  type ClientHttp2Session,
  connect,
  constants,
  createSecureServer,
  createServer,
  type Http2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';

export interface GrpcFront {
  address: string;
  /** Calls let through and calls refused, so far. */
  counts(): { forwarded: number; refused: number };
  /** Calls let through so far, per gRPC method (its last path segment). */
  methods(): Map<string, number>;
  stop(): Promise<void>;
}

const UNAUTHENTICATED = '16';
const UNAVAILABLE = '14';

/** Headers a proxy must not copy: HTTP/2 pseudo-headers it sets itself, and the key. */
function forwardable(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers))
    if (name === ':method' || name === ':path' || !(name.startsWith(':') || name === 'authorization'))
      out[name] = value;
  return out;
}

/** A response that is only a gRPC status (what a server says before or instead of any message). */
function refuse(stream: ServerHttp2Stream, status: string, message: string) {
  if (stream.destroyed || stream.closed) return;
  stream.resume();
  if (stream.headersSent) {
    stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': status, 'grpc-message': message }));
  stream.end();
}

export async function startGrpcFront(options: {
  /** host:port of the plain-text Temporal frontend behind. */
  target: string;
  /** Refuse calls without `authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Speak TLS with this certificate and key. */
  tls?: { cert: string; key: string };
}): Promise<GrpcFront> {
  let upstream: ClientHttp2Session | undefined;
  const session = () => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      upstream = connect(`http://${options.target}`);
      upstream.on('error', () => undefined);
    }
    return upstream;
  };
  let forwarded = 0;
  let refused = 0;
  const methods = new Map<string, number>();
  const server = options.tls
    ? createSecureServer({
        cert: readFileSync(options.tls.cert),
        key: readFileSync(options.tls.key),
        ALPNProtocols: ['h2'],
      })
    : createServer();
  const sessions = new Set<Http2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.on('sessionError', () => undefined);
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    if (options.apiKey !== undefined && headers['authorization'] !== `Bearer ${options.apiKey}`) {
      refused++;
      refuse(stream, UNAUTHENTICATED, 'Request unauthorized.');
      return;
    }
    forwarded++;
    const method = String(headers[':path']).split('/').pop() ?? '';
    methods.set(method, (methods.get(method) ?? 0) + 1);
    const call = session().request(forwardable(headers));
    call.on('error', () => refuse(stream, UNAVAILABLE, 'the server behind the front is gone'));
    let trailers: OutgoingHttpHeaders = {};
    call.on('response', (responseHeaders) => {
      if (stream.closed) return;
      // A status among the headers is a trailers-only response (an error before any message).
      const trailersOnly = 'grpc-status' in responseHeaders;
      stream.respond({ ...responseHeaders }, trailersOnly ? { endStream: true } : { waitForTrailers: true });
    });
    call.on('trailers', (received) => {
      trailers = { ...received };
    });
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    stream.pipe(call);
    call.pipe(stream);
    // A client that cancels (a worker's long poll at shutdown) cancels the forwarded call too.
    stream.on('close', () => {
      if (!call.closed) call.close(constants.NGHTTP2_CANCEL);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    address: `127.0.0.1:${port}`,
    counts: () => ({ forwarded, refused }),
    methods: () => new Map(methods),
    stop: () =>
      new Promise<void>((resolve) => {
        upstream?.destroy();
        server.close(() => resolve());
        // Sessions still open (workers' polls) would hold close() back.
        for (const s of sessions) s.destroy();
      }),
  };
}
