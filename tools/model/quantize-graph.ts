/**
 * @module Generic static int8 quantisation of a CNN ONNX graph description (`ModelSpec`) into QDQ form, the
 * way onnxruntime's own QDQ quantiser lays it out, so that onnxruntime's graph optimiser fuses it back into
 * integer kernels (QLinearConv, and QLinearAdd / QLinearGlobalAveragePool where the build has them).
 *
 * What gets quantised:
 * - every Conv (not listed in `excludeConvs`) whose weight (and bias) are initializers:
 *   - its input activation gets QuantizeLinear -> DequantizeLinear (uint8, asymmetric, one scale per tensor);
 *   - its weight is stored int8, per output channel, symmetric (zero point 0, values in [-127, 127]), with a
 *     DequantizeLinear on axis 0; its bias int32 at scale input scale x weight scale, zero point 0, with a
 *     DequantizeLinear (what onnxruntime's Conv selector requires: every Conv input must come from a
 *     DequantizeLinear, the bias from an int32 one);
 *   - its output gets QuantizeLinear -> DequantizeLinear. When the output's only consumer is a Clip (with
 *     constant bounds) or a Relu, the pair goes after that activation instead, with the activation's range
 *     ([min, max] of the Clip, e.g. [0, 6] for ReLU6, or calibrated when `clipRanges: 'calibrated'`):
 *     onnxruntime drops the activation as redundant (its range is inside the quantised range) and fuses
 *     DQ -> Conv -> Clip -> Q into one QLinearConv.
 * - Add (`quantizeAdd`, default on): when both inputs are quantised, its output is quantised too, which lets
 *   onnxruntime fuse DQ, DQ -> Add -> Q into QLinearAdd (a com.microsoft contrib op).
 * - GlobalAveragePool (`quantizeGlobalAveragePool`, default off): likewise (QLinearGlobalAveragePool).
 * Everything else (input scaling Mul/Sub, Transpose, Squeeze, ...) stays fp32: it reads the dequantised
 * tensors.
 *
 * What onnxruntime 1.30 makes of it (MobileNetV2, 52 convs, 10 Adds; the same in onnxruntime-node, whose
 * optimised graph can be saved, and onnxruntime-web wasm, whose verbose log reports the same 69 nodes):
 * 52 QLinearConv (all ReLU6 Clips dropped as redundant), 10 QLinearAdd, one QuantizeLinear after the fp32
 * input scaling, one DequantizeLinear before the fp32 GlobalAveragePool (QLinearGlobalAveragePool with
 * `quantizeGlobalAveragePool`); the NHWC transformer then runs every integer op channels-last with a single
 * Transpose left. onnxruntime's QDQ propagation only moves Q/DQ through data-movement ops (Transpose,
 * Reshape, Squeeze, MaxPool, ...), not through Add, Clip or GlobalAveragePool, hence the explicit pairs.
 * Speed in wasm: see quantize-graph-mobilenet.ts (int8 depthwise convs are ~5x slower than fp32 there).
 *
 * Calibration: the fp32 graph runs in onnxruntime-node (single-threaded) with every tensor that needs a range
 * exposed as an extra graph output; the range is [min, max] ('minmax') or the (100 - p)th and pth percentiles
 * of all its values ('percentile', default 99.999, two passes: extremes, then a histogram). As in
 * calibrate.ts, every bound is rounded AWAY from zero to `significantBits` significant binary digits (default
 * 6), so the float noise of another CPU's kernels cannot change the bytes of the model.
 */
import { ceilToSignificantBits, type CalibrationMethod } from './calibrate.ts';
import {
  attr,
  serializeModel,
  type GraphNode,
  type Initializer,
  type ModelSpec,
  type SerializeOptions,
  type ValueInfo,
} from './onnx-writer.ts';
import { openSession, type Engine } from './ort-sessions.ts';
import { activationQuant, quantizeBias, quantizeKernel, type ActivationQuant } from './quantize.ts';

