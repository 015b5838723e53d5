/**
 * The TF.js-graph -> ONNX converter means what TF.js means: a small hand-written graph model with every
 * supported op, odd sizes (so TF 'SAME' pads the odd pixel at the bottom/right), and weights stored raw,
 * uint8-, uint16- and float16-quantized, runs in TF.js (CPU backend) and, converted, in onnxruntime-node;
 * the outputs must agree. Unsupported ops fail with an error naming the op and the node.
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeBase64Text } from '../../src/core/util/base64.ts';
import { float32ToBytes } from '../../src/core/util/float32-bytes.ts';
import { mulberry32 } from '../../src/core/util/random.ts';
import { serializeModel } from '../../tools/model/onnx-writer.ts';
import {
  convertTfjsGraph,
  decodeTfjsWeights,
  subgraphNodes,
  tfjsModelArtifacts,
  tfWindowPads,
  UnsupportedTfOpError,
  type TfjsGraphModelJson,
  type TfjsNodeDef,
  type TfjsQuantization,
  type TfjsWeightSpec,
} from '../../tools/convert/tfjs-graph.ts';
import { maxAbsDiff } from './helpers.ts';

// ---- a tiny TF.js graph-model writer ------------------------------------------------------------------

const b64 = (s: string): string => encodeBase64Text(s);
const ints = (...v: number[]) => ({ list: { i: v.map(String) } });
const F = { type: 'DT_FLOAT' };

function floatToHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = (x >>> 13) & 0x3ff; // truncation is fine: the test only needs some half values
  if (exp <= 0) return sign;
  return sign | (exp << 10) | mant;
}

class FakeGraph {
  readonly nodes: TfjsNodeDef[] = [];
  readonly specs: TfjsWeightSpec[] = [];
  private readonly chunks: Uint8Array[] = [];
  private readonly rand = mulberry32(7).next;

  node(name: string, op: string, input: string[], attr: TfjsNodeDef['attr'] = {}): string {
    this.nodes.push({ name, op, input, attr: { T: F, ...attr } });
    return name;
  }

  placeholder(name: string, shape: number[]): string {
    this.nodes.push({
      name,
      op: 'Placeholder',
      attr: { dtype: F, shape: { shape: { dim: shape.map((s) => ({ size: String(s) })) } } as never },
    });
    return name;
  }

  /** A Const with random values in [lo, hi) (or `values`), stored as `store` (int32: an int32 tensor). */
  constant(
    name: string,
    shape: number[],
    store: 'float32' | 'int32' | TfjsQuantization['dtype'],
    lo = -1,
    hi = 1,
    values?: number[],
  ): string {
    const size = shape.reduce((a, b) => a * b, 1);
    const v = values ?? Array.from({ length: size }, () => lo + (hi - lo) * this.rand());
    const dtype = store === 'int32' ? 'DT_INT32' : 'DT_FLOAT';
    this.nodes.push({
      name,
      op: 'Const',
      attr: { dtype: { type: dtype }, value: { tensor: { dtype, tensorShape: { dim: shape.map((s) => ({ size: String(s) })) } } } },
    });
    if (store === 'int32') {
      this.specs.push({ name, shape, dtype: 'int32' });
      this.chunks.push(new Uint8Array(new Int32Array(v).buffer));
    } else if (store === 'float32') {
      this.specs.push({ name, shape, dtype: 'float32' });
      this.chunks.push(float32ToBytes(v));
    } else if (store === 'float16') {
      this.specs.push({ name, shape, dtype: 'float32', quantization: { dtype: 'float16' } });
      this.chunks.push(new Uint8Array(new Uint16Array(v.map(floatToHalf)).buffer));
    } else {
      const levels = store === 'uint8' ? 255 : 65535;
      const min = Math.min(...v);
      const scale = (Math.max(...v) - min) / levels || 1;
      const q = v.map((x) => Math.round((x - min) / scale));
      this.specs.push({ name, shape, dtype: 'float32', quantization: { dtype: store, min, scale } });
      this.chunks.push(store === 'uint8' ? Uint8Array.from(q) : new Uint8Array(new Uint16Array(q).buffer));
    }
    return name;
  }

  /** Weights split over two shards at an arbitrary byte (a tensor straddles them, as in real models). */
  model(): { model: TfjsGraphModelJson; shards: Map<string, Uint8Array> } {
    const total = this.chunks.reduce((s, c) => s + c.byteLength, 0);
    const all = new Uint8Array(total);
    let o = 0;
    for (const c of this.chunks) {
      all.set(c, o);
      o += c.byteLength;
    }
    const cut = Math.floor(total / 2) + 1;
    return {
      model: {
        format: 'graph-model',
        generatedBy: 'test',
        convertedBy: 'test',
        modelTopology: { node: this.nodes, versions: { producer: 175 } },
        weightsManifest: [{ paths: ['shard1', 'shard2'], weights: this.specs }],
      },
      shards: new Map([
        ['shard1', all.slice(0, cut)],
        ['shard2', all.slice(cut)],
      ]),
    };
  }
}

