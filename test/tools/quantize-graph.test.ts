/**
 * The generic static int8 QDQ quantiser (tools/model/quantize-graph.ts): on a small synthetic
 * MobileNet-like graph (input scaling, a strided conv, depthwise convs, ReLU6 Clips, a linear bottleneck and
 * a residual Add) the quantised graph stores int8 weights, is deterministic, fuses in onnxruntime into
 * QLinearConv / QLinearAdd, and runs in onnxruntime-node and -web close to fp32; on the real MobileNetV2-1.4
 * (tools/model/quantize-graph-mobilenet.ts) it is deterministic and keeps every chelsea variant's nearest
 * neighbour.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/core/util/random.ts';
import { cosine } from '../../src/core/vector/metrics.ts';
import { buildMobilenetV2Nsfwjs } from '../../tools/convert/mobilenet-v2-nsfwjs.ts';
import { sha256Hex } from '../../tools/model/files.ts';
import {
  attr,
  decodeModel,
  serializeModel,
  type GraphNode,
  type Initializer,
  type ModelSpec,
  type SerializedModel,
} from '../../tools/model/onnx-writer.ts';
import { openNodeSession, openSession, type Engine } from '../../tools/model/ort-sessions.ts';
import {
  buildQuantizedGraph,
  findAffineGrid,
  planQuantization,
  QUANT_GRAPH_SERIALIZE_OPTIONS,
  quantizeGraph,
  type QuantizedGraph,
} from '../../tools/model/quantize-graph.ts';
import { quantizeMobilenetNsfwjs, unitRgbTensor } from '../../tools/model/quantize-graph-mobilenet.ts';

const TENSOR = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6 } as const;
const SIZE = 32;
const SHAPE = [1, SIZE, SIZE, 3];

/**
 * input NHWC [1, 32, 32, 3] in [0, 1] -> Transpose -> *2 -1 -> conv 3x3/2 (3->16) ReLU6 -> depthwise 3x3 ReLU6
 * -> 1x1 (16->8, linear) = p -> 1x1 (8->32) ReLU6 -> depthwise 3x3 ReLU6 -> 1x1 (32->8, linear) -> Add(p)
 * -> 1x1 (8->48) ReLU6 -> GlobalAveragePool -> Squeeze -> features [1, 48].
 */