export interface GraphCalibrationOptions {
  /** Default 'percentile'. */
  readonly method?: CalibrationMethod;
  /** For 'percentile': the upper percentile (the lower one is 100 - p), in (50, 100]. Default 99.999. */
  readonly percentile?: number;
  /** Significant bits of the rounded bounds (default 6); 0 keeps the raw floats (analysis only). */
  readonly significantBits?: number;
  /** Histogram bins for 'percentile' (default 16384). */
  readonly bins?: number;
  /** Engine that runs the fp32 graph (default 'node'). */
  readonly engine?: Engine;
}

export interface QuantizeGraphOptions {
  readonly calibration?: GraphCalibrationOptions;
  /** Shape of each calibration input (default: the graph input's shape, which must then be fixed). */
  readonly inputShape?: readonly number[];
  /** Tensor name -> range used as is (not calibrated, not rounded), e.g. a scaled input's known range. */
  readonly fixedRanges?: Readonly<Record<string, readonly [number, number]>>;
  /**
   * Range of a quantised Clip output: 'fixed' (default) = the Clip's own [min, max] (e.g. [0, 6]);
   * 'calibrated' = the calibrated range (narrower, finer steps; the Clip is still redundant).
   */
  readonly clipRanges?: 'fixed' | 'calibrated';
  /** Quantise Add outputs whose inputs are both quantised (default true). */
  readonly quantizeAdd?: boolean;
  /** Quantise GlobalAveragePool outputs whose input is quantised (default false). */
  readonly quantizeGlobalAveragePool?: boolean;
  /** Conv node names kept in fp32. */
  readonly excludeConvs?: readonly string[];
  /**
   * Conv weights: 'per-channel' (default) = int8, symmetric, one scale per output channel; 'grid' = a weight
   * tensor whose values already lie on a 256-level affine grid with an integer zero point (weights that come
   * from a uint8-quantised source, e.g. TF.js models) is stored on that grid, as int8 with one scale and one
   * zero point, i.e. losslessly; any other tensor falls back to 'per-channel'.
   */
  readonly weights?: 'per-channel' | 'grid';
  /** Name of the quantised graph (default: the fp32 graph's name + '-int8'). */
  readonly name?: string;
}

/** The calibrated (rounded) or fixed range of every quantised activation tensor. */
export interface GraphRanges {
  /** e.g. `percentile 99.999, rounded to 6 significant bits`. */
  readonly method: string;
  /** Tensor name -> [lo, hi], in graph order. */
  readonly tensors: Readonly<Record<string, readonly [number, number]>>;
}

export interface QuantizedGraph {
  /** Serialise with `serializeModel(spec, QUANT_GRAPH_SERIALIZE_OPTIONS)`. */
  readonly spec: ModelSpec;
  readonly ranges: GraphRanges;
}

/** Scales, zero points (and small biases) stay inside the .onnx instead of 4 KiB-aligned external slots. */
export const QUANT_GRAPH_SERIALIZE_OPTIONS: SerializeOptions = { inlineMaxBytes: 4096 };

export const DEFAULT_GRAPH_CALIBRATION: Required<Omit<GraphCalibrationOptions, 'engine'>> & { engine: Engine } = {
  method: 'percentile',
  percentile: 99.999,
  significantBits: 6,
  bins: 16384,
  engine: 'node',
};

const QUANT_OPSET = 13; // per-axis DequantizeLinear

// -- analysis ---------------------------------------------------------------------------------------------

interface GraphIndex {
  readonly producer: ReadonlyMap<string, GraphNode>;
  readonly consumers: ReadonlyMap<string, readonly GraphNode[]>;
  readonly initializers: ReadonlyMap<string, Initializer>;
  readonly graphOutputs: ReadonlySet<string>;
}

