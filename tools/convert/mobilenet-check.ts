/**
 * Checks the converted MobileNetV2 (nsfwjs) ONNX model against its TF.js original and on real photos.
 *
 *   npx node tools/convert/mobilenet-check.ts [--runs N]
 *
 * Prints: max |ONNX - TF.js| of the feature vector (TF.js CPU backend vs onnxruntime-node and
 * onnxruntime-web wasm, 1 thread), one-inference timings, and cosine similarities of the keras224 fixture
 * arrays (../shared/fixtures/keras224, nearest-resized RGB, scaled to [0, 1]).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { median } from '../../src/core/util/stats.ts';
import { cosine } from '../../src/core/vector/metrics.ts';
import { serializeModel } from '../model/onnx-writer.ts';
import { buildMobilenetV2Nsfwjs, findFeatureVectorNode } from './mobilenet-v2-nsfwjs.ts';
import { loadNsfwjsModel } from './nsfwjs.ts';
import { tfjsModelArtifacts } from './tfjs-graph.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const KERAS224 = fileURLToPath(new URL('../../../shared/fixtures/keras224/', import.meta.url));
const SHAPE = [1, 224, 224, 3];

function rgbToUnit(name: string): Float32Array {
  const bytes = readFileSync(`${KERAS224}${name}.rgb`);
  if (bytes.length !== 224 * 224 * 3) throw new Error(`${name}: ${bytes.length} bytes`);
  return Float32Array.from(bytes, (v) => v / 255);
}
function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const source = loadNsfwjsModel('mobilenet_v2_mid');
const built = buildMobilenetV2Nsfwjs({ source });
const serialized = serializeModel(built.spec);
const externalData = serialized.dataFiles.map((f) => ({ path: f.path, data: f.bytes }));

// TF.js reference
await tf.setBackend('cpu');
const artifacts = tfjsModelArtifacts(source.model, source.shards);
const tfModel = await tf.loadGraphModel({ load: async () => artifacts as unknown as tf.io.ModelArtifacts });
const featureNode = findFeatureVectorNode(source.model.modelTopology.node).name;
async function runTf(input: Float32Array): Promise<Float32Array> {
  const x = tf.tensor4d(input, SHAPE as [number, number, number, number]);
  const y = tfModel.execute(x, featureNode) as tf.Tensor;
  const data = (await y.data()) as Float32Array;
  x.dispose();
  y.dispose();
  return data;
}

// ORT: node reads the data files from memory too (externalData session option works in both).
const nodeSession = await ortNode.InferenceSession.create(serialized.model, {
  externalData,
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
} as ortNode.InferenceSession.SessionOptions);
ortWeb.env.wasm.numThreads = 1;
const webSession = await ortWeb.InferenceSession.create(serialized.model, { externalData });
async function runNode(input: Float32Array): Promise<Float32Array> {
  return (await nodeSession.run({ input: new ortNode.Tensor('float32', input, SHAPE) }))['features']!.data as Float32Array;
}
async function runWeb(input: Float32Array): Promise<Float32Array> {
  return (await webSession.run({ input: new ortWeb.Tensor('float32', input, SHAPE) }))['features']!.data as Float32Array;
}

const parityInputs: [string, Float32Array][] = [
  ['chelsea.png', rgbToUnit('chelsea.png')],
  ['astronaut.png', rgbToUnit('astronaut.png')],
  ['uniform noise', Float32Array.from({ length: 224 * 224 * 3 }, (_, i) => ((i * 2654435761) >>> 0) / 2 ** 32)],
];
for (const [name, input] of parityInputs) {
  const t0 = performance.now();
  const ref = await runTf(input);
  const tfMs = performance.now() - t0;
  const a = await runNode(input);
  const b = await runWeb(input);
  let maxRef = 0;
  for (const v of ref) maxRef = Math.max(maxRef, Math.abs(v));
  console.log(
    `${name}: max|tfjs|=${maxRef.toFixed(3)}  max|node-tfjs|=${maxAbsDiff(a, ref).toExponential(2)}  max|web-tfjs|=${maxAbsDiff(b, ref).toExponential(2)}  max|web-node|=${maxAbsDiff(a, b).toExponential(2)}  (tfjs cpu ${tfMs.toFixed(0)} ms)`,
  );
}

const input = parityInputs[0]![1];
for (let i = 0; i < 2; i++) {
  await runNode(input);
  await runWeb(input);
}
const nodeMs: number[] = [];
const webMs: number[] = [];
for (let i = 0; i < runs; i++) {
  let t = performance.now();
  await runNode(input);
  nodeMs.push(performance.now() - t);
  t = performance.now();
  await runWeb(input);
  webMs.push(performance.now() - t);
}
console.log(
  `timing (median of ${runs}, 1 thread): ort-node ${median(nodeMs).toFixed(1)} ms [${nodeMs.map((v) => v.toFixed(0)).join(' ')}], ort-web wasm ${median(webMs).toFixed(1)} ms [${webMs.map((v) => v.toFixed(0)).join(' ')}]`,
);

const names = [
  'chelsea.png',
  'chelsea-q90.jpg',
  'chelsea.webp',
  'chelsea-gray.jpg',
  'coffee.png',
  'astronaut.png',
  'rocket.jpg',
  'motorcycle_left.png',
  'camera.png',
  'hubble_deep_field.jpg',
];
const vecs = new Map<string, Float32Array>();
for (const n of names) vecs.set(n, await runNode(rgbToUnit(n)));
const pad = (s: string, w: number) => s.padEnd(w);
console.log(pad('', 22) + names.map((n) => pad(n.replace(/\.(png|jpg|webp)$/, '').slice(0, 9), 10)).join(''));
for (const a of names) {
  console.log(pad(a, 22) + names.map((b) => pad(cosine(vecs.get(a)!, vecs.get(b)!).toFixed(3), 10)).join(''));
}
await nodeSession.release();
await webSession.release();