function syntheticSpec(seed = 7): ModelSpec {
  const rng = mulberry32(seed);
  const nodes: GraphNode[] = [];
  const initializers: Initializer[] = [];
  const constant = (name: string, value: number): void => {
    nodes.push({ name, opType: 'Constant', inputs: [], outputs: [name], attributes: { value_float: attr.float(value) } });
  };
  nodes.push({ name: 'to_nchw', opType: 'Transpose', inputs: ['input'], outputs: ['x'], attributes: { perm: attr.ints([0, 3, 1, 2]) } });
  constant('two', 2);
  constant('one', 1);
  constant('zero', 0);
  constant('six', 6);
  nodes.push({ name: 'scale', opType: 'Mul', inputs: ['x', 'two'], outputs: ['x2'] });
  nodes.push({ name: 'shift', opType: 'Sub', inputs: ['x2', 'one'], outputs: ['scaled'] });
  const conv = (
    name: string,
    x: string,
    cin: number,
    cout: number,
    k: number,
    opts: { stride?: number; depthwise?: boolean; relu6?: boolean } = {},
  ): string => {
    const fin = opts.depthwise ? 1 : cin;
    const limit = 1.2 * Math.sqrt(6 / (fin * k * k));
    const w = new Float32Array(cout * fin * k * k);
    for (let i = 0; i < w.length; i++) w[i] = rng.symmetric(limit);
    const b = new Float32Array(cout);
    for (let i = 0; i < b.length; i++) b[i] = rng.symmetric(0.2);
    initializers.push({ name: `${name}/weight`, dims: [cout, fin, k, k], data: w }, { name: `${name}/bias`, dims: [cout], data: b });
    const s = opts.stride ?? 1;
    const p = (k - 1) / 2;
    nodes.push({
      name,
      opType: 'Conv',
      inputs: [x, `${name}/weight`, `${name}/bias`],
      outputs: [`${name}/out`],
      attributes: {
        kernel_shape: attr.ints([k, k]),
        pads: attr.ints([p, p, p, p]),
        strides: attr.ints([s, s]),
        dilations: attr.ints([1, 1]),
        group: attr.int(opts.depthwise ? cin : 1),
      },
    });
    if (!opts.relu6) return `${name}/out`;
    nodes.push({ name: `${name}/relu6`, opType: 'Clip', inputs: [`${name}/out`, 'zero', 'six'], outputs: [`${name}/relu6`] });
    return `${name}/relu6`;
  };
  let t = conv('stem', 'scaled', 3, 16, 3, { stride: 2, relu6: true });
  t = conv('block0/depthwise', t, 16, 16, 3, { depthwise: true, relu6: true });
  const p = conv('block0/project', t, 16, 8, 1);
  t = conv('block1/expand', p, 8, 32, 1, { relu6: true });
  t = conv('block1/depthwise', t, 32, 32, 3, { depthwise: true, relu6: true });
  t = conv('block1/project', t, 32, 8, 1);
  nodes.push({ name: 'block1/add', opType: 'Add', inputs: [p, t], outputs: ['block1/add'] });
  t = conv('head', 'block1/add', 8, 48, 1, { relu6: true });
  nodes.push({ name: 'gap', opType: 'GlobalAveragePool', inputs: [t], outputs: ['gap'] });
  nodes.push({
    name: 'squeeze/axes',
    opType: 'Constant',
    inputs: [],
    outputs: ['squeeze/axes'],
    attributes: { value_ints: attr.ints([2, 3]) },
  });
  nodes.push({ name: 'squeeze', opType: 'Squeeze', inputs: ['gap', 'squeeze/axes'], outputs: ['features'] });
  return {
    graph: {
      name: 'synthetic-mobilenet',
      inputs: [{ name: 'input', elementType: 'float32', shape: SHAPE }],
      outputs: [{ name: 'features', elementType: 'float32', shape: [1, 48] }],
      nodes,
      initializers,
    },
    metadata: { id: 'synthetic-mobilenet' },
  };
}

/** Smooth random images in [0, 1] (a few sinusoids per channel plus a little noise), NHWC. */
function syntheticImages(count: number, seed: number): Float32Array[] {
  const rng = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const img = new Float32Array(SIZE * SIZE * 3);
    const waves = Array.from({ length: 3 }, () => [rng.next() * 0.6, rng.next() * 0.6, rng.next() * 6.3, 0.2 + rng.next() * 0.3] as const);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        for (let c = 0; c < 3; c++) {
          const [fx, fy, phase, amp] = waves[c]!;
          const v = 0.5 + amp * Math.sin(fx * x + fy * y + phase) + (rng.next() - 0.5) * 0.1;
          img[(y * SIZE + x) * 3 + c] = Math.min(1, Math.max(0, v));
        }
      }
    }
    return img;
  });
}

async function embedAll(
  engine: Engine,
  model: SerializedModel,
  inputs: readonly Float32Array[],
  shape: readonly number[],
): Promise<Float32Array[]> {
  const session = await openSession(engine, model);
  try {
    const out: Float32Array[] = [];
    for (const x of inputs) out.push((await session.run(x, shape))['features'] as Float32Array);
    return out;
  } finally {
    await session.release();
  }
}

function bytesOf(model: SerializedModel): string[] {
  return [sha256Hex(model.model), ...model.dataFiles.map((f) => sha256Hex(f.bytes))];
}