function indexGraph(spec: ModelSpec): GraphIndex {
  const producer = new Map<string, GraphNode>();
  const consumers = new Map<string, GraphNode[]>();
  for (const node of spec.graph.nodes) {
    for (const out of node.outputs) producer.set(out, node);
    for (const input of node.inputs) {
      if (input === '') continue;
      const list = consumers.get(input) ?? [];
      if (!list.includes(node)) list.push(node);
      consumers.set(input, list);
    }
  }
  return {
    producer,
    consumers,
    initializers: new Map(spec.graph.initializers.map((i) => [i.name, i])),
    graphOutputs: new Set(spec.graph.outputs.map((o) => o.name)),
  };
}

/** A float scalar from an initializer or a Constant node, or undefined. */
function constantScalar(index: GraphIndex, name: string | undefined): number | undefined {
  if (name === undefined || name === '') return undefined;
  const init = index.initializers.get(name);
  if (init !== undefined) return init.data instanceof Float32Array && init.data.length === 1 ? init.data[0] : undefined;
  const node = index.producer.get(name);
  if (node?.opType !== 'Constant') return undefined;
  const value = node.attributes?.['value_float'];
  return value?.kind === 'float' ? value.value : undefined;
}

/** The [min, max] of a Clip with constant bounds (a missing bound is infinite), or undefined. */
function clipBounds(index: GraphIndex, node: GraphNode): [number, number] | undefined {
  const [, minName, maxName] = node.inputs;
  const min = minName === undefined || minName === '' ? -Infinity : constantScalar(index, minName);
  const max = maxName === undefined || maxName === '' ? Infinity : constantScalar(index, maxName);
  return min === undefined || max === undefined ? undefined : [min, max];
}

/** Why a tensor is quantised (for reports), and whether its range is fixed by a Clip. */
export interface QuantizedTensor {
  readonly name: string;
  readonly role: 'conv-input' | 'conv-output' | 'activation' | 'add' | 'global-average-pool';
  /** The Clip's [min, max] for a Clip output. */
  readonly clip?: readonly [number, number];
}

export interface QuantizationPlan {
  /** In graph order (graph inputs first). */
  readonly tensors: readonly QuantizedTensor[];
  /** Names of the Conv nodes that become int8. */
  readonly convs: readonly string[];
}

/** Decides which Conv nodes become int8 and which activation tensors get a QuantizeLinear/DequantizeLinear. */
export function planQuantization(spec: ModelSpec, options: QuantizeGraphOptions = {}): QuantizationPlan {
  const index = indexGraph(spec);
  const excluded = new Set(options.excludeConvs ?? []);
  for (const name of excluded) {
    if (!spec.graph.nodes.some((n) => n.name === name && n.opType === 'Conv')) throw new Error(`excludeConvs: no Conv node ${name}`);
  }
  const marked = new Map<string, QuantizedTensor>();
  const mark = (t: QuantizedTensor): void => {
    if (!marked.has(t.name)) marked.set(t.name, t);
  };
  const convs: string[] = [];
  for (const node of spec.graph.nodes) {
    if (node.opType === 'Conv') {
      if (excluded.has(node.name)) continue;
      const [x, w, b] = node.inputs;
      const weight = w === undefined ? undefined : index.initializers.get(w);
      const bias = b === undefined || b === '' ? undefined : index.initializers.get(b);
      if (x === undefined || !(weight?.data instanceof Float32Array)) continue;
      if (b !== undefined && b !== '' && !(bias?.data instanceof Float32Array)) continue;
      convs.push(node.name);
      mark({ name: x, role: 'conv-input' });
      const y = node.outputs[0]!;
      const users = index.consumers.get(y) ?? [];
      const act = users.length === 1 && !index.graphOutputs.has(y) ? users[0]! : undefined;
      if (act?.opType === 'Clip' && act.inputs[0] === y) {
        const bounds = clipBounds(index, act);
        if (bounds !== undefined && Number.isFinite(bounds[0]) && Number.isFinite(bounds[1])) {
          mark({ name: act.outputs[0]!, role: 'activation', clip: bounds });
          continue;
        }
      }
      if (act?.opType === 'Relu') {
        mark({ name: act.outputs[0]!, role: 'activation' });
        continue;
      }
      mark({ name: y, role: 'conv-output' });
    } else if (node.opType === 'Add' && (options.quantizeAdd ?? true)) {
      if (node.inputs.length === 2 && node.inputs.every((i) => marked.has(i))) mark({ name: node.outputs[0]!, role: 'add' });
    } else if (node.opType === 'GlobalAveragePool' && (options.quantizeGlobalAveragePool ?? false)) {
      if (marked.has(node.inputs[0]!)) mark({ name: node.outputs[0]!, role: 'global-average-pool' });
    }
  }
  // Graph order: graph inputs, then by producing node.
  const order = new Map<string, number>();
  spec.graph.inputs.forEach((input, i) => order.set(input.name, i - spec.graph.inputs.length));
  spec.graph.nodes.forEach((node, i) => node.outputs.forEach((o) => order.set(o, i)));
  const tensors = [...marked.values()].sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  return { tensors, convs };
}

