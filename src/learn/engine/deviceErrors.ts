/**
 * Which training errors are the device's and not the run's: a worker that meets one gives the run
 * back (DEVICE_ERROR in src/sweep/messages.ts) instead of spending the run's retries on a machine
 * that cannot train it.
 */
import { DeviceError } from '../../errors.js';
import { DEVICE_BACKENDS } from './backends.js';

/**
 * What onnxruntime's CUDA provider, cuDNN/cuBLAS and libtensorflow say when the device fails: out of
 * memory, a lost or reset device, a driver that went away, a library that cannot be loaded.
 */
const DEVICE_MESSAGES =
  /out of memory|CUDA|cuDNN|cuBLAS|CUBLAS|CUDNN|device|driver|Failed to load shared library|cannot open shared object|OOM|ResourceExhausted/i;

export function isDeviceFailure(error: unknown, backend: string): boolean {
  if (error instanceof DeviceError) return true;
  if (!DEVICE_BACKENDS.includes(backend)) return false;
  return error instanceof Error && DEVICE_MESSAGES.test(error.message);
}
