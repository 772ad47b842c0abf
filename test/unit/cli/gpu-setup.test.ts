/** `sgc gpu setup`'s pure parts: what it reads from the onnxruntime-gpu wheel, the final line, and --undo. */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  cudaRequirements,
  cudaVersionOf,
  type GpuManifest,
  missingLibraries,
  setupSummary,
  undoCudaProvider,
} from '../../../src/cli/gpuSetup.js';

/** The lines of onnxruntime-gpu 1.30.0's METADATA that matter (as PyPI's wheel has them). */
const METADATA = `Name: onnxruntime-gpu
Version: 1.30.0
Requires-Dist: flatbuffers
Requires-Dist: numpy>=1.21.6
Provides-Extra: cuda
Requires-Dist: nvidia-cuda-nvrtc~=13.0; extra == "cuda"
Requires-Dist: nvidia-cuda-runtime~=13.0; extra == "cuda"
Requires-Dist: nvidia-cufft~=12.0; extra == "cuda"
Requires-Dist: nvidia-curand~=10.0; extra == "cuda"
Requires-Dist: nvidia-cudnn-cu13~=9.0; extra == "cudnn"
Requires-Dist: sympy; extra == "symbolic"
`;

describe('sgc gpu setup', () => {
  test('the NVIDIA wheels and the CUDA version come from the wheel itself', () => {
    assert.deepEqual(cudaRequirements(METADATA), [
      'nvidia-cuda-nvrtc~=13.0',
      'nvidia-cuda-runtime~=13.0',
      'nvidia-cufft~=12.0',
      'nvidia-curand~=10.0',
      'nvidia-cudnn-cu13~=9.0',
    ]);
    assert.equal(
      cudaVersionOf("package_name = 'onnxruntime-gpu'\n__version__ = '1.30.0'\ncuda_version = '13.0'\n"),
      '13.0',
    );
    assert.equal(cudaVersionOf('nothing'), undefined);
  });

  test('ldd tells "no driver here" from "libraries missing"; the last line says which', () => {
    const ldd = `\tlinux-vdso.so.1 (0x00007ffd)\n\tlibcublasLt.so.13 => /x/nvidia/cublas/lib/libcublasLt.so.13 (0x1)\n\tlibcuda.so.1 => not found\n`;
    assert.deepEqual(missingLibraries(ldd), ['libcuda.so.1']);
    const manifest: GpuManifest = {
      onnxruntime: '1.30.0',
      cuda: '13.0',
      requirements: [],
      libraryDirs: [],
      links: [],
    };
    assert.match(
      setupSummary('/d', manifest, ['libcuda.so.1']),
      /installed in \/d, but no NVIDIA driver or device is present/,
    );
    assert.match(setupSummary('/d', manifest, []), /the driver is here/);
    assert.match(
      setupSummary('/d', manifest, ['libcudart.so.13', 'libcuda.so.1']),
      /still lacks libcudart.so.13/,
    );
    for (const line of [setupSummary('/d', manifest, []), setupSummary('/d', manifest, ['libcuda.so.1'])])
      assert.ok(!line.includes('\n'));
  });

  test('--undo removes its links and folder, and leaves a file it did not make', () => {
    const root = mkdtempSync(join(tmpdir(), 'sgc-gpu-'));
    try {
      const home = join(root, '.sgc');
      const dir = join(home, 'gpu', 'onnxruntime-1.30.0');
      const runtime = join(root, 'runtime');
      mkdirSync(join(dir, 'lib'), { recursive: true });
      mkdirSync(runtime);
      const ours = join(runtime, 'libonnxruntime_providers_cuda.so');
      const theirs = join(runtime, 'libonnxruntime_providers_shared.so');
      writeFileSync(join(dir, 'lib', 'libonnxruntime_providers_cuda.so'), 'x');
      symlinkSync(join(dir, 'lib', 'libonnxruntime_providers_cuda.so'), ours);
      writeFileSync(theirs, 'not ours');
      const manifest: GpuManifest = {
        onnxruntime: '1.30.0',
        cuda: '13.0',
        requirements: [],
        libraryDirs: [],
        links: [ours, theirs],
      };
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
      assert.deepEqual(undoCudaProvider(home), [ours, dir]);
      assert.ok(!existsSync(join(home, 'gpu')));
      assert.throws(() => lstatSync(ours));
      assert.ok(existsSync(theirs), 'a real file in the runtime folder stays');
      assert.deepEqual(undoCudaProvider(home), [], 'a second undo has nothing to do');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