describe('quantize-graph on a synthetic MobileNet-like graph', () => {
  const spec = syntheticSpec();
  const calibration = syntheticImages(6, 11);
  const held = syntheticImages(5, 12);
  let quantized: QuantizedGraph;
  let int8: SerializedModel;

  beforeAll(async () => {
    quantized = await quantizeGraph(spec, calibration);
    int8 = serializeModel(quantized.spec, QUANT_GRAPH_SERIALIZE_OPTIONS);
  });

  it('plans QDQ on every conv input and after each ReLU6 / linear conv / Add; the input scaling stays fp32', () => {
    const plan = planQuantization(spec);
    expect(plan.convs).toHaveLength(7);
    const roles = Object.fromEntries(plan.tensors.map((t) => [t.name, t.role]));
    expect(roles).toEqual({
      scaled: 'conv-input',
      'stem/relu6': 'activation',
      'block0/depthwise/relu6': 'activation',
      'block0/project/out': 'conv-output',
      'block1/expand/relu6': 'activation',
      'block1/depthwise/relu6': 'activation',
      'block1/project/out': 'conv-output',
      'block1/add': 'add',
      'head/relu6': 'activation',
    });
    // ReLU6 outputs take the Clip's range; the rest are calibrated and rounded to 6 significant bits.
    expect(quantized.ranges.tensors['stem/relu6']).toEqual([0, 6]);
    for (const [name, [lo, hi]] of Object.entries(quantized.ranges.tensors)) {
      expect(lo, name).toBeLessThanOrEqual(0);
      expect(hi, name).toBeGreaterThan(0);
      for (const v of [lo, hi]) {
        if (v === 0) continue;
        const mantissa = Math.abs(v) / 2 ** Math.floor(Math.log2(Math.abs(v)));
        expect(Number.isInteger(mantissa * 32), `${name} ${v}`).toBe(true);
      }
    }
    const ops = quantized.spec.graph.nodes.map((n) => n.opType);
    expect(ops.filter((o) => o === 'Mul' || o === 'Sub')).toHaveLength(2);
    expect(quantized.spec.graph.nodes.find((n) => n.name === 'scale')!.inputs).toEqual(['x', 'two']);
  });

  it('stores conv weights as int8 (per output channel, zero point 0) and biases as int32; no fp32 weights remain', () => {
    const decoded = decodeModel(int8.model);
    const inits = new Map(decoded.graph!.initializer!.map((i) => [i.name!, i]));
    const convs = decoded.graph!.node!.filter((n) => n.opType === 'Conv');
    expect(convs).toHaveLength(7);
    const producers = new Map(decoded.graph!.node!.flatMap((n) => n.output!.map((o) => [o, n] as const)));
    for (const conv of convs) {
      const [, w, b] = conv.input!;
      const wdq = producers.get(w!)!;
      const bdq = producers.get(b!)!;
      expect(wdq.opType).toBe('DequantizeLinear');
      expect(bdq.opType).toBe('DequantizeLinear');
      expect(inits.get(wdq.input![0]!)!.dataType).toBe(TENSOR.INT8);
      expect(inits.get(wdq.input![1]!)!.dataType).toBe(TENSOR.FLOAT);
      const zp = inits.get(wdq.input![2]!)!;
      expect(zp.dataType).toBe(TENSOR.INT8);
      expect(Array.from(zp.rawData!).every((v) => v === 0)).toBe(true);
      expect(Number(inits.get(wdq.input![1]!)!.dims![0])).toBe(Number(inits.get(wdq.input![0]!)!.dims![0])); // one scale per channel
      expect(inits.get(bdq.input![0]!)!.dataType).toBe(TENSOR.INT32);
    }
    // The only float initializers left are scales (and nothing the size of a kernel).
    const floats = decoded.graph!.initializer!.filter((i) => i.dataType === TENSOR.FLOAT);
    for (const f of floats) expect(f.name, f.name!).toMatch(/scale$/);
    expect(decoded.graph!.initializer!.filter((i) => i.dataType === TENSOR.UINT8).every((i) => /zero_point$/.test(i.name!))).toBe(true);
    const fp32Bytes = spec.graph.initializers.reduce((s, i) => s + i.data.byteLength, 0);
    const int8Weights = decoded.graph!.initializer!.filter((i) => i.dataType === TENSOR.INT8 && /weight_quantized$/.test(i.name!));
    const int8Bytes = int8Weights.reduce((s, i) => s + i.dims!.reduce((a, d) => a * Number(d), 1), 0);
    expect(int8Bytes).toBeLessThan(fp32Bytes / 4);
  });

  it('is deterministic: the same graph and inputs give the same bytes', async () => {
    const again = await quantizeGraph(syntheticSpec(), syntheticImages(6, 11));
    expect(again.ranges).toEqual(quantized.ranges);
    expect(bytesOf(serializeModel(again.spec, QUANT_GRAPH_SERIALIZE_OPTIONS))).toEqual(bytesOf(int8));
    // Rebuilding from the stored ranges needs no calibration run and gives the same graph.
    expect(bytesOf(serializeModel(buildQuantizedGraph(spec, quantized.ranges), QUANT_GRAPH_SERIALIZE_OPTIONS))).toEqual(bytesOf(int8));
  });

  it('fuses in onnxruntime: every conv into QLinearConv (ReLU6 Clips dropped), the Add into QLinearAdd', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edge-features-qg-'));
    try {
      const path = join(dir, 'optimized.onnx');
      const session = await openNodeSession(int8, { optimizedModelFilePath: path });
      await session.release();
      const optimized = decodeModel(new Uint8Array(await readFile(path)));
      const counts: Record<string, number> = {};
      for (const n of optimized.graph!.node!) counts[n.opType!] = (counts[n.opType!] ?? 0) + 1;
      expect(counts).toMatchObject({ QLinearConv: 7, QLinearAdd: 1, QuantizeLinear: 1, DequantizeLinear: 1, Mul: 1, Sub: 1 });
      expect(counts['Conv']).toBeUndefined();
      expect(counts['Clip']).toBeUndefined();
      expect(counts['Add']).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs in onnxruntime-node and onnxruntime-web with cosine > 0.99 against fp32 on held-out images', async () => {
    const fp32 = serializeModel(spec);
    const ref = await embedAll('node', fp32, held, SHAPE);
    for (const engine of ['node', 'web'] as const) {
      const out = await embedAll(engine, int8, held, SHAPE);
      const cos = out.map((o, i) => cosine(ref[i]!, o));
      console.log(`synthetic int8 vs fp32 (${engine}): cosine ${cos.map((c) => c.toFixed(5)).join(' ')}`);
      // onnxruntime-web (the Worker's engine) must reach 0.99. Native int8 kernels without AVX-512 VNNI
      // (AVX2's pmaddubsw saturates u8*s8 pairs) lose more: 0.98874 at worst on an AMD EPYC here.
      for (const c of cos) expect(c).toBeGreaterThan(engine === 'web' ? 0.99 : 0.98);
    }
  });
});

