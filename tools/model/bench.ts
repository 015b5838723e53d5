/**
 * Times one built model in onnxruntime-node (native) and onnxruntime-web (wasm, in Node), single-threaded,
 * rounds interleaved so machine noise hits both alike, and reports how far their outputs are apart.
 *
 *   npx node tools/model/bench.ts --model vgg16-synthetic [--out public/models] [--runs 5] [--warmup 2]
 *
 * Build the model first (tools/model/build.ts). Times are per inference, median of --runs.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as ortNode from 'onnxruntime-node';
import { median } from '../../src/core/util/stats.ts';
import * as ortWeb from 'onnxruntime-web';
import type { ModelManifest } from '../../src/core/model/manifest.ts';
import { GRAPH_FILE } from './model-manifest.ts';
import { syntheticCaffeInput } from './synthetic.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'vgg16-synthetic' },
    out: { type: 'string' },
    runs: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
  },
});
const id = values.model;
const dir = join(values.out === undefined ? join(REPO_ROOT, 'public', 'models') : resolve(values.out), id);
const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'models', `${id}.json`), 'utf8')) as ModelManifest;
const runs = Number(values.runs);
const warmup = Number(values.warmup);
const [, height, width] = manifest.input.shape as [number, number, number, number];
const input = syntheticCaffeInput(height, width);

let t = performance.now();
const nodeSession = await ortNode.InferenceSession.create(join(dir, GRAPH_FILE), {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
});
const nodeCreateMs = performance.now() - t;

ortWeb.env.wasm.numThreads = 1;
const modelBytes = new Uint8Array(await readFile(join(dir, GRAPH_FILE)));
// The form onnxruntime-web wants: path = the tensors' `location` (the manifest path), data = the bytes.
const externalData = await Promise.all(
  manifest.externalData.map(async (f) => ({ path: f.path, data: new Uint8Array(await readFile(join(dir, f.path))) })),
);
t = performance.now();
const webSession = await ortWeb.InferenceSession.create(modelBytes, { externalData });
const webCreateMs = performance.now() - t;

const runNode = async (): Promise<Float32Array> =>
  (await nodeSession.run({ [manifest.input.name]: new ortNode.Tensor('float32', input, manifest.input.shape) }))[manifest.output.name]!
    .data as Float32Array;
const runWeb = async (): Promise<Float32Array> =>
  (await webSession.run({ [manifest.input.name]: new ortWeb.Tensor('float32', input, manifest.input.shape) }))[manifest.output.name]!
    .data as Float32Array;

for (let i = 0; i < warmup; i++) {
  await runNode();
  await runWeb();
}
const times = { node: [] as number[], web: [] as number[] };
let outNode: Float32Array = new Float32Array();
let outWeb: Float32Array = new Float32Array();
for (let i = 0; i < runs; i++) {
  t = performance.now();
  outNode = await runNode();
  times.node.push(performance.now() - t);
  t = performance.now();
  outWeb = await runWeb();
  times.web.push(performance.now() - t);
}
let maxDiff = 0;
let maxAbs = 0;
for (let i = 0; i < outNode.length; i++) {
  maxDiff = Math.max(maxDiff, Math.abs(outNode[i]! - outWeb[i]!));
  maxAbs = Math.max(maxAbs, Math.abs(outNode[i]!));
}
const gmacs = (ms: number): string => (manifest.macs / ms / 1e6).toFixed(1);
const nodeMs = median(times.node);
const webMs = median(times.web);
console.log(`${id}: ${manifest.macs / 1e9} GMAC, output [1, ${outNode.length}], runs=${runs} warmup=${warmup}, 1 thread`);
console.log(
  `  onnxruntime-node: create ${nodeCreateMs.toFixed(0)} ms, median ${nodeMs.toFixed(1)} ms (${gmacs(nodeMs)} GMAC/s) [${times.node.map((x) => x.toFixed(0)).join(' ')}]`,
);
console.log(
  `  onnxruntime-web:  create ${webCreateMs.toFixed(0)} ms, median ${webMs.toFixed(1)} ms (${gmacs(webMs)} GMAC/s) [${times.web.map((x) => x.toFixed(0)).join(' ')}]`,
);
console.log(`  web/node ${(webMs / nodeMs).toFixed(2)}x; max |node - web| = ${maxDiff.toExponential(2)} (max |y| = ${maxAbs.toFixed(3)})`);
await nodeSession.release();
await webSession.release();
