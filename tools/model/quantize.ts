/**
 * @module Static int8 quantisation of the Keras VGG16 conv base, as an ONNX graph.
 *
 * - Weights: per-output-channel symmetric int8 (scale = max |w| / 127, zero point 0, values in [-127, 127]).
 * - Biases: int32 with scale = input scale * weight scale (per channel), zero point 0.
 * - Activations: asymmetric 8-bit (uint8 by default), one scale per tensor, calibrated on real images
 *   (calibrate.ts). A conv's output is quantised with the range of its ReLU output, [0, hi], whose zero
 *   point is the type's minimum, so the saturating requantisation IS the ReLU: no Relu node is needed.
 *   The network input gets the fixed range of caffe-preprocessed pixels.
 * - Max-pools run on the quantised tensor (max commutes with a monotonic quantisation); the last pool is
 *   dequantised and GlobalAveragePool runs in fp32.
 *
 * Forms (`QuantGraphOptions.form`):
 * - 'qlinear': QLinearConv operators (quantised x, int8 w, int32 bias in one node).
 * - 'qdq': QuantizeLinear/DequantizeLinear pairs around fp32 Conv, which onnxruntime fuses into QLinearConv
 *   when it optimises the graph (level 'all'/'extended').
 * Options: int8 instead of uint8 activations; conv layers kept in fp32 (e.g. the 3-channel first conv);
 * strip-mining of whole blocks (see `strips`), which bounds the working set of the large early layers and
 * leaves every output value bit-identical.
 */
import { caffeInputRange } from './calibration-set.ts';
import { calibrateVgg16, type ActivationRanges, type CalibrationOptions } from './calibrate.ts';
import { attr, type GraphNode, type GraphSpec, type Initializer, type ModelSpec, type SerializeOptions } from './onnx-writer.ts';
import {
  hwioToOihw,
  INPUT_NAME,
  OUTPUT_NAME,
  VGG16_CONFIG,
  vgg16Dims,
  vgg16Layers,
  type ConvLayer,
  type KerasConvWeights,
  type Vgg16Config,
} from './vgg16.ts';

export type QuantForm = 'qlinear' | 'qdq';
export type ActivationType = 'uint8' | 'int8';

export interface QuantGraphOptions {
  /** Default 'qlinear'. */
  readonly form?: QuantForm;
  /** Default 'uint8'. */
  readonly activations?: ActivationType;
  /** Conv layers kept in fp32 (Conv + QuantizeLinear instead of an int8 conv), e.g. ['block1_conv1']. */
  readonly fp32Layers?: readonly string[];
  /**
   * Strip-mining: block number (1-based) -> number of horizontal strips. A stripped block computes each strip
   * of its pooled output from a slice of the block's input with a halo (one row per conv), with the convs'
   * vertical padding kept only at the image's top and bottom edges; the pooled strips are concatenated.
   * Every value is computed from exactly the same inputs, so the output is bit-identical.
   */
  readonly strips?: Readonly<Record<number, number>>;
  readonly name?: string;
  readonly docString?: string;
}

/** Opset of the quantised graph (per-axis QuantizeLinear/DequantizeLinear need >= 13). */
export const QUANT_OPSET = 17;

/**
 * Serialisation for quantised graphs: scales, zero points, biases and slice bounds (each at most 4 KiB) stay
 * inside the .onnx, instead of each taking a 4 KiB-aligned slot of external data.
 */
export const QUANT_SERIALIZE_OPTIONS: SerializeOptions = { inlineMaxBytes: 4096 };

/** Defaults of the low-level graph builder (`buildQuantizedVgg16Graph`): no strips unless asked for. */
export const DEFAULT_QUANT_GRAPH_OPTIONS: Required<Pick<QuantGraphOptions, 'form' | 'activations' | 'fp32Layers'>> = {
  form: 'qlinear',
  activations: 'uint8',
  fp32Layers: [],
};

