/**
 * The numerical libraries an engine computes with, and their installed versions: part of a run's code
 * identity (src/learn/codeIdentity.ts), so that upgrading onnxruntime or tfjs trains runs afresh
 * instead of reusing numbers the old library computed. Only the libraries of the run's own engine
 * count: a tfjs upgrade leaves onnx runs cache hits.
 *
 * Versions are read from the packages' package.json at run time (what is installed, not what
 * package.json asks for). onnx-proto is left out: it only serialises the graphs sgc builds.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { nativeKernelCompiler } from '../../buildOutput.js';
import { NATIVE_KERNEL_VERSION } from './native/kernelVersion.js';

/** Written in place of a version for a package that is not installed here. */
export const NOT_INSTALLED = 'not installed';

const ONNX_PACKAGES = ['onnxruntime-node'] as const;
/**
 * tfjs's kernels live in its backend packages. A run whose config names no backend runs on the
 * worker's choice (wasm by default, or the worker's --backend), so both bundled backends count.
 */
const TFJS_PACKAGES = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
];
/** The optional packages behind tfjs's `tensorflow` backend (the same list as tfjs/backend.ts). */
export const TFJS_TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

const require = createRequire(import.meta.url);
const versions = new Map<string, string>();

/** The installed version of a package, or NOT_INSTALLED; read once per process. */
export function installedVersion(name: string): string {
  let version = versions.get(name);
  if (version === undefined) {
    try {
      const file = require.resolve(`${name}/package.json`);
      version = String((JSON.parse(readFileSync(file, 'utf8')) as { version: unknown }).version);
    } catch {
      version = NOT_INSTALLED;
    }
    versions.set(name, version);
  }
  return version;
}

/** The packages whose kernels compute a run on this engine and backend (none for the reference). */
export function enginePackages(engine: string, backend?: string): string[] {
  switch (engine) {
    case 'onnx':
      return [...ONNX_PACKAGES];
    case 'tfjs':
      return backend === 'tensorflow' ? [TFJS_PACKAGES[0], ...TFJS_TENSORFLOW_PACKAGES] : [...TFJS_PACKAGES];
    default:
      // The reference engine is plain TypeScript on Float64: its numbers are sgc's own code.
      return [];
  }
}

/**
 * The native engine's kernel is sgc's own code, with a version of its own (kernelVersion.ts),
 * compiled here: the compiler and its flags decide its rounding (e.g. whether a·b + c becomes one
 * FMA), so they count.
 */
function nativeCompiler(): string {
  try {
    return readFileSync(nativeKernelCompiler, 'utf8').trim();
  } catch {
    return NOT_INSTALLED;
  }
}

/** {package: installed version} for the engine's libraries, e.g. {"onnxruntime-node": "1.30.0"}. */
export function engineLibraries(engine: string, backend?: string): Record<string, string> {
  if (engine === 'native') return { cc: nativeCompiler(), kernel: String(NATIVE_KERNEL_VERSION) };
  return Object.fromEntries(enginePackages(engine, backend).map((name) => [name, installedVersion(name)]));
}