/** Rank of every tensor the analysis can follow (for the calibration graph's extra outputs). */
function tensorRanks(spec: ModelSpec, index: GraphIndex): Map<string, number> {
  const rank = new Map<string, number>();
  for (const input of spec.graph.inputs) rank.set(input.name, input.shape.length);
  for (const init of spec.graph.initializers) rank.set(init.name, init.dims.length);
  for (const node of spec.graph.nodes) {
    const inRank = (i: number): number | undefined => rank.get(node.inputs[i] ?? '');
    let r: number | undefined;
    switch (node.opType) {
      case 'Constant':
        r = node.attributes?.['value_ints'] !== undefined ? 1 : 0;
        break;
      case 'Conv':
        r = index.initializers.get(node.inputs[1] ?? '')?.dims.length ?? inRank(0);
        break;
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div': {
        const ranks = node.inputs.map((n) => rank.get(n));
        r = ranks.some((x) => x === undefined) ? undefined : Math.max(...(ranks as number[]));
        break;
      }
      case 'Clip':
      case 'Relu':
      case 'Transpose':
      case 'Identity':
      case 'GlobalAveragePool':
      case 'MaxPool':
      case 'AveragePool':
      case 'QuantizeLinear':
      case 'DequantizeLinear':
        r = inRank(0);
        break;
      default:
        r = undefined;
    }
    if (r !== undefined) for (const out of node.outputs) rank.set(out, r);
  }
  return rank;
}

// -- calibration ----------------------------------------------------------------------------------------

/** Rounds a bound away from zero to `bits` significant binary digits (0 stays 0). */
function roundAway(value: number, bits: number): number {
  if (value === 0) return 0;
  return value > 0 ? ceilToSignificantBits(value, bits) : -ceilToSignificantBits(-value, bits);
}

function describeCalibration(o: typeof DEFAULT_GRAPH_CALIBRATION): string {
  const base = o.method === 'minmax' ? 'minmax' : `percentile ${o.percentile}`;
  return o.significantBits > 0 ? `${base}, rounded to ${o.significantBits} significant bits` : base;
}

/**
 * Ranges of `tensors` of the fp32 graph over `inputs` (each of `shape`), rounded away from zero to the grid.
 * Returned in the order given.
 */