describe('affine-grid weights', () => {
  it('finds a 256-level grid with an integer zero point and reproduces it exactly; refuses off-grid values', () => {
    const scale = Math.fround(0.0123);
    const zeroPoint = 97;
    const rng = mulberry32(3);
    const w = Float32Array.from({ length: 500 }, () => Math.fround((Math.floor(rng.next() * 256) - zeroPoint) * scale));
    w[0] = Math.fround((0 - zeroPoint) * scale);
    w[1] = Math.fround((255 - zeroPoint) * scale);
    const grid = findAffineGrid(w)!;
    expect(grid).toBeDefined();
    expect(grid.zeroPoints[0]).toBe(zeroPoint - 128);
    for (let i = 0; i < w.length; i++) {
      expect(Math.fround((grid.data[i]! - grid.zeroPoints[0]!) * grid.scales[0]!)).toBeCloseTo(w[i]!, 6);
    }
    expect(findAffineGrid(Float32Array.from({ length: 500 }, () => rng.symmetric(1)))).toBeUndefined();
  });
});

// -- the real MobileNetV2-1.4 (nsfwjs) ------------------------------------------------------------------

const KERAS224 = fileURLToPath(new URL('../../../shared/fixtures/keras224/', import.meta.url));
const MOBILENET_SHAPE = [1, 224, 224, 3];

