/**
 * Node warnings that are about a library's internals rather than anything a user can change, kept
 * off the user's terminal. grpc-js (under the Temporal client) names a server it reaches by an IP
 * address in TLS's SNI, which RFC 6066 forbids, and Node warns about it (DEP0123) on each
 * connection: `--address 10.0.0.5:7233 --tls` would print it before every command's own output.
 * Certificate checks are unchanged: the IP is still verified against the certificate's SANs.
 */
const IGNORED = new Set(['DEP0123']);

export function quietLibraryWarnings(): void {
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const options = rest[0];
    const code =
      typeof options === 'object' && options !== null
        ? (options as { code?: string }).code
        : typeof rest[1] === 'string'
          ? rest[1]
          : (warning as { code?: string }).code;
    if (code !== undefined && IGNORED.has(code)) return;
    emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
}
