/**
 * What `sgc doctor` reports about the machine beyond the engines: its NVIDIA devices (nvidia-smi),
 * the CUDA provider installed by `sgc gpu setup`, tfjs-node(-gpu), and the Temporal server and store
 * the environment names, each tried with a short timeout. Passwords never show.
 */
import { spawnSync } from 'node:child_process';
import { installedVersion, NOT_INSTALLED, TFJS_TENSORFLOW_PACKAGES } from '../learn/engine/libraries.js';

export interface GpuDevice {
  index: number;
  name: string;
  memoryMiB: number;
  driver: string;
}

/** The NVIDIA devices nvidia-smi lists, [] when there is no nvidia-smi or no device. */
export function nvidiaDevices(): GpuDevice[] {
  const r = spawnSync(
    'nvidia-smi',
    ['--query-gpu=index,name,memory.total,driver_version', '--format=csv,noheader,nounits'],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (r.status !== 0 || !r.stdout) return [];
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [index, name, memory, driver] = line.split(',').map((s) => s.trim());
      return { index: Number(index), name, memoryMiB: Number(memory), driver };
    });
}

/** `postgresql://user:secret@host/db` → `postgresql://user:***@host/db` (and any password= parameter). */
export function maskUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@').replace(/(password=)[^&]*/gi, '$1***');
}

/** {package: version} of tfjs's optional libtensorflow packages that are installed. */
export function tensorflowPackages(): Record<string, string> {
  return Object.fromEntries(
    TFJS_TENSORFLOW_PACKAGES.map((p) => [p, installedVersion(p)]).filter(([, v]) => v !== NOT_INSTALLED),
  );
}
