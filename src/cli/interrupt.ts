/** Long-running commands (servers, workers, watches) end cleanly on Ctrl-C or a polite kill. */

/** Resolves with the signal's name on the first SIGINT or SIGTERM. */
export function untilInterrupted(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}
