/**
 * `sgc gpu setup [--undo]`: installs onnxruntime-node's CUDA provider and the NVIDIA libraries from
 * PyPI (src/cli/gpuSetup.ts), or removes them.
 */
import { InputError } from '../../errors.js';
import { findOrCreateHome } from '../../home.js';
import { defineCommand } from '../command.js';
import { seeHelp } from '../commandLine.js';

const usage = `usage: sgc gpu setup [--undo] [--runtime-dir DIR] [--python PY]

Installs the CUDA execution provider for the onnx engine (sgc worker --engine onnx --backend cuda):
the provider libraries of PyPI's onnxruntime-gpu of exactly the installed onnxruntime-node version,
and the NVIDIA runtime wheels its metadata names (CUDA runtime, cuBLAS, cuFFT, cuRAND, NVRTC,
cuDNN; for onnxruntime 1.30.0 these are CUDA 13 builds, which need an NVIDIA driver ≥ 580). They go
to .sgc/gpu/onnxruntime-<version>/ (several GB, downloaded with pip), and links to the provider go
into onnxruntime-node's binary folder. sgc sets the provider's library path itself (its RUNPATH):
no LD_LIBRARY_PATH. Run it again after npm ci or an onnxruntime-node upgrade; it reuses pip's
downloads. Ends with one line: installed, and whether this machine has a driver and device.

Options:
  --undo              remove the links and the folder again
  --runtime-dir <d>   onnxruntime-node's binary folder to link the provider into (default: the
                      installed package's bin/napi-v6/<platform>/<arch>)
  --python <py>       the Python whose pip downloads (default python3)`;

export const gpuSetupCommand = defineCommand({
  usage,
  options: { undo: { type: 'boolean' }, 'runtime-dir': { type: 'string' }, python: { type: 'string' } },
  examples: ['sgc gpu setup', 'sgc gpu setup --undo'],
  async run({ values, positionals }) {
    if (positionals.length)
      throw new InputError(`unexpected argument "${positionals[0]}" (${seeHelp(usage)})`);
    const setup = await import('../gpuSetup.js');
    const home = findOrCreateHome();
    if (values.undo) {
      const removed = setup.undoCudaProvider(home);
      console.log(
        removed.length
          ? `sgc gpu setup --undo: removed ${removed.join(', ')}`
          : 'sgc gpu setup --undo: nothing to remove',
      );
      return 0;
    }
    const { dir, manifest } = setup.setupCudaProvider({
      home,
      ...(values['runtime-dir'] ? { runtimeDir: values['runtime-dir'] } : {}),
      ...(values.python ? { python: values.python } : {}),
    });
    console.log(setup.setupSummary(dir, manifest, setup.providerMissing(dir)));
    return 0;
  },
});
