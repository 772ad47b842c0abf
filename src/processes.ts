/** Questions about other processes on this machine, by PID. */

/**
 * Whether a process with this PID exists. Signal 0 checks without sending anything; EPERM means it
 * exists but belongs to another user (the embedded PostgreSQL runs as `postgres` when we are root).
 */
export function isAlive(pid: number | undefined): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
