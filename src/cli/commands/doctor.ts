/**
 * `sgc doctor`: what this machine can train with. Every engine × backend is loaded and runs one tiny
 * training step (src/learn/engine/selfCheck.ts, the check `sgc worker` runs before polling), with
 * its time; the NVIDIA devices with their memory; the CUDA provider of `sgc gpu setup`; the
 * optional tfjs-node(-gpu); and the Temporal server and store the environment names, each tried.
 */
import { InputError } from '../../errors.js';
import { findHome } from '../../home.js';
import { ENGINE_BACKENDS } from '../../learn/engine/backends.js';
import { ENGINE_NAMES } from '../../learn/engine/index.js';
import { defineCommand } from '../command.js';
import { seeHelp } from '../commandLine.js';
import { formatTable } from '../format.js';

const usage = `usage: sgc doctor [--json] [--device N]

What this machine can train with: for each engine and backend, whether it loads and the time of one
tiny training step (D3, k = 2, H = 16); the NVIDIA devices (name, memory, driver) and the CUDA
provider installed by \`sgc gpu setup\`; whether @tensorflow/tfjs-node-gpu is installed; and the
Temporal server (TEMPORAL_ADDRESS, or this folder's \`sgc up\`) and store (DATABASE_URL, or the
embedded store of the nearest .sgc/) the environment names, each tried (passwords masked).
Exit code 0 when at least one engine × backend trains here, 1 when none does.

Options:
  --json       one JSON object instead of the tables
  --device <n> the GPU the device backends are tried on (default 0)`;

interface Connection {
  target: string;
  ok: boolean;
  detail: string;
}

/** The Temporal server the environment names, tried as sweep commands connect (TLS, API key). */
async function temporalConnection(): Promise<Connection> {
  const [{ resolveStackTemporal }, { connectClient, describeTemporal }] = await Promise.all([
    import('../../temporal/stackTemporal.js'),
    import('../../temporal/connection.js'),
  ]);
  let target: ReturnType<typeof resolveStackTemporal>;
  try {
    target = resolveStackTemporal();
  } catch (error) {
    return { target: 'none', ok: false, detail: (error as Error).message.split('\n')[0] };
  }
  try {
    const client = await connectClient(target, 3000);
    await client.connection.close();
    return {
      target: describeTemporal(target),
      ok: true,
      detail: `answers, namespace ${target.namespace} exists`,
    };
  } catch (error) {
    // connectClient's one line says why: TLS, authorisation, namespace or reachability.
    const detail = (error as Error).message.replace(/^cannot use the Temporal server at .*?\): /, '');
    return { target: describeTemporal(target), ok: false, detail };
  }
}

/** The store the environment names, connected as sgc connects (libpq's sslmode, password sources). */
async function storeConnection(): Promise<Connection> {
  const url = process.env['DATABASE_URL']?.trim();
  if (!url) {
    const home = findHome();
    return home
      ? {
          target: `embedded store in ${home}`,
          ok: true,
          detail: 'started by sgc up / sgc worker when needed',
        }
      : { target: 'none', ok: false, detail: 'no DATABASE_URL and no .sgc/ folder here (sgc up makes one)' };
  }
  const { PgDriver, redactUrl } = await import('../../store/pg-driver.js');
  try {
    const driver = await PgDriver.connect(url, { max: 1 });
    try {
      const [row] = await driver.query<{ v: string; ssl: boolean | null }>(
        "SELECT current_setting('server_version') AS v, (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl",
      );
      return {
        target: redactUrl(url),
        ok: true,
        detail: `PostgreSQL ${row?.v}${row?.ssl ? ', TLS' : ', no TLS'}`,
      };
    } finally {
      await driver.close();
    }
  } catch (error) {
    const detail = (error as Error).message.replace(/^cannot connect to PostgreSQL at \S+: /, '');
    return { target: redactUrl(url), ok: false, detail };
  }
}