/**
 * The recommended int8 model, measured in onnxruntime-web 1.30 wasm, 1 thread (tools/model/quant-bench.ts):
 * QLinearConv with uint8 activations (int8 activations hit a ~15x slower QLinearConv path, and their QDQ form
 * is only partly fused; the uint8 QDQ form runs the very same kernels after onnxruntime fuses it, bit for
 * bit, but builds sessions slower and its file is bigger), the first conv in int8 too (fp32 there was no
 * faster: the quantisation of its 3.2M outputs costs what the conv saves), and blocks 1-3 strip-mined
 * (8, 4, 4 strips): bit-identical output, and onnxruntime-web's wasm memory stays at its size after session
 * creation (33 MiB instead of 77 MiB for the full model), for ~2-9 % more time (the halo rows block 3
 * recomputes; strips in blocks 1-2 alone: 48 MiB, ~1 %). Calibration: the 99.999th percentile, which kept
 * fidelity best, also on images left out of the calibration (tools/model/quant-bench.ts --calibration).
 * `quantizeVgg16` uses these for every option not given; recipes pin them (recipes.ts).
 */
export const RECOMMENDED_INT8: { readonly calibration: CalibrationOptions; readonly graph: QuantGraphOptions } = {
  calibration: { method: 'percentile', percentile: 99.999, significantBits: 6 },
  graph: { form: 'qlinear', activations: 'uint8', fp32Layers: [], strips: { 1: 8, 2: 4, 3: 4 } },
};

/** Caps each block's strip count at its pooled rows (small test configurations). */
function fitStrips(config: Vgg16Config, strips: Readonly<Record<number, number>>): Record<number, number> {
  const layers = vgg16Layers(config);
  const fitted: Record<number, number> = {};
  for (const [block, n] of Object.entries(strips)) {
    const first = layers.find((l) => l.block === Number(block));
    if (first !== undefined) fitted[Number(block)] = Math.max(1, Math.min(n, Math.floor(first.height / 2)));
  }
  return fitted;
}

interface QuantRange {
  readonly qmin: number;
  readonly qmax: number;
}

const Q_RANGE: Record<ActivationType, QuantRange> = {
  uint8: { qmin: 0, qmax: 255 },
  int8: { qmin: -128, qmax: 127 },
};

/** IEEE round-half-to-even, as ONNX QuantizeLinear rounds. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface ActivationQuant {
  /** float32 scale. */
  readonly scale: number;
  /** Integer zero point in the type's range. */
  readonly zeroPoint: number;
  readonly type: ActivationType;
}

/** Asymmetric quantisation of [lo, hi] (widened to hold 0, so that padding and ReLU's 0 are exact). */
export function activationQuant(lo: number, hi: number, type: ActivationType): ActivationQuant {
  const { qmin, qmax } = Q_RANGE[type];
  const min = Math.min(lo, 0);
  const max = Math.max(hi, 0);
  if (!(max > min)) throw new Error(`empty activation range [${lo}, ${hi}]`);
  const scale = Math.fround((max - min) / (qmax - qmin));
  const zeroPoint = Math.min(qmax, Math.max(qmin, roundHalfEven(qmin - min / scale)));
  return { scale, zeroPoint, type };
}

export interface QuantizedKernel {
  /** OIHW int8, in [-127, 127]. */
  readonly data: Int8Array;
  /** One float32 scale per output channel. */
  readonly scales: Float32Array;
}

/** Per-output-channel symmetric int8 quantisation of an OIHW kernel. */
export function quantizeKernel(oihw: Float32Array, outChannels: number): QuantizedKernel {
  const per = oihw.length / outChannels;
  if (!Number.isInteger(per)) throw new Error(`kernel of ${oihw.length} values does not split into ${outChannels} channels`);
  const data = new Int8Array(oihw.length);
  const scales = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    let m = 0;
    for (let i = o * per; i < (o + 1) * per; i++) m = Math.max(m, Math.abs(oihw[i]!));
    const scale = m > 0 ? Math.fround(m / 127) : 1;
    scales[o] = scale;
    for (let i = o * per; i < (o + 1) * per; i++) {
      data[i] = Math.max(-127, Math.min(127, roundHalfEven(oihw[i]! / scale)));
    }
  }
  return { data, scales };
}

/** int32 bias with scale inputScale * weightScale[c] (float32 product, as onnxruntime's quantiser makes it). */
export function quantizeBias(
  bias: Float32Array,
  inputScale: number,
  weightScales: Float32Array,
): { data: Int32Array; scales: Float32Array } {
  const data = new Int32Array(bias.length);
  const scales = new Float32Array(bias.length);
  for (let o = 0; o < bias.length; o++) {
    const scale = Math.fround(inputScale * weightScales[o]!);
    scales[o] = scale;
    data[o] = Math.max(-2147483648, Math.min(2147483647, roundHalfEven(bias[o]! / scale)));
  }
  return { data, scales };
}