export async function calibrateTensors(
  spec: ModelSpec,
  tensors: readonly string[],
  inputs: readonly Float32Array[],
  shape: readonly number[],
  options: GraphCalibrationOptions = {},
): Promise<GraphRanges> {
  const opts = { ...DEFAULT_GRAPH_CALIBRATION, ...options };
  if (inputs.length === 0) throw new Error('calibration needs at least one input');
  if (opts.method === 'percentile' && !(opts.percentile > 50 && opts.percentile <= 100)) {
    throw new Error(`percentile must be in (50, 100], got ${opts.percentile}`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  for (const input of inputs) {
    if (input.length !== size) throw new Error(`calibration input has ${input.length} values, expected ${shape.join('x')}`);
  }
  if (tensors.length === 0) return { method: describeCalibration(opts), tensors: {} };
  const index = indexGraph(spec);
  const ranks = tensorRanks(spec, index);
  const graphOutputs = new Set(spec.graph.outputs.map((o) => o.name));
  const extra: ValueInfo[] = tensors
    .filter((t) => !graphOutputs.has(t))
    .map((t) => {
      const r = ranks.get(t);
      if (r === undefined) throw new Error(`calibration: cannot tell the rank of ${t}`);
      return { name: t, elementType: 'float32', shape: Array.from({ length: r }, (_, i) => `${t}:${i}`) };
    });
  const model = serializeModel({ ...spec, graph: { ...spec.graph, outputs: [...spec.graph.outputs, ...extra] } });
  const inputName = spec.graph.inputs[0]!.name;
  const session = await openSession(opts.engine, model, { inputName });
  const min = new Map(tensors.map((t) => [t, Infinity]));
  const max = new Map(tensors.map((t) => [t, -Infinity]));
  const raw = new Map<string, [number, number]>();
  try {
    const run = async (input: Float32Array): Promise<Record<string, Float32Array>> =>
      (await session.run(input, shape, tensors)) as Record<string, Float32Array>;
    for (const input of inputs) {
      const out = await run(input);
      for (const t of tensors) {
        const data = out[t]!;
        let lo = min.get(t)!;
        let hi = max.get(t)!;
        for (let i = 0; i < data.length; i++) {
          const v = data[i]!;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        min.set(t, lo);
        max.set(t, hi);
      }
    }
    if (opts.method === 'minmax') {
      for (const t of tensors) raw.set(t, [min.get(t)!, max.get(t)!]);
    } else {
      // One histogram per tensor over [min, max].
      const hists = new Map(tensors.map((t) => [t, new Float64Array(opts.bins)]));
      for (const input of inputs) {
        const out = await run(input);
        for (const t of tensors) {
          const data = out[t]!;
          const hist = hists.get(t)!;
          const lo = min.get(t)!;
          const hi = max.get(t)!;
          const perBin = hi > lo ? opts.bins / (hi - lo) : 0;
          for (let i = 0; i < data.length; i++) {
            const b = Math.floor((data[i]! - lo) * perBin);
            hist[b >= opts.bins ? opts.bins - 1 : b]! += 1;
          }
        }
      }
      for (const t of tensors) {
        const hist = hists.get(t)!;
        const lo = min.get(t)!;
        const hi = max.get(t)!;
        const width = (hi - lo) / opts.bins;
        const total = hist.reduce((a, b) => a + b, 0);
        const upperTarget = Math.ceil((opts.percentile / 100) * total);
        const lowerTarget = Math.floor(((100 - opts.percentile) / 100) * total);
        let cumulative = 0;
        let upper = opts.bins - 1;
        for (let b = 0; b < opts.bins; b++) {
          cumulative += hist[b]!;
          if (cumulative >= upperTarget) {
            upper = b;
            break;
          }
        }
        cumulative = 0;
        let lower = 0;
        for (let b = 0; b < opts.bins; b++) {
          if (cumulative + hist[b]! > lowerTarget) {
            lower = b;
            break;
          }
          cumulative += hist[b]!;
        }
        // Lower edge of the lower percentile's bin, upper edge of the upper one's.
        raw.set(t, [Math.max(lo, lo + lower * width), Math.min(hi, lo + (upper + 1) * width)]);
      }
    }
  } finally {
    await session.release();
  }
  const out: Record<string, readonly [number, number]> = {};
  for (const t of tensors) {
    const [lo, hi] = raw.get(t)!;
    let a = roundAway(Math.min(lo, 0), opts.significantBits);
    let b = roundAway(Math.max(hi, 0), opts.significantBits);
    if (!(b > a)) [a, b] = [0, 1]; // a tensor that is all zeros still needs a positive scale
    out[t] = [a, b];
  }
  return { method: describeCalibration(opts), tensors: out };
}

// -- weights --------------------------------------------------------------------------------------------

/** An int8 kernel with its DequantizeLinear parameters: per output channel (zero points 0) or per tensor. */
export interface Int8Kernel {
  readonly data: Int8Array;
  /** One scale per output channel, or one for the whole tensor. */
  readonly scales: Float32Array;
  readonly zeroPoints: Int8Array;
}

/**
 * If every value of `w` is exactly (to float32 rounding) `scale * (q - zeroPoint)` for integers q in a span of
 * at most 256 levels and an integer zero point, returns that grid as int8 (q - 128); otherwise undefined.
 */
export function findAffineGrid(w: Float32Array): Int8Kernel | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < w.length; i++) {
    min = Math.min(min, w[i]!);
    max = Math.max(max, w[i]!);
  }
  if (!(max > min) || !(min <= 0 && max >= 0)) return undefined;
  const distinct = Float64Array.from(new Set(w)).sort();
  let step = Infinity;
  for (let i = 1; i < distinct.length; i++) step = Math.min(step, distinct[i]! - distinct[i - 1]!);
  const levels = Math.round((max - min) / step);
  if (levels > 255) return undefined;
  step = (max - min) / levels; // averages out the float32 rounding of the smallest gap
  const zero = -min / step;
  const zeroPoint = Math.round(zero);
  if (Math.abs(zero - zeroPoint) > 1e-3) return undefined;
  const scale = Math.fround(step);
  const data = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const q = (w[i]! - min) / step;
    const r = Math.round(q);
    if (Math.abs(q - r) > 1e-3) return undefined;
    data[i] = r - 128;
  }
  // The grid must reproduce every value to float32 rounding, as DequantizeLinear computes it.
  const zp = zeroPoint - 128;
  for (let i = 0; i < w.length; i++) {
    const back = Math.fround((data[i]! - zp) * scale);
    if (Math.abs(back - w[i]!) > 1e-6 * Math.max(Math.abs(max), Math.abs(min))) return undefined;
  }
  return { data, scales: new Float32Array([scale]), zeroPoints: new Int8Array([zp]) };
}