const SAME = { s: b64('SAME') };
const VALID = { s: b64('VALID') };
const NHWC = { s: b64('NHWC') };
const H = 13;
const W = 10;

/** Every supported op, odd sizes. Output: [1, 8]. */
function buildFake(): { model: TfjsGraphModelJson; shards: Map<string, Uint8Array>; output: string } {
  const g = new FakeGraph();
  const x = g.placeholder('input', [-1, H, W, 3]);
  const one = g.constant('one', [], 'float32', 0, 0, [1]);
  const flipped = g.node('flip', 'Sub', [one, x]); // const first: operand order matters
  const pads = g.constant('pads', [4, 2], 'int32', 0, 0, [0, 0, 1, 0, 2, 1, 0, 0]);
  const padded = g.node('pad', 'Pad', [flipped, pads], { Tpaddings: { type: 'DT_INT32' } }); // 14 x 13
  const mpads = g.constant('mpads', [4, 2], 'int32', 0, 0, [0, 0, 1, 1, 1, 1, 0, 0]);
  const mirrored = g.node('mirror', 'MirrorPad', [padded, mpads], { mode: { s: b64('REFLECT') } }); // 16 x 15
  const k1 = g.constant('k1', [3, 3, 3, 4], 'float32');
  const c1 = g.node('conv1', 'Conv2D', [mirrored, k1], {
    strides: ints(1, 1, 1, 1),
    padding: VALID,
    data_format: NHWC,
    dilations: ints(1, 1, 1, 1),
  }); // 14 x 13
  const b1 = g.constant('b1', [4], 'float16', -0.5, 0.5);
  const a1 = g.node('bias1', 'BiasAdd', [c1, b1], { data_format: NHWC });
  const r1 = g.node('relu6', 'Relu6', [a1]);
  const dk = g.constant('dk', [3, 3, 4, 2], 'uint8');
  const d1 = g.node('dw', 'DepthwiseConv2dNative', [r1, dk], {
    strides: ints(1, 2, 2, 1),
    padding: SAME,
    data_format: NHWC,
    dilations: ints(1, 1, 1, 1),
  }); // 7 x 7, 8 ch
  const k2 = g.constant('k2', [1, 1, 8, 8], 'uint16');
  const b2 = g.constant('b2', [8], 'uint8', -0.2, 0.3);
  const c2 = g.node('conv2', '_FusedConv2D', [d1, k2, b2], {
    strides: ints(1, 1, 1, 1),
    padding: SAME,
    data_format: NHWC,
    dilations: ints(1, 1, 1, 1),
    fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu')] } },
    num_args: { i: '1' },
    epsilon: { f: 0 },
    explicit_paddings: { list: {} },
  });
  const sum = g.node('add', 'AddV2', [d1, c2]);
  const dk2 = g.constant('dk2', [3, 3, 8, 1], 'uint8');
  const db2 = g.constant('db2', [8], 'float32');
  const d2 = g.node('dw2', 'FusedDepthwiseConv2dNative', [sum, dk2, db2], {
    strides: ints(1, 2, 2, 1),
    padding: SAME,
    data_format: NHWC,
    dilations: ints(1, 1, 1, 1),
    fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu6')] } },
    num_args: { i: '1' },
  }); // 4 x 4
  const k3 = g.constant('k3', [2, 3, 8, 8], 'float32');
  const c3 = g.node('conv3', 'Conv2D', [d2, k3], {
    strides: ints(1, 1, 2, 1),
    padding: SAME,
    data_format: NHWC,
    dilations: ints(1, 1, 1, 1),
  }); // 4 x 2
  const m1 = g.node('maxpool', 'MaxPool', [c3], { ksize: ints(1, 3, 2, 1), strides: ints(1, 2, 1, 1), padding: SAME, data_format: NHWC }); // 2 x 2
  const p1 = g.node('avgpool', 'AvgPool', [m1], { ksize: ints(1, 2, 2, 1), strides: ints(1, 1, 1, 1), padding: SAME, data_format: NHWC }); // 2 x 2 (edge windows average fewer pixels)
  const axes = g.constant('axes', [2], 'int32', 0, 0, [1, 2]);
  const mean = g.node('mean', 'Mean', [p1, axes], { keep_dims: { b: true }, Tidx: { type: 'DT_INT32' } }); // [1,1,1,8]
  const sq = g.node('squeeze', 'Squeeze', [mean], { squeeze_dims: ints(1, 2) }); // [1, 8]
  const scale = g.constant('scale', [8], 'float32', 0.5, 2);
  const half = g.constant('half', [], 'float32', 0, 0, [0.5]);
  const mul = g.node('mul', 'Mul', [sq, scale]);
  const div = g.node('div', 'RealDiv', [mul, half]);
  const out = g.node('Identity', 'Identity', [div]);
  // A head the converter must leave out.
  g.node('head', 'Tanh', [out]);
  return { ...g.model(), output: out };
}

