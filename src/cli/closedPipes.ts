/**
 * Output piped into a reader that has gone (`sgc group C11 | head -1`, `less` quit early, a closed
 * pipe) ends quietly: a write to it fails with EPIPE, which Node emits as an 'error' event on the
 * stream and, with no listener, turns into an uncaught exception with a stack trace. Here the
 * failure is swallowed once, for every command: the rest of the output goes nowhere (as it would
 * under SIGPIPE's default), and the command still finishes its own cleanup (a stack it started is
 * stopped, a store it opened is closed) instead of being cut off mid-way.
 */
export function quietOnClosedPipes(
  streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr],
) {
  for (const stream of streams)
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // EPIPE: the reader closed its end; ERR_STREAM_DESTROYED: a later write to the stream EPIPE ended.
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
      throw error;
    });
}