describe('quantizeMobilenetNsfwjs', () => {
  let first: QuantizedGraph;
  let int8: SerializedModel;

  beforeAll(async () => {
    first = await quantizeMobilenetNsfwjs();
    int8 = serializeModel(first.spec, QUANT_GRAPH_SERIALIZE_OPTIONS);
  });

  it('is deterministic: two runs give the same sha256 for every file', async () => {
    const second = serializeModel((await quantizeMobilenetNsfwjs()).spec, QUANT_GRAPH_SERIALIZE_OPTIONS);
    expect(bytesOf(second)).toEqual(bytesOf(int8));
    expect(Object.keys(first.ranges.tensors).length).toBeGreaterThan(60);
    expect(first.spec.graph.nodes.filter((n) => n.opType === 'Conv')).toHaveLength(52);
  });

  it('keeps retrieval (onnxruntime-web): each chelsea variant has the same nearest other photo, cosine to fp32 > 0.995', async () => {
    const manifest = JSON.parse(readFileSync(`${KERAS224}manifest.json`, 'utf8')) as Record<string, { sha256: string }>;
    const names = Object.keys(manifest).sort();
    const inputs = names.map((n) => unitRgbTensor(new Uint8Array(readFileSync(`${KERAS224}${n}.rgb`))));
    const fp32 = await embedAll('web', serializeModel(buildMobilenetV2Nsfwjs().spec), inputs, MOBILENET_SHAPE);
    const q = await embedAll('web', int8, inputs, MOBILENET_SHAPE);
    const cos = fp32.map((f, i) => cosine(f, q[i]!));
    const mean = cos.reduce((a, b) => a + b, 0) / cos.length;
    console.log(
      `mobilenet int8 vs fp32 (web) over ${names.length} keras224 arrays: cosine mean ${mean.toFixed(5)}, min ${Math.min(...cos).toFixed(5)}`,
    );
    expect(Math.min(...cos)).toBeGreaterThan(0.995);
    const sha = (j: number): string => manifest[names[j]!]!.sha256;
    /** Content (sha256) of the nearest array among those `accept` admits, never a byte-identical copy. */
    const nearest = (vectors: Float32Array[], i: number, accept: (name: string) => boolean): string => {
      let best = -Infinity;
      let arg = '';
      names.forEach((n, j) => {
        if (sha(j) === sha(i) || !accept(n)) return;
        const c = cosine(vectors[i]!, vectors[j]!);
        if (c > best) [best, arg] = [c, sha(j)];
      });
      return arg;
    };
    const isChelsea = (n: string): boolean => n.startsWith('chelsea');
    const chelseaShas = new Set(names.filter(isChelsea).map((n) => manifest[n]!.sha256));
    const variants = names.map((n, i) => [n, i] as const).filter(([n]) => isChelsea(n));
    expect(variants.length).toBeGreaterThanOrEqual(10);
    for (const [name, i] of variants) {
      // The nearest photo other than chelsea is the same one in int8 as in fp32.
      expect(
        nearest(q, i, (n) => !isChelsea(n)),
        name,
      ).toBe(nearest(fp32, i, (n) => !isChelsea(n)));
      // Among all other arrays the nearest is another chelsea encoding in both. Which encoding is not pinned:
      // fp32 separates its top two by 0.00005-0.004 in cosine, below int8's error (cosine ~0.9985 to fp32),
      // and 4 of the 12 swap (tools/model/quantize-graph-bench.ts lists them with fp32's margins).
      expect(chelseaShas.has(nearest(q, i, () => true)), name).toBe(true);
      expect(chelseaShas.has(nearest(fp32, i, () => true)), name).toBe(true);
    }
  });
});
