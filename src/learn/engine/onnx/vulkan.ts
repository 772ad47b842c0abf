/**
 * Whether the webgpu provider can find Vulkan, asked before onnxruntime is: on Linux its Dawn
 * backend loads the Vulkan loader (libvulkan.so.1), and where that is missing Dawn's native code
 * prints a two-line "Couldn't load Vulkan" warning with a build path straight to stderr, which
 * nothing in JavaScript can capture. Asking first turns that into sgc's one-line reason.
 */
const LOADER = 'libvulkan.so.1';

let missing: string | undefined | null = null;

/** Why webgpu cannot start here (no Vulkan loader), or undefined when the loader is there. */
export function vulkanMissing(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  if (missing !== null) return missing;
  try {
    // dlopen finds the library as Dawn would (ld.so's search path); a present library that is not
    // a Node add-on fails afterwards with "did not self-register", which means found.
    process.dlopen({ exports: {} }, LOADER);
    missing = undefined;
  } catch (error) {
    const message = (error as Error).message;
    missing = /cannot open shared object file/.test(message)
      ? `${LOADER} not found: webgpu on Linux needs the Vulkan loader and a GPU's Vulkan driver`
      : undefined;
  }
  return missing;
}
