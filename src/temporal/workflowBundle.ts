/**
 * The workflow code as Temporal's workers load it: one webpack bundle of workflows/index (Temporal
 * runs workflows in a sandbox from a bundle, never from the module graph). Bundling takes seconds of
 * CPU, so `npm run build` makes it once (dist/workflow-bundle.js) and a process uses that file when
 * it holds the code the process runs: always from the compiled CLI (the same build made both), and
 * from the sources (tsx: tests, `npm run sgc`) only while no source has changed since that build.
 * Otherwise the process bundles for itself, once.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import { distDir, staleBuild, workflowBundleFile } from '../buildOutput.js';
import { moduleExtension } from '../codeLocation.js';

/** workflows/index of the code this process runs (the .ts sources under tsx, dist/ compiled). */
export const workflowsPath = fileURLToPath(
  new URL(`../../workflows/index${moduleExtension}`, import.meta.url),
);

const quietLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn(message: string) {
    console.error(`temporal: ${message}`);
  },
  error(message: string) {
    console.error(`temporal: ${message}`);
  },
};

/** The bundle of dist/workflows, as `npm run build` writes it to dist/workflow-bundle.js. */
export async function bundleCompiledWorkflows(): Promise<string> {
  const workflows = join(distDir, 'workflows', 'index.js');
  return (await bundleWorkflowCode({ workflowsPath: workflows, logger: quietLogger })).code;
}

/** dist/workflow-bundle.js when it holds the code this process runs, else undefined. */
function builtBundle(): WorkflowBundleOption | undefined {
  if (!existsSync(workflowBundleFile)) return undefined;
  if (moduleExtension === '.ts' && staleBuild() !== undefined) return undefined;
  return { codePath: workflowBundleFile };
}

let bundle: Promise<WorkflowBundleOption> | undefined;
/** The workflow code, bundled once per build (or, from changed sources, once per process). */
export function workflowBundle(): Promise<WorkflowBundleOption> {
  if (!bundle) {
    const built = builtBundle();
    bundle = built ? Promise.resolve(built) : bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  }
  return bundle;
}