/** One row range [start, end) per strip of a block, for its convs' inputs and its pooled output. */
export interface StripPlan {
  /** Pooled output rows. */
  readonly out: readonly [number, number];
  /** Per conv of the block: the input rows it reads and its vertical pads [top, bottom]. */
  readonly convs: readonly { readonly rows: readonly [number, number]; readonly pads: readonly [number, number] }[];
}

/** Splits a block (`convCount` 3x3 'same' convs on `height` rows, then a 2x2/2 pool) into `strips` strips. */
export function planStrips(height: number, convCount: number, strips: number): StripPlan[] {
  const pooled = Math.floor(height / 2);
  if (!Number.isInteger(strips) || strips < 1 || strips > pooled) {
    throw new Error(`cannot split ${pooled} pooled rows into ${strips} strips`);
  }
  const plans: StripPlan[] = [];
  for (let k = 0; k < strips; k++) {
    const r0 = Math.floor((k * pooled) / strips);
    const r1 = Math.floor(((k + 1) * pooled) / strips);
    // Backwards from the pool: conv j must produce rows [a, b), so it reads [max(0, a-1), min(H, b+1)).
    let a = 2 * r0;
    let b = 2 * r1;
    const convs: { rows: [number, number]; pads: [number, number] }[] = [];
    for (let j = convCount - 1; j >= 0; j--) {
      const inA = Math.max(0, a - 1);
      const inB = Math.min(height, b + 1);
      convs.unshift({ rows: [inA, inB], pads: [inA - (a - 1), b + 1 - inB] });
      a = inA;
      b = inB;
    }
    plans.push({ out: [r0, r1], convs });
  }
  return plans;
}

/** A tensor in the graph under construction: fp32, or quantised with known parameters. */
interface Value {
  readonly name: string;
  readonly quant?: { readonly scaleName: string; readonly zeroPointName: string; readonly q: ActivationQuant };
}

function scalarZeroPoint(q: ActivationQuant): Uint8Array | Int8Array {
  return q.type === 'uint8' ? new Uint8Array([q.zeroPoint]) : new Int8Array([q.zeroPoint]);
}

/**
 * Builds the int8 graph from fp32 Keras weights and calibrated ranges. Same input and output as the fp32
 * graph (`input` NHWC float32 caffe-preprocessed, `features` [1, C] float32).
 */