function quantizeWeights(w: Float32Array, outChannels: number, mode: 'per-channel' | 'grid'): Int8Kernel {
  if (mode === 'grid') {
    const grid = findAffineGrid(w);
    if (grid !== undefined) return grid;
  }
  const k = quantizeKernel(w, outChannels);
  return { data: k.data, scales: k.scales, zeroPoints: new Int8Array(outChannels) };
}

// -- graph rewriting ------------------------------------------------------------------------------------

/** Builds the QDQ graph from given ranges (no calibration run): for rebuilding from stored ranges and tests. */
export function buildQuantizedGraph(spec: ModelSpec, ranges: GraphRanges, options: QuantizeGraphOptions = {}): ModelSpec {
  const plan = planQuantization(spec, options);
  const index = indexGraph(spec);
  const quantConvs = new Set(plan.convs);
  const usedNames = new Set<string>([
    ...spec.graph.inputs.map((i) => i.name),
    ...spec.graph.initializers.map((i) => i.name),
    ...spec.graph.nodes.flatMap((n) => [n.name, ...n.outputs]),
  ]);
  const fresh = (name: string): string => {
    if (usedNames.has(name)) throw new Error(`quantize-graph: name ${name} is already taken`);
    usedNames.add(name);
    return name;
  };

  interface TensorQuant {
    readonly q: ActivationQuant;
    readonly scale: string;
    readonly zeroPoint: string;
    readonly dequantized: string;
  }
  const newInits: Initializer[] = [];
  const addInit = (init: Initializer): string => {
    newInits.push({ ...init, name: fresh(init.name) });
    return init.name;
  };
  const quants = new Map<string, TensorQuant>();
  for (const t of plan.tensors) {
    const range = ranges.tensors[t.name];
    if (range === undefined) throw new Error(`no range for ${t.name}`);
    const q = activationQuant(range[0], range[1], 'uint8');
    quants.set(t.name, {
      q,
      scale: addInit({ name: `${t.name}/scale`, dims: [], data: new Float32Array([q.scale]) }),
      zeroPoint: addInit({ name: `${t.name}/zero_point`, dims: [], data: new Uint8Array([q.zeroPoint]) }),
      dequantized: fresh(`${t.name}/dequantized`),
    });
  }

  const nodes: GraphNode[] = [];
  const emitQdq = (tensor: string): void => {
    const tq = quants.get(tensor);
    if (tq === undefined) return;
    const quantized = fresh(`${tensor}/quantized`);
    nodes.push({
      name: fresh(`${tensor}/quantize`),
      opType: 'QuantizeLinear',
      inputs: [tensor, tq.scale, tq.zeroPoint],
      outputs: [quantized],
    });
    nodes.push({
      name: fresh(`${tensor}/dequantize`),
      opType: 'DequantizeLinear',
      inputs: [quantized, tq.scale, tq.zeroPoint],
      outputs: [tq.dequantized],
    });
  };
  const read = (tensor: string): string => quants.get(tensor)?.dequantized ?? tensor;

  for (const input of spec.graph.inputs) emitQdq(input.name);
  const replaced = new Set<string>();
  for (const node of spec.graph.nodes) {
    if (node.opType === 'Conv' && quantConvs.has(node.name)) {
      const [x, w, b] = node.inputs as [string, string, string | undefined];
      const xq = quants.get(x)!;
      const weight = index.initializers.get(w)!;
      const outChannels = weight.dims[0]!;
      const k = quantizeWeights(weight.data as Float32Array, outChannels, options.weights ?? 'per-channel');
      const perChannel = k.scales.length === outChannels && outChannels > 1;
      const paramDims = perChannel ? [outChannels] : [];
      const wq = addInit({ name: `${node.name}/weight_quantized`, dims: weight.dims, data: k.data });
      const ws = addInit({ name: `${node.name}/weight_scale`, dims: paramDims, data: perChannel ? k.scales : k.scales.slice(0, 1) });
      const wz = addInit({
        name: `${node.name}/weight_zero_point`,
        dims: paramDims,
        data: perChannel ? k.zeroPoints : k.zeroPoints.slice(0, 1),
      });
      const wd = fresh(`${node.name}/weight_dequantized`);
      nodes.push({
        name: fresh(`${node.name}/weight_dequantize`),
        opType: 'DequantizeLinear',
        inputs: [wq, ws, wz],
        outputs: [wd],
        ...(perChannel ? { attributes: { axis: attr.int(0) } } : {}),
      });
      const channelScales = perChannel ? k.scales : new Float32Array(outChannels).fill(k.scales[0]!);
      replaced.add(w);
      const inputs = [xq.dequantized, wd];
      if (b !== undefined && b !== '') {
        const bias = index.initializers.get(b)!;
        if (bias.data.length !== outChannels)
          throw new Error(`${node.name}: bias has ${bias.data.length} values for ${outChannels} channels`);
        const bq = quantizeBias(bias.data as Float32Array, xq.q.scale, channelScales);
        const bqName = addInit({ name: `${node.name}/bias_quantized`, dims: [outChannels], data: bq.data });
        const bsName = addInit({ name: `${node.name}/bias_scale`, dims: [outChannels], data: bq.scales });
        const bd = fresh(`${node.name}/bias_dequantized`);
        nodes.push({
          name: fresh(`${node.name}/bias_dequantize`),
          opType: 'DequantizeLinear',
          inputs: [bqName, bsName],
          outputs: [bd],
          attributes: { axis: attr.int(0) },
        });
        replaced.add(b);
        inputs.push(bd);
      }
      nodes.push({ ...node, inputs });
    } else {
      nodes.push({ ...node, inputs: node.inputs.map(read) });
    }
    for (const out of node.outputs) emitQdq(out);
  }
  // fp32 weights that only quantised convs used are dropped.
  const stillRead = new Set(nodes.flatMap((n) => n.inputs));
  const initializers = [...spec.graph.initializers.filter((i) => !(replaced.has(i.name) && !stillRead.has(i.name))), ...newInits];
  const roles = plan.tensors.reduce<Record<string, number>>((acc, t) => ({ ...acc, [t.role]: (acc[t.role] ?? 0) + 1 }), {});
  return {
    ...spec,
    opsetVersion: Math.max(spec.opsetVersion ?? 17, QUANT_OPSET),
    graph: {
      ...spec.graph,
      name: options.name ?? `${spec.graph.name}-int8`,
      nodes,
      initializers,
    },
    metadata: {
      ...(spec.metadata ?? {}),
      quantization: 'int8',
      'quantization.form': 'qdq',
      'quantization.activations': 'uint8 asymmetric per tensor',
      'quantization.weights':
        (options.weights ?? 'per-channel') === 'grid'
          ? 'int8: the source grid (one scale and zero point per tensor) where the weights lie on one, else symmetric per output channel'
          : 'int8 symmetric per output channel',
      'quantization.calibration': ranges.method,
      'quantization.convs': `${plan.convs.length} int8`,
      'quantization.tensors': Object.entries(roles)
        .map(([k, v]) => `${k}:${v}`)
        .join(','),
    },
  };
}

