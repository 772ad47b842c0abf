/**
 * A node:test reporter for test/run.ts: the seconds each test file's top-level tests took, as one
 * JSON object { file: seconds } written when the run ends. run.ts prints the slowest files of each
 * phase from it, so that whoever makes the suite faster starts from measured figures.
 *
 * Plain JavaScript: node loads reporters before the tsx hook is in place.
 *
 * @param {AsyncIterable<{type: string, data: {nesting?: number, file?: string, details?: {duration_ms?: number}}}>} source
 */
export default async function* fileTimes(source) {
  /** @type {Record<string, number>} */
  const seconds = {};
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { nesting, file, details } = event.data;
    if (nesting !== 0 || !file || details?.duration_ms === undefined) continue;
    seconds[file] = (seconds[file] ?? 0) + details.duration_ms / 1000;
  }
  yield `${JSON.stringify(seconds)}\n`;
}