export function buildQuantizedVgg16Graph(
  config: Vgg16Config,
  weights: ReadonlyMap<string, KerasConvWeights>,
  ranges: ActivationRanges,
  options: QuantGraphOptions = {},
): GraphSpec {
  const form = options.form ?? DEFAULT_QUANT_GRAPH_OPTIONS.form;
  const type = options.activations ?? DEFAULT_QUANT_GRAPH_OPTIONS.activations;
  const fp32Layers = new Set(options.fp32Layers ?? DEFAULT_QUANT_GRAPH_OPTIONS.fp32Layers);
  const layers = vgg16Layers(config);
  const inputChannels = config.inputChannels ?? 3;
  for (const name of fp32Layers) {
    if (!layers.some((l) => l.name === name)) throw new Error(`fp32Layers: unknown layer ${name}`);
  }
  for (const key of weights.keys()) {
    if (!layers.some((l) => l.name === key)) throw new Error(`weights given for unknown layer ${key}`);
  }
  const blockCount = config.blocks.length;
  for (const [block, n] of Object.entries(options.strips ?? {})) {
    const b = Number(block);
    if (!Number.isInteger(b) || b < 1 || b > blockCount) throw new Error(`strips: no block ${block}`);
    if (!Number.isInteger(n) || n < 1) throw new Error(`strips: block ${block}: bad strip count ${n}`);
  }

  const nodes: GraphNode[] = [];
  const initializers: Initializer[] = [];
  const add = (init: Initializer): string => {
    initializers.push(init);
    return init.name;
  };
  const ints64 = (name: string, values: readonly number[]): string =>
    add({ name, dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });

  // Quantisation parameters of every activation tensor, as initializers.
  const quantValue = (prefix: string, q: ActivationQuant): NonNullable<Value['quant']> => ({
    scaleName: add({ name: `${prefix}/scale`, dims: [], data: new Float32Array([q.scale]) }),
    zeroPointName: add({ name: `${prefix}/zero_point`, dims: [], data: scalarZeroPoint(q) }),
    q,
  });
  const [inLo, inHi] = ranges.input;
  let inputQuantCache: NonNullable<Value['quant']> | undefined;
  // Created on first use: a graph whose first conv is fp32 never quantises its input.
  const inputQuant = (): NonNullable<Value['quant']> => (inputQuantCache ??= quantValue('input', activationQuant(inLo, inHi, type)));
  const layerQuant = new Map<string, NonNullable<Value['quant']>>();
  for (const layer of layers) {
    const hi = ranges.layers[layer.name];
    if (hi === undefined) throw new Error(`no calibrated range for ${layer.name}`);
    layerQuant.set(layer.name, quantValue(layer.name, activationQuant(0, hi, type)));
  }

  // Per-layer weights: int8 layers get quantised kernels and int32 biases; fp32 layers keep floats.
  interface LayerParams {
    readonly layer: ConvLayer;
    readonly int8: boolean;
    /** fp32: the float kernel and bias; qlinear: the int8 kernel and int32 bias; qdq: their dequantised
     * outputs (one DequantizeLinear per layer, shared by its strips). */
    readonly kernel: string;
    readonly bias: string;
    /** qlinear only. */
    readonly kernelScale?: string;
    readonly kernelZeroPoint?: string;
  }
  const params = new Map<string, LayerParams>();
  layers.forEach((layer, index) => {
    const w = weights.get(layer.name);
    if (w === undefined) throw new Error(`no weights for ${layer.name}`);
    if (w.bias.length !== layer.outChannels) {
      throw new Error(`${layer.name}: bias has ${w.bias.length} values, expected ${layer.outChannels}`);
    }
    const oihw = hwioToOihw(w.kernel, 3, 3, layer.inChannels, layer.outChannels);
    const kernelDims = [layer.outChannels, layer.inChannels, 3, 3];
    if (fp32Layers.has(layer.name)) {
      params.set(layer.name, {
        layer,
        int8: false,
        kernel: add({ name: `${layer.name}/kernel`, dims: kernelDims, data: oihw }),
        bias: add({ name: `${layer.name}/bias`, dims: [layer.outChannels], data: w.bias }),
      });
      return;
    }
    // The conv's input quantisation: the network input's, or the previous conv's output's.
    const prev = layers[index - 1];
    const xq = prev === undefined ? inputQuant() : layerQuant.get(prev.name)!;
    const k = quantizeKernel(oihw, layer.outChannels);
    const b = quantizeBias(w.bias, xq.q.scale, k.scales);
    const kernel = add({ name: `${layer.name}/kernel_quantized`, dims: kernelDims, data: k.data });
    const kernelScale = add({ name: `${layer.name}/kernel_scale`, dims: [layer.outChannels], data: k.scales });
    const kernelZeroPoint = add({
      name: `${layer.name}/kernel_zero_point`,
      dims: [layer.outChannels],
      data: new Int8Array(layer.outChannels),
    });
    const biasQ = add({ name: `${layer.name}/bias_quantized`, dims: [layer.outChannels], data: b.data });
    if (form === 'qlinear') {
      params.set(layer.name, { layer, int8: true, kernel, bias: biasQ, kernelScale, kernelZeroPoint });
      return;
    }
    const biasScale = add({ name: `${layer.name}/bias_scale`, dims: [layer.outChannels], data: b.scales });
    nodes.push({
      name: `${layer.name}/kernel_dequantize`,
      opType: 'DequantizeLinear',
      inputs: [kernel, kernelScale, kernelZeroPoint],
      outputs: [`${layer.name}/kernel_dequantized`],
      attributes: { axis: attr.int(0) },
    });
    nodes.push({
      name: `${layer.name}/bias_dequantize`,
      opType: 'DequantizeLinear',
      inputs: [biasQ, biasScale],
      outputs: [`${layer.name}/bias_dequantized`],
      attributes: { axis: attr.int(0) },
    });
    params.set(layer.name, { layer, int8: true, kernel: `${layer.name}/kernel_dequantized`, bias: `${layer.name}/bias_dequantized` });
  });

  const quantize = (value: Value, quant: NonNullable<Value['quant']>, name: string): Value => {
    nodes.push({
      name: `${name}/quantize`,
      opType: 'QuantizeLinear',
      inputs: [value.name, quant.scaleName, quant.zeroPointName],
      outputs: [name],
    });
    return { name, quant };
  };
  const dequantize = (value: Value, name: string): Value => {
    const quant = value.quant;
    if (quant === undefined) return value;
    nodes.push({
      name: `${name}/dequantize`,
      opType: 'DequantizeLinear',
      inputs: [value.name, quant.scaleName, quant.zeroPointName],
      outputs: [name],
    });
    return { name };
  };

  /** One conv (whole or a strip): `pads` = [top, left, bottom, right]; `tag` makes node names unique. */
  const conv = (p: LayerParams, x: Value, pads: readonly number[], tag: string): Value => {
    const { layer } = p;
    const out = `${layer.name}${tag}`;
    const yq = layerQuant.get(layer.name)!;
    const attributes = {
      kernel_shape: attr.ints([3, 3]),
      pads: attr.ints(pads),
      strides: attr.ints([1, 1]),
      dilations: attr.ints([1, 1]),
      group: attr.int(1),
    };
    if (!p.int8) {
      const input = dequantize(x, `${out}/input_dequantized`);
      nodes.push({ name: `${out}/conv`, opType: 'Conv', inputs: [input.name, p.kernel, p.bias], outputs: [`${out}/conv`], attributes });
      return quantize({ name: `${out}/conv` }, yq, out); // the quantisation's saturation at 0 is the ReLU
    }
    const xIn = x.quant === undefined ? quantize(x, inputQuant(), `${out}/input_quantized`) : x;
    const xq = xIn.quant!;
    if (form === 'qlinear') {
      nodes.push({
        name: `${out}/qlinearconv`,
        opType: 'QLinearConv',
        inputs: [
          xIn.name,
          xq.scaleName,
          xq.zeroPointName,
          p.kernel,
          p.kernelScale!,
          p.kernelZeroPoint!,
          yq.scaleName,
          yq.zeroPointName,
          p.bias,
        ],
        outputs: [out],
        attributes,
      });
      return { name: out, quant: yq };
    }
    const xf = dequantize(xIn, `${out}/input_dequantized`);
    nodes.push({ name: `${out}/conv`, opType: 'Conv', inputs: [xf.name, p.kernel, p.bias], outputs: [`${out}/conv`], attributes });
    return quantize({ name: `${out}/conv` }, yq, out);
  };
  const pool = (x: Value, name: string): Value => {
    nodes.push({
      name,
      opType: 'MaxPool',
      inputs: [x.name],
      outputs: [name],
      attributes: { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) },
    });
    return { name, ...(x.quant === undefined ? {} : { quant: x.quant }) };
  };

  nodes.push({
    name: 'input_to_nchw',
    opType: 'Transpose',
    inputs: [INPUT_NAME],
    outputs: ['input_nchw'],
    attributes: { perm: attr.ints([0, 3, 1, 2]) },
  });
  let current: Value = { name: 'input_nchw' };
  // Quantise the input once (not once per strip) when the first conv is int8.
  const first = layers[0]!;
  if (params.get(first.name)!.int8) current = quantize(current, inputQuant(), 'input_quantized');

  for (let b = 1; b <= blockCount; b++) {
    const blockLayers = layers.filter((l) => l.block === b).map((l) => params.get(l.name)!);
    const poolName = `block${b}_pool`;
    const stripCount = options.strips?.[b] ?? 1;
    if (stripCount <= 1) {
      for (const p of blockLayers) current = conv(p, current, [1, 1, 1, 1], '');
      current = pool(current, poolName);
      continue;
    }
    const height = blockLayers[0]!.layer.height;
    const pieces: Value[] = [];
    planStrips(height, blockLayers.length, stripCount).forEach((plan, k) => {
      const tag = `/strip${k}`;
      const [r0, r1] = plan.convs[0]!.rows;
      const sliceName = `block${b}${tag}/input`;
      nodes.push({
        name: `${sliceName}/slice`,
        opType: 'Slice',
        inputs: [current.name, ints64(`${sliceName}/starts`, [r0]), ints64(`${sliceName}/ends`, [r1]), ints64(`${sliceName}/axes`, [2])],
        outputs: [sliceName],
      });
      let x: Value = { name: sliceName, ...(current.quant === undefined ? {} : { quant: current.quant }) };
      blockLayers.forEach((p, j) => {
        const [top, bottom] = plan.convs[j]!.pads;
        x = conv(p, x, [top, 1, bottom, 1], tag);
      });
      pieces.push(pool(x, `${poolName}${tag}`));
    });
    const quant = pieces[0]!.quant;
    nodes.push({
      name: poolName,
      opType: 'Concat',
      inputs: pieces.map((p) => p.name),
      outputs: [poolName],
      attributes: { axis: attr.int(2) },
    });
    current = { name: poolName, ...(quant === undefined ? {} : { quant }) };
  }

  current = dequantize(current, 'features_map');
  nodes.push({ name: 'global_average_pooling2d', opType: 'GlobalAveragePool', inputs: [current.name], outputs: ['gap'] });
  nodes.push({ name: 'flatten', opType: 'Flatten', inputs: ['gap'], outputs: [OUTPUT_NAME], attributes: { axis: attr.int(1) } });

  return {
    name: options.name ?? 'vgg16-int8',
    ...(options.docString === undefined ? {} : { docString: options.docString }),
    inputs: [{ name: INPUT_NAME, elementType: 'float32', shape: [1, config.height, config.width, inputChannels] }],
    outputs: [{ name: OUTPUT_NAME, elementType: 'float32', shape: [1, vgg16Dims(config)] }],
    nodes,
    initializers,
  };
}

