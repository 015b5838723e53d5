/**
 * Embed time and wasm memory of a model served by `wrangler dev` (the Worker in local workerd).
 *
 *   node tools/bench/embed-workerd.ts [--model vgg16-synthetic] [--runs 10] [--image PATH]
 *
 * Prints: first request (model load + first inference), then the median and p90 of `runs` sequential
 * embeds, and onnxruntime's wasm memory after 1 request, after `runs`, and after `runs` more sent at once.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { quantile } from '../../src/core/util/stats.ts';
import { startWranglerDev } from './wrangler-dev.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'vgg16-synthetic' },
    runs: { type: 'string', default: '10' },
    image: { type: 'string', default: new URL('../../../shared/fixtures/images/chelsea.png', import.meta.url).pathname },
  },
});
const runs = Number(values.runs);
const image = new Uint8Array(await readFile(values.image!));
const type = values.image!.endsWith('.png') ? 'image/png' : 'image/jpeg';

const mib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / 2 ** 20).toFixed(1)} MiB`);

const server = await startWranglerDev({ MODEL_ID: values.model! });
try {
  const embed = async () => {
    const started = performance.now();
    const response = await fetch(`${server.url}/v1/embed`, { method: 'POST', body: image, headers: { 'content-type': type } });
    if (!response.ok) throw new Error(`embed answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
    return performance.now() - started;
  };
  const memory = async () =>
    ((await (await fetch(`${server.url}/healthz`)).json()) as { runtime: { wasmMemoryBytes?: number } }).runtime.wasmMemoryBytes;

  const first = await embed();
  const afterOne = await memory();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await embed());
  const afterRuns = await memory();
  const concurrentStarted = performance.now();
  await Promise.all(Array.from({ length: runs }, embed));
  const concurrentMs = performance.now() - concurrentStarted;
  const afterConcurrent = await memory();

  console.log(`model ${values.model} in local workerd (wrangler dev), image ${values.image}`);
  console.log(`first request (load + verify + session + first embed): ${first.toFixed(0)} ms`);
  console.log(`embed, ${runs} sequential: median ${quantile(times, 0.5).toFixed(0)} ms, p90 ${quantile(times, 0.9).toFixed(0)} ms`);
  console.log(`${runs} concurrent: ${concurrentMs.toFixed(0)} ms in all (serialised per isolate)`);
  console.log(
    `wasm memory: after 1 request ${mib(afterOne)}, after ${runs + 1} ${mib(afterRuns)}, after ${runs} more concurrent ${mib(afterConcurrent)}`,
  );
} finally {
  await server.stop();
}
