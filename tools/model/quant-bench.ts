/**
 * Compares the int8 ONNX forms of a VGG16 recipe's weights in onnxruntime-web (wasm, 1 thread, in Node):
 * time per image, fidelity against the fp32 model, file sizes, and wasm memory.
 *
 *   taskset -c 1 npx node tools/model/quant-bench.ts [--model vgg16-synthetic] [--runs 7] [--warmup 2]
 *       [--variants fp32,qlinear-u8,...]   (default: all; qlinear-s8 takes ~8 s a run)
 *       [--memory]        wasm memory per variant instead of timing, each in a fresh process
 *       [--calibration]   calibration methods compared (minmax, percentiles; in-sample and leave-one-out)
 *       [--first-conv]    the 3-channel first conv alone (a one-conv model: conv, pool, GAP), int8 vs fp32
 *
 * Timing: every session is created first, then each round runs every variant once on the same image, in an
 * order rotated round by round, so machine noise hits all variants alike; the median of --runs rounds after
 * --warmup rounds is reported. Fidelity: cosine and relative L2 error of each variant's output against the
 * fp32 model's (onnxruntime-node) on the calibration images, plus the cosine after subtracting the mean
 * fp32 vector of those images (raw cosines of VGG features are all ~0.98 even between unrelated images).
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mean, median } from '../../src/core/util/stats.ts';
import { cosine } from '../../src/core/vector/metrics.ts';
import { caffeTensor, loadCalibrationSet } from './calibration-set.ts';
import { calibrateVgg16, type ActivationRanges, type CalibrationOptions } from './calibrate.ts';
import { serializeModel, type SerializedModel } from './onnx-writer.ts';
import { openSession, type ToolSession } from './ort-sessions.ts';
import { QUANT_SERIALIZE_OPTIONS, quantizedVgg16Spec, type QuantGraphOptions } from './quantize.ts';
import { findSyntheticVgg16 } from './recipes.ts';
import { syntheticVgg16Weights } from './synthetic.ts';
import { buildVgg16Graph, vgg16Macs, type KerasConvWeights, type Vgg16Config } from './vgg16.ts';

// Capture onnxruntime-web's wasm memory (imported by the module it instantiates) to read its size.
const wasmMemories: WebAssembly.Memory[] = [];
const originalInstantiate = WebAssembly.instantiate.bind(WebAssembly);
(WebAssembly as unknown as { instantiate: unknown }).instantiate = async (source: unknown, imports?: WebAssembly.Imports) => {
  for (const ns of Object.values(imports ?? {})) {
    for (const v of Object.values(ns as Record<string, unknown>)) if (v instanceof WebAssembly.Memory) wasmMemories.push(v);
  }
  const result = await (
    originalInstantiate as (
      s: unknown,
      i?: WebAssembly.Imports,
    ) => Promise<WebAssembly.WebAssemblyInstantiatedSource | WebAssembly.Instance>
  )(source, imports);
  const instance = result instanceof WebAssembly.Instance ? result : result.instance;
  for (const v of Object.values(instance.exports)) if (v instanceof WebAssembly.Memory) wasmMemories.push(v);
  return result;
};
const wasmMiB = (): number => wasmMemories.reduce((s, m) => s + m.buffer.byteLength, 0) / 2 ** 20;

export const VARIANTS: Readonly<Record<string, QuantGraphOptions | 'fp32'>> = {
  fp32: 'fp32',
  'qlinear-u8': { form: 'qlinear', activations: 'uint8' },
  'qdq-u8': { form: 'qdq', activations: 'uint8' },
  'qlinear-s8': { form: 'qlinear', activations: 'int8' },
  'qdq-s8': { form: 'qdq', activations: 'int8' },
  'qlinear-u8-fp32conv1': { form: 'qlinear', activations: 'uint8', fp32Layers: ['block1_conv1'] },
  'qlinear-u8-strips': { form: 'qlinear', activations: 'uint8', strips: { 1: 8, 2: 4 } },
  'qlinear-u8-strips-fp32conv1': { form: 'qlinear', activations: 'uint8', fp32Layers: ['block1_conv1'], strips: { 1: 8, 2: 4 } },
  'qlinear-u8-strips3': { form: 'qlinear', activations: 'uint8', strips: { 1: 8, 2: 4, 3: 4 } },
  'qlinear-u8-strips3x2': { form: 'qlinear', activations: 'uint8', strips: { 1: 8, 2: 4, 3: 2 } },
  'qlinear-u8-strips3-fp32conv1': { form: 'qlinear', activations: 'uint8', fp32Layers: ['block1_conv1'], strips: { 1: 8, 2: 4, 3: 4 } },
  'qdq-u8-strips3': { form: 'qdq', activations: 'uint8', strips: { 1: 8, 2: 4, 3: 4 } },
};

const relErr = (ref: ArrayLike<number>, x: ArrayLike<number>): number => {
  let n = 0;
  let d = 0;
  for (let i = 0; i < ref.length; i++) {
    n += (ref[i]! - x[i]!) ** 2;
    d += ref[i]! ** 2;
  }
  return Math.sqrt(n / d);
};

interface Fidelity {
  readonly cosMean: number;
  readonly cosMin: number;
  readonly centeredMean: number;
  readonly centeredMin: number;
  readonly relErrMean: number;
  readonly relErrMax: number;
}

function fidelity(refs: readonly Float32Array[], outs: readonly Float32Array[]): Fidelity {
  const dims = refs[0]!.length;
  const centre = new Float64Array(dims);
  for (const r of refs) for (let i = 0; i < dims; i++) centre[i]! += r[i]! / refs.length;
  const centred = (v: Float32Array): Float64Array => Float64Array.from(v, (x, i) => x - centre[i]!);
  const cos = refs.map((r, i) => cosine(r, outs[i]!));
  const ccos = refs.map((r, i) => cosine(centred(r), centred(outs[i]!)));
  const rel = refs.map((r, i) => relErr(r, outs[i]!));
  return {
    cosMean: mean(cos),
    cosMin: Math.min(...cos),
    centeredMean: mean(ccos),
    centeredMin: Math.min(...ccos),
    relErrMean: mean(rel),
    relErrMax: Math.max(...rel),
  };
}

const fmtFidelity = (f: Fidelity): string =>
  `cos ${f.cosMean.toFixed(6)}/${f.cosMin.toFixed(6)}  centred cos ${f.centeredMean.toFixed(5)}/${f.centeredMin.toFixed(5)}  ` +
  `rel L2 ${f.relErrMean.toFixed(4)}/${f.relErrMax.toFixed(4)}`;

function buildVariant(
  name: string,
  config: Vgg16Config,
  weights: ReadonlyMap<string, KerasConvWeights>,
  ranges: ActivationRanges,
): SerializedModel {
  const variant = VARIANTS[name];
  if (variant === undefined) throw new Error(`unknown variant ${name}; known: ${Object.keys(VARIANTS).join(', ')}`);
  if (variant === 'fp32') return serializeModel({ graph: buildVgg16Graph(config, weights) });
  return serializeModel(quantizedVgg16Spec(config, weights, ranges, variant), QUANT_SERIALIZE_OPTIONS);
}

const sizeOf = (m: SerializedModel): number => m.model.byteLength + m.dataFiles.reduce((s, f) => s + f.bytes.byteLength, 0);

async function runFp32Refs(model: SerializedModel, inputs: readonly Float32Array[], shape: readonly number[]): Promise<Float32Array[]> {
  const session = await openSession('node', model);
  try {
    const out: Float32Array[] = [];
    for (const x of inputs) out.push((await session.run(x, shape))['features'] as Float32Array);
    return out;
  } finally {
    await session.release();
  }
}

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'vgg16-synthetic' },
    runs: { type: 'string', default: '7' },
    warmup: { type: 'string', default: '2' },
    variants: { type: 'string' },
    memory: { type: 'boolean', default: false },
    calibration: { type: 'boolean', default: false },
    'first-conv': { type: 'boolean', default: false },
    'child-memory': { type: 'string' },
    ranges: { type: 'string' },
  },
});

const recipe = findSyntheticVgg16(values.model);
const firstWidth = recipe.config.blocks[0]![0]!;
const config: Vgg16Config = values['first-conv'] ? { ...recipe.config, blocks: [[firstWidth]] } : recipe.config;
const weights = syntheticVgg16Weights(config, recipe.weights.seed);
const shape = [1, config.height, config.width, config.inputChannels ?? 3];
const images = await loadCalibrationSet();
const inputs = images.map(caffeTensor);

if (values['child-memory'] !== undefined) {
  // Child: one variant in a fresh wasm instance; prints JSON.
  const ranges = JSON.parse(await readFile(values.ranges!, 'utf8')) as ActivationRanges;
  const model = buildVariant(values['child-memory'], config, weights, ranges);
  const session = await openSession('web', model);
  const afterCreate = wasmMiB();
  await session.run(inputs[0]!, shape);
  const afterOne = wasmMiB();
  for (let i = 0; i < 4; i++) await session.run(inputs[(i + 1) % inputs.length]!, shape);
  const afterFive = wasmMiB();
  await session.release();
  process.stdout.write(JSON.stringify({ afterCreate, afterOne, afterFive, rss: process.memoryUsage().rss / 2 ** 20 }));
  process.exit(0);
}

const calibrationStarted = performance.now();
const calibration = await calibrateVgg16(config, weights, inputs);
const { ranges } = calibration;
process.stderr.write(`${recipe.id}: calibrated (${ranges.method}) in ${(performance.now() - calibrationStarted).toFixed(0)} ms\n`);
const names =
  values.variants?.split(',') ?? (values['first-conv'] ? ['fp32', 'qlinear-u8', 'qlinear-u8-fp32conv1'] : Object.keys(VARIANTS));

if (values.calibration) {
  const fp32 = serializeModel({ graph: buildVgg16Graph(config, weights) });
  const refs = await runFp32Refs(fp32, inputs, shape);
  const methods: CalibrationOptions[] = [
    { method: 'minmax' },
    { method: 'percentile', percentile: 99.9 },
    { method: 'percentile', percentile: 99.99 },
    { method: 'percentile', percentile: 99.999 },
    { method: 'percentile', percentile: 99.9999 },
  ];
  console.log(`${recipe.id}: calibration methods, qlinear-u8, vs fp32 on ${inputs.length} images (mean/min, rel L2 mean/max)`);
  for (const method of methods) {
    // In-sample: calibrated on all images, evaluated on them.
    const all = await calibrateVgg16(config, weights, inputs, method);
    const session = await openSession('node', serializeModel(quantizedVgg16Spec(config, weights, all.ranges), QUANT_SERIALIZE_OPTIONS));
    const outs: Float32Array[] = [];
    for (const x of inputs) outs.push((await session.run(x, shape))['features'] as Float32Array);
    await session.release();
    // Leave-one-out: calibrated on the other images, evaluated on the one left out.
    const held: Float32Array[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const others = inputs.filter((_, j) => j !== i);
      const c = await calibrateVgg16(config, weights, others, method);
      const s = await openSession('node', serializeModel(quantizedVgg16Spec(config, weights, c.ranges), QUANT_SERIALIZE_OPTIONS));
      held.push((await s.run(inputs[i]!, shape))['features'] as Float32Array);
      await s.release();
    }
    console.log(`  ${all.ranges.method.padEnd(44)} in-sample ${fmtFidelity(fidelity(refs, outs))}`);
    console.log(`  ${''.padEnd(44)} held-out  ${fmtFidelity(fidelity(refs, held))}`);
  }
} else if (values.memory) {
  const dir = await mkdtemp(join(tmpdir(), 'edge-features-ranges-'));
  try {
    const rangesPath = join(dir, 'ranges.json');
    await writeFile(rangesPath, JSON.stringify(ranges));
    console.log(`${recipe.id}: onnxruntime-web wasm memory (MiB), fresh process per variant, 1 thread`);
    console.log(`  ${'variant'.padEnd(30)} after create / 1 run / 5 runs   process RSS`);
    for (const name of names) {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [fileURLToPath(import.meta.url), '--model', recipe.id, '--child-memory', name, '--ranges', rangesPath],
        { maxBuffer: 1 << 20 },
      );
      const m = JSON.parse(stdout) as { afterCreate: number; afterOne: number; afterFive: number; rss: number };
      console.log(
        `  ${name.padEnd(30)} ${m.afterCreate.toFixed(1)} / ${m.afterOne.toFixed(1)} / ${m.afterFive.toFixed(1)}   ${m.rss.toFixed(0)}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
} else {
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  const models = new Map(names.map((n) => [n, buildVariant(n, config, weights, ranges)]));
  const refs = await runFp32Refs(models.get('fp32') ?? buildVariant('fp32', config, weights, ranges), inputs, shape);
  const sessions = new Map<string, ToolSession>();
  const createMs = new Map<string, number>();
  for (const [name, model] of models) {
    const t = performance.now();
    sessions.set(name, await openSession('web', model));
    createMs.set(name, performance.now() - t);
  }
  // Fidelity, in onnxruntime-web (what ships).
  const fid = new Map<string, Fidelity>();
  const outputs = new Map<string, Float32Array[]>();
  for (const [name, session] of sessions) {
    const outs: Float32Array[] = [];
    for (const x of inputs) outs.push((await session.run(x, shape))['features'] as Float32Array);
    outputs.set(name, outs);
    fid.set(name, fidelity(refs, outs));
  }
  const times = new Map<string, number[]>(names.map((n) => [n, []]));
  const x = inputs[0]!;
  for (let round = 0; round < warmup + runs; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    for (const name of order) {
      const t = performance.now();
      await sessions.get(name)!.run(x, shape);
      if (round >= warmup) times.get(name)!.push(performance.now() - t);
    }
  }
  for (const session of sessions.values()) await session.release();
  const macs = vgg16Macs(config);
  console.log(
    `${recipe.id}${values['first-conv'] ? ' (block1_conv1 + pool + GAP only)' : ''}: onnxruntime-web wasm, 1 thread, median of ${runs} rounds after ${warmup} (rotated order); ` +
      `fidelity vs fp32 (ort-node) on ${inputs.length} calibration images, mean/min; ranges: ${ranges.method}`,
  );
  for (const name of names) {
    const ms = median(times.get(name)!);
    console.log(
      `  ${name.padEnd(28)} ${ms.toFixed(0).padStart(5)} ms  ${(macs / ms / 1e6).toFixed(1).padStart(5)} GMAC/s  ` +
        `create ${createMs.get(name)!.toFixed(0).padStart(4)} ms  ${(sizeOf(models.get(name)!) / 2 ** 20).toFixed(2).padStart(6)} MiB  ` +
        `${fmtFidelity(fid.get(name)!)}  [${times
          .get(name)!
          .map((t) => t.toFixed(0))
          .join(' ')}]`,
    );
  }
  // Which variants give bit-identical outputs (strip-mining must not change a bit).
  const base = outputs.get('qlinear-u8');
  if (base !== undefined) {
    for (const [name, outs] of outputs) {
      if (name === 'qlinear-u8' || name === 'fp32') continue;
      const identical = outs.every((o, i) => o.every((v, j) => Object.is(v, base[i]![j])));
      console.log(`  ${name}: ${identical ? 'bit-identical to' : 'differs from'} qlinear-u8`);
    }
  }
}