/** Every option left out takes its value from RECOMMENDED_INT8 (pass `strips: {}` for no strip-mining). */
export interface QuantizeVgg16Options extends QuantGraphOptions {
  /** Architecture (default: the full Keras VGG16 at 224x224). */
  readonly config?: Vgg16Config;
  readonly calibration?: CalibrationOptions;
}

export interface QuantizedVgg16 {
  /** The int8 model; serialise it with `serializeModel(spec, QUANT_SERIALIZE_OPTIONS)`. */
  readonly spec: ModelSpec;
  /** The calibrated (rounded) activation ranges the graph was built with. */
  readonly ranges: ActivationRanges;
}

/**
 * The whole pipeline for one set of fp32 weights: calibrate activation ranges by running the fp32 model
 * (onnxruntime-node) on `calibrationInputs` (caffe-preprocessed NHWC float32, [1, H, W, 3] each, e.g.
 * `caffeTensor` of `loadCalibrationSet()`), then build the int8 graph. Deterministic: the same weights,
 * inputs and options give the same graph (ranges are rounded to a coarse grid, see calibrate.ts).
 * `spec.metadata` records the quantisation settings; callers add their own keys (id, version, ...).
 */
export async function quantizeVgg16(
  kerasWeights: ReadonlyMap<string, KerasConvWeights>,
  calibrationInputs: readonly Float32Array[],
  options: QuantizeVgg16Options = {},
): Promise<QuantizedVgg16> {
  const config = options.config ?? VGG16_CONFIG;
  const { ranges } = await calibrateVgg16(config, kerasWeights, calibrationInputs, {
    inputRange: caffeInputRange(),
    ...(options.calibration ?? RECOMMENDED_INT8.calibration),
  });
  const { config: _config, calibration: _calibration, ...graphOptions } = options;
  const graph: QuantGraphOptions = {
    ...RECOMMENDED_INT8.graph,
    ...graphOptions,
    strips: options.strips ?? fitStrips(config, RECOMMENDED_INT8.graph.strips ?? {}),
  };
  return { spec: quantizedVgg16Spec(config, kerasWeights, ranges, graph), ranges };
}

/** The ModelSpec for given ranges (no calibration run): for rebuilding from stored ranges and for tests. */
export function quantizedVgg16Spec(
  config: Vgg16Config,
  kerasWeights: ReadonlyMap<string, KerasConvWeights>,
  ranges: ActivationRanges,
  options: QuantGraphOptions = {},
): ModelSpec {
  const graph = buildQuantizedVgg16Graph(config, kerasWeights, ranges, options);
  const strips = Object.entries(options.strips ?? {})
    .filter(([, n]) => n > 1)
    .map(([b, n]) => `block${b}:${n}`)
    .join(',');
  return {
    graph,
    opsetVersion: QUANT_OPSET,
    metadata: {
      quantization: 'int8',
      'quantization.form': options.form ?? DEFAULT_QUANT_GRAPH_OPTIONS.form,
      'quantization.activations': options.activations ?? DEFAULT_QUANT_GRAPH_OPTIONS.activations,
      'quantization.weights': 'int8 symmetric per output channel',
      'quantization.calibration': ranges.method,
      'quantization.fp32_layers': [...(options.fp32Layers ?? [])].join(','),
      'quantization.strips': strips,
    },
  };
}