async function runOnnx(
  model: Uint8Array,
  data: { path: string; bytes: Uint8Array }[],
  input: Float32Array,
  shape: number[],
  output: string,
): Promise<Float32Array> {
  const options = {
    externalData: data.map((f) => ({ path: f.path, data: f.bytes })),
    intraOpNumThreads: 1,
  } as ort.InferenceSession.SessionOptions;
  const session = await ort.InferenceSession.create(model, options);
  try {
    return (await session.run({ input: new ort.Tensor('float32', input, shape) }))[output]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('tfWindowPads', () => {
  it("puts TF 'SAME''s odd pixel at the end, and VALID floors", () => {
    expect(tfWindowPads('SAME', 224, 3, 2)).toEqual({ out: 112, before: 0, after: 1 });
    expect(tfWindowPads('SAME', 112, 3, 1)).toEqual({ out: 112, before: 1, after: 1 });
    expect(tfWindowPads('SAME', 7, 2, 1)).toEqual({ out: 7, before: 0, after: 1 });
    expect(tfWindowPads('SAME', 11, 3, 2)).toEqual({ out: 6, before: 1, after: 1 });
    expect(tfWindowPads('SAME', 5, 3, 1, 2)).toEqual({ out: 5, before: 2, after: 2 });
    expect(tfWindowPads('VALID', 16, 3, 1)).toEqual({ out: 14, before: 0, after: 0 });
    expect(tfWindowPads('VALID', 7, 7, 1)).toEqual({ out: 1, before: 0, after: 0 });
  });
});

describe('TF.js graph -> ONNX', () => {
  it('decodes weights exactly as tf.io.decodeWeights (raw, uint8, uint16, float16, int32)', () => {
    const fake = buildFake();
    const shards = fake.shards;
    const ours = decodeTfjsWeights(fake.model.weightsManifest, shards);
    const art = tfjsModelArtifacts(fake.model, shards);
    const theirs = tf.io.decodeWeights(art.weightData, art.weightSpecs as tf.io.WeightsManifestEntry[]);
    expect([...ours.keys()].sort()).toEqual(Object.keys(theirs).sort());
    for (const [name, t] of ours) {
      expect(Array.from(t.data), name).toEqual(Array.from(theirs[name]!.dataSync()));
      expect(t.shape, name).toEqual(theirs[name]!.shape);
    }
    const bad = new Map(shards);
    bad.set('shard2', shards.get('shard2')!.slice(1));
    expect(() => decodeTfjsWeights(fake.model.weightsManifest, bad)).toThrow(/past the end|describes/);
  });

  it('matches TF.js on a graph with every supported op and odd sizes', async () => {
    const fake = buildFake();
    const shards = fake.shards;
    const converted = convertTfjsGraph(fake.model, decodeTfjsWeights(fake.model.weightsManifest, shards), {
      output: fake.output,
      inputName: 'input',
      outputName: 'out',
    });
    expect(converted.outputShape).toEqual([1, 8]);
    expect(Object.keys(converted.tfOps)).not.toContain('Tanh'); // the head is not part of the subgraph
    expect(converted.onnxOps).toMatchObject({ Conv: 5, Pad: 2, MaxPool: 1, AveragePool: 1, ReduceMean: 1, Squeeze: 1, Transpose: 1 });
    const serialized = serializeModel({ graph: converted.graph });

    const tfModel = await tf.loadGraphModel({
      load: async () => tfjsModelArtifacts(fake.model, shards) as unknown as tf.io.ModelArtifacts,
    });
    const rand = mulberry32(3).next;
    for (let trial = 0; trial < 2; trial++) {
      const input = Float32Array.from({ length: H * W * 3 }, () => rand());
      const x = tf.tensor4d(input, [1, H, W, 3]);
      const ref = tfModel.execute(x, fake.output) as tf.Tensor;
      const expected = ref.dataSync() as Float32Array;
      const actual = await runOnnx(serialized.model, [...serialized.dataFiles], input, [1, H, W, 3], 'out');
      x.dispose();
      ref.dispose();
      expect(expected.some((v) => v !== 0)).toBe(true);
      expect(maxAbsDiff(actual, expected)).toBeLessThan(1e-5);
    }
  });

  it('leaves a 4-D output in NHWC, as TF has it', async () => {
    const g = new FakeGraph();
    const x = g.placeholder('input', [1, 5, 4, 3]);
    const k = g.constant('k', [3, 3, 3, 2], 'float32');
    const c = g.node('conv', 'Conv2D', [x, k], {
      strides: ints(1, 2, 2, 1),
      padding: SAME,
      data_format: NHWC,
      dilations: ints(1, 1, 1, 1),
    });
    const { model, shards } = g.model();
    const converted = convertTfjsGraph(model, decodeTfjsWeights(model.weightsManifest, shards), {
      output: c,
      inputName: 'input',
      outputName: 'out',
    });
    expect(converted.graph.outputs[0]!.shape).toEqual([1, 3, 2, 2]);
    const s = serializeModel({ graph: converted.graph });
    const input = Float32Array.from({ length: 60 }, (_, i) => Math.sin(i));
    const actual = await runOnnx(s.model, [...s.dataFiles], input, [1, 5, 4, 3], 'out');
    const tfModel = await tf.loadGraphModel({ load: async () => tfjsModelArtifacts(model, shards) as unknown as tf.io.ModelArtifacts });
    const ref = tfModel.execute(tf.tensor4d(input, [1, 5, 4, 3]), c) as tf.Tensor;
    expect(maxAbsDiff(actual, ref.dataSync() as Float32Array)).toBeLessThan(1e-6);
  });

  it('refuses an unsupported op with an error naming the op and the node', () => {
    const g = new FakeGraph();
    const x = g.placeholder('input', [1, 4, 4, 3]);
    const t = g.node('block/activation', 'Tanh', [x]);
    const out = g.node('out', 'Identity', [t]);
    const { model, shards } = g.model();
    const weights = decodeTfjsWeights(model.weightsManifest, shards);
    expect(() => convertTfjsGraph(model, weights, { output: out })).toThrow(UnsupportedTfOpError);
    expect(() => convertTfjsGraph(model, weights, { output: out })).toThrow(/unsupported TF op Tanh \(node "block\/activation"\)/);
  });

  it('refuses unsupported attributes of supported ops, naming them', () => {
    const g = new FakeGraph();
    const x = g.placeholder('input', [1, 4, 4, 3]);
    const k = g.constant('k', [1, 1, 3, 2], 'float32');
    const b = g.constant('b', [2], 'float32');
    const c = g.node('conv', '_FusedConv2D', [x, k, b], {
      strides: ints(1, 1, 1, 1),
      padding: SAME,
      data_format: NHWC,
      fused_ops: { list: { s: [b64('BiasAdd'), b64('Elu')] } },
      num_args: { i: '1' },
    });
    const nchw = g.node('pool', 'AvgPool', [x], {
      ksize: ints(1, 1, 2, 2),
      strides: ints(1, 1, 1, 1),
      padding: VALID,
      data_format: { s: b64('NCHW') },
    });
    const { model, shards } = g.model();
    const weights = decodeTfjsWeights(model.weightsManifest, shards);
    expect(() => convertTfjsGraph(model, weights, { output: c })).toThrow(/_FusedConv2D \(node "conv"\): fused activation Elu/);
    expect(() => convertTfjsGraph(model, weights, { output: nchw })).toThrow(/AvgPool \(node "pool"\): data_format NCHW/);
  });

  it('walks only data inputs, in dependency order', () => {
    const nodes: TfjsNodeDef[] = [
      { name: 'c', op: 'Const', input: ['^a'] },
      { name: 'a', op: 'Placeholder' },
      { name: 'b', op: 'Mul', input: ['c', 'a:0'] },
      { name: 'unused', op: 'Tanh', input: ['b'] },
    ];
    expect(subgraphNodes(nodes, 'b').map((n) => n.name)).toEqual(['c', 'a', 'b']);
    expect(() => subgraphNodes(nodes, 'nope')).toThrow(/not in the graph/);
  });
});