export const doctorCommand = defineCommand({
  usage,
  options: { json: { type: 'boolean' }, device: { type: 'string' } },
  examples: ['sgc doctor', 'sgc doctor --json --device 0'],
  async run({ values, positionals }) {
    if (positionals.length)
      throw new InputError(`unexpected argument "${positionals[0]}" (${seeHelp(usage)})`);
    const device = values.device === undefined ? undefined : Number(values.device);
    if (device !== undefined && !(Number.isInteger(device) && device >= 0))
      throw new InputError(`--device ${values.device}: a GPU number, 0 or more`);
    const [{ checkBackend }, machine, gpu, { installedVersion }] = await Promise.all([
      import('../../learn/engine/selfCheck.js'),
      import('../machine.js'),
      import('../gpuSetup.js'),
      import('../../learn/engine/libraries.js'),
    ]);
    const backends = [];
    // The progress line rewrites itself: only on a terminal, not into a log or a pipe.
    const live = !values.json && process.stderr.isTTY;
    for (const engine of ENGINE_NAMES)
      for (const backend of ENGINE_BACKENDS[engine]) {
        if (live) process.stderr.write(`\rchecking ${engine}/${backend} …${' '.repeat(20)}`);
        backends.push(await checkBackend(engine, backend, device));
      }
    if (live) process.stderr.write(`\r${' '.repeat(50)}\r`);
    const home = findHome();
    const gpuDir = home ? gpu.gpuDir(home) : undefined;
    const manifest = gpuDir ? gpu.readManifest(gpuDir) : undefined;
    const report = {
      backends,
      devices: machine.nvidiaDevices(),
      cudaProvider: manifest
        ? {
            installed: true,
            dir: gpuDir,
            cuda: manifest.cuda,
            onnxruntime: manifest.onnxruntime,
            missing: gpu.providerMissing(gpuDir as string),
          }
        : { installed: false, onnxruntime: installedVersion('onnxruntime-node') },
      tensorflow: machine.tensorflowPackages(),
      temporal: await temporalConnection(),
      store: await storeConnection(),
    };
    const trains = backends.some((b) => b.ok);
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
      return trains ? 0 : 1;
    }
    const ms = (x: number | undefined) => (x === undefined ? '' : x < 10 ? x.toFixed(2) : x.toFixed(0));
    console.log(
      formatTable(
        ['engine', 'backend', 'trains', 'load ms', 'step ms', 'why not'],
        backends.map((b) => [
          b.engine,
          b.backend,
          b.ok ? 'yes' : 'no',
          ms(b.loadMs),
          ms(b.stepMs),
          b.error ?? '',
        ]),
      ),
    );
    console.log('');
    console.log(
      report.devices.length
        ? report.devices
            .map((d) => `GPU ${d.index}: ${d.name}, ${d.memoryMiB} MiB, driver ${d.driver}`)
            .join('\n')
        : 'GPUs: none (no nvidia-smi, or it lists no device)',
    );
    const cp = report.cudaProvider;
    console.log(
      cp.installed && 'missing' in cp
        ? `CUDA provider: CUDA ${cp.cuda} for onnxruntime ${cp.onnxruntime} in ${cp.dir}` +
            (cp.missing?.length ? `; missing here: ${cp.missing.join(', ')}` : '; all its libraries found')
        : `CUDA provider: not installed (sgc gpu setup installs it for onnxruntime-node ${cp.onnxruntime})`,
    );
    const tf = Object.entries(report.tensorflow);
    console.log(
      tf.length
        ? `tfjs tensorflow backend packages: ${tf.map(([p, v]) => `${p} ${v}`).join(', ')}`
        : 'tfjs tensorflow backend packages: none (docs/training.md, "GPUs", says how to install @tensorflow/tfjs-node-gpu)',
    );
    for (const [name, c] of [
      ['Temporal', report.temporal],
      ['store', report.store],
    ] as const)
      console.log(`${name}: ${c.target}: ${c.ok ? 'ok' : 'not ok'}, ${c.detail}`);
    return trains ? 0 : 1;
  },
});