/**
 * Static int8 quantisation of `spec`: calibrates the activation ranges the plan needs on `calibrationInputs`
 * (float32, each the graph input's shape unless `options.inputShape`), then writes the QDQ graph.
 * Deterministic: the same graph, inputs and options give the same spec (bounds rounded to a coarse grid).
 */
export async function quantizeGraph(
  spec: ModelSpec,
  calibrationInputs: readonly Float32Array[],
  options: QuantizeGraphOptions = {},
): Promise<QuantizedGraph> {
  const plan = planQuantization(spec, options);
  const fixed = options.fixedRanges ?? {};
  const clipFixed = (options.clipRanges ?? 'fixed') === 'fixed';
  const rangeOf = (t: QuantizedTensor): readonly [number, number] | undefined => fixed[t.name] ?? (clipFixed ? t.clip : undefined);
  const toCalibrate = plan.tensors.filter((t) => rangeOf(t) === undefined).map((t) => t.name);
  const input = spec.graph.inputs[0];
  if (input === undefined) throw new Error('the graph has no input');
  const shape =
    options.inputShape ??
    input.shape.map((d) => {
      if (typeof d !== 'number') throw new Error(`input dimension ${d} is symbolic: pass options.inputShape`);
      return d;
    });
  const calibrated = await calibrateTensors(spec, toCalibrate, calibrationInputs, shape, options.calibration);
  const tensors: Record<string, readonly [number, number]> = {};
  for (const t of plan.tensors) {
    let range = rangeOf(t) ?? calibrated.tensors[t.name]!;
    // A calibrated Clip output must stay inside the Clip's bounds, or the Clip is no longer redundant.
    if (t.clip !== undefined) range = [Math.max(range[0], t.clip[0]), Math.min(range[1], t.clip[1])];
    tensors[t.name] = range;
  }
  const ranges: GraphRanges = { method: calibrated.method, tensors };
  return { spec: buildQuantizedGraph(spec, ranges, options), ranges };
}
