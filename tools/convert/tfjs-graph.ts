/**
 * @module Converts (part of) a TensorFlow.js graph model — `model.json` (a TF GraphDef as JSON) plus its
 * weight shards — into the ONNX graph description of tools/model/onnx-writer.ts (opset 17, fp32).
 *
 * Scope: the inference ops of image CNNs as the TF.js converter leaves them (MobileNet-style graphs):
 *
 *   Placeholder            graph input (NHWC), then one Transpose to NCHW
 *   Const                  an initializer, dequantized exactly as TF.js does (see decodeTfjsWeights)
 *   Identity, StopGradient, Snapshot     aliases (no node)
 *   Conv2D, _FusedConv2D   Conv (group = in / filter-in), fused BiasAdd -> Conv bias, Relu/Relu6 after
 *   DepthwiseConv2dNative, FusedDepthwiseConv2dNative    Conv with group = C, weight [C*mult, 1, kh, kw]
 *   BiasAdd, Add, AddV2, Sub, Mul, RealDiv               Add/Sub/Mul/Div (constants reshaped to NCHW)
 *   Relu, Relu6            Relu, Clip(0, 6)
 *   AvgPool, MaxPool       AveragePool (count_include_pad=0, as TF) / MaxPool, or Global*Pool when the
 *                          window is the whole VALID input
 *   Mean                   ReduceMean (over both spatial axes)
 *   Squeeze                Squeeze (removing both spatial axes of an NCHW tensor)
 *   Pad, PadV2, MirrorPad  Pad (constant / reflect)
 *
 * TF 'SAME' padding is written as explicit ONNX pads computed from the static input size (TF puts the odd
 * pixel at the bottom/right; ONNX auto_pad SAME_UPPER would agree but explicit pads leave nothing to the
 * runtime). Every other op, attribute value or data format is refused with an error naming the node.
 *
 * Layout: TF tensors are NHWC. The graph input is transposed once to NCHW and every 4-D tensor stays NCHW
 * inside the ONNX graph; a 4-D graph output is transposed back, so the ONNX model means what the TF graph
 * means. Shapes are tracked statically (the batch size is fixed by an option).
 */
import { decodeBase64 } from '../../src/core/util/base64.ts';
import { hwioToOihw } from '../model/vgg16.ts';
import { attr, type AttributeValue, type GraphNode, type GraphSpec, type Initializer } from '../model/onnx-writer.ts';

// ---------------------------------------------------------------------------------------------------------
// model.json types (the subset read here)

export interface TfjsAttrValue {
  readonly s?: string; // base64 bytes
  readonly i?: string | number;
  readonly f?: number;
  readonly b?: boolean;
  readonly type?: string;
  readonly list?: {
    readonly s?: readonly string[];
    readonly i?: readonly (string | number)[];
    readonly f?: readonly number[];
  };
  readonly shape?: unknown;
  readonly tensor?: unknown;
}

export interface TfjsNodeDef {
  readonly name: string;
  readonly op: string;
  readonly input?: readonly string[];
  readonly attr?: Readonly<Record<string, TfjsAttrValue>>;
  readonly device?: string;
}

export interface TfjsQuantization {
  readonly dtype: 'uint8' | 'uint16' | 'float16';
  readonly min?: number;
  readonly scale?: number;
}

export interface TfjsWeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: TfjsQuantization;
}

export interface TfjsWeightsGroup {
  readonly paths: readonly string[];
  readonly weights: readonly TfjsWeightSpec[];
}

export interface TfjsGraphModelJson {
  readonly format?: string;
  readonly generatedBy?: string;
  readonly convertedBy?: string | null;
  readonly modelTopology: { readonly node: readonly TfjsNodeDef[]; readonly [key: string]: unknown };
  readonly weightsManifest: readonly TfjsWeightsGroup[];
  readonly userDefinedMetadata?: unknown;
  readonly [key: string]: unknown;
}

export interface DecodedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
  readonly data: Float32Array | Int32Array;
}

// ---------------------------------------------------------------------------------------------------------
// Weights

const QUANT_BYTES = { uint8: 1, uint16: 2, float16: 2 } as const;
const PLAIN_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4 };

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function specByteLength(spec: TfjsWeightSpec): number {
  const size = sizeOf(spec.shape);
  if (spec.quantization !== undefined) {
    const bytes = QUANT_BYTES[spec.quantization.dtype];
    if (bytes === undefined) throw new Error(`weight ${spec.name}: unknown quantization dtype ${String(spec.quantization.dtype)}`);
    return size * bytes;
  }
  const bytes = PLAIN_BYTES[spec.dtype];
  if (bytes === undefined) throw new Error(`weight ${spec.name}: unsupported dtype ${spec.dtype}`);
  return size * bytes;
}

/** IEEE half -> float32 (exact: every half is a float32). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function decodeOne(spec: TfjsWeightSpec, bytes: Uint8Array): DecodedTensor {
  const size = sizeOf(spec.shape);
  const q = spec.quantization;
  const { name, shape } = spec;
  if (q === undefined) {
    const copy = bytes.slice(); // aligned, owned
    if (spec.dtype === 'float32') return { name, shape, dtype: 'float32', data: new Float32Array(copy.buffer, 0, size) };
    if (spec.dtype === 'int32') return { name, shape, dtype: 'int32', data: new Int32Array(copy.buffer, 0, size) };
    throw new Error(`weight ${name}: unsupported dtype ${spec.dtype}`);
  }
  const copy = bytes.slice();
  const quantized = q.dtype === 'uint8' ? copy : new Uint16Array(copy.buffer, 0, size);
  if (q.dtype === 'float16') {
    if (spec.dtype !== 'float32') throw new Error(`weight ${name}: float16 quantization of ${spec.dtype}`);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = halfToFloat(quantized[i]!);
    return { name, shape, dtype: 'float32', data };
  }
  if (typeof q.min !== 'number' || typeof q.scale !== 'number') {
    throw new Error(`weight ${name}: ${q.dtype} quantization without min and scale`);
  }
  const { min, scale } = q;
  if (spec.dtype === 'float32') {
    // tfjs-core io_utils decodeWeight: values[i] = v * scale + min, in float64, stored to float32.
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = quantized[i]! * scale + min;
    return { name, shape, dtype: 'float32', data };
  }
  if (spec.dtype === 'int32') {
    const data = new Int32Array(size);
    for (let i = 0; i < size; i++) data[i] = Math.round(quantized[i]! * scale + min);
    return { name, shape, dtype: 'int32', data };
  }
  throw new Error(`weight ${name}: ${q.dtype} quantization of ${spec.dtype}`);
}

/** Each weights group's shards concatenated in `paths` order (a group's tensors run across its shards). */
function groupBytes(group: TfjsWeightsGroup, shards: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const parts = group.paths.map((path) => {
    const part = shards.get(path);
    if (part === undefined) throw new Error(`weight shard ${JSON.stringify(path)} is missing`);
    return part;
  });
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

/**
 * Decodes every weight of the manifest, as tfjs-core's `decodeWeights` does: uint8/uint16 values become
 * `v * scale + min` (computed in float64, rounded once to float32; int32 weights are rounded to integers),
 * float16 values are widened. The shard bytes must be exactly as long as the manifest says.
 */
export function decodeTfjsWeights(
  manifest: readonly TfjsWeightsGroup[],
  shards: ReadonlyMap<string, Uint8Array>,
): Map<string, DecodedTensor> {
  const out = new Map<string, DecodedTensor>();
  for (const group of manifest) {
    const bytes = groupBytes(group, shards);
    let offset = 0;
    for (const spec of group.weights) {
      const length = specByteLength(spec);
      if (offset + length > bytes.byteLength) {
        throw new Error(`weight ${spec.name} runs past the end of its shards (${bytes.byteLength} bytes)`);
      }
      if (out.has(spec.name)) throw new Error(`weight ${spec.name} appears twice in the manifest`);
      out.set(spec.name, decodeOne(spec, bytes.subarray(offset, offset + length)));
      offset += length;
    }
    if (offset !== bytes.byteLength) {
      throw new Error(`shards ${group.paths.join(', ')} hold ${bytes.byteLength} bytes, the manifest describes ${offset}`);
    }
  }
  return out;
}

/**
 * What `tf.loadGraphModel` needs from an IOHandler's `load()` (tf.io.ModelArtifacts), built in memory:
 * the topology, the weight specs of every group in order and all shards concatenated in the same order.
 */
export function tfjsModelArtifacts(
  model: TfjsGraphModelJson,
  shards: ReadonlyMap<string, Uint8Array>,
): {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  userDefinedMetadata?: unknown;
  weightSpecs: TfjsWeightSpec[];
  weightData: ArrayBuffer;
} {
  const groups = model.weightsManifest.map((g) => groupBytes(g, shards));
  const total = groups.reduce((s, g) => s + g.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const g of groups) {
    weightData.set(g, offset);
    offset += g.byteLength;
  }
  return {
    modelTopology: model.modelTopology,
    ...(model.format === undefined ? {} : { format: model.format }),
    ...(model.generatedBy === undefined ? {} : { generatedBy: model.generatedBy }),
    ...(model.convertedBy === undefined ? {} : { convertedBy: model.convertedBy }),
    ...(model.userDefinedMetadata === undefined ? {} : { userDefinedMetadata: model.userDefinedMetadata }),
    weightSpecs: model.weightsManifest.flatMap((g) => [...g.weights]),
    weightData: weightData.buffer,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Graph walking

export class UnsupportedTfOpError extends Error {
  readonly op: string;
  readonly node: string;
  constructor(op: string, node: string, detail?: string) {
    super(`unsupported TF op ${op} (node ${JSON.stringify(node)})${detail === undefined ? '' : `: ${detail}`}`);
    this.name = 'UnsupportedTfOpError';
    this.op = op;
    this.node = node;
  }
}

/** `name`, `name:0` -> `name`; control inputs (`^name`) -> undefined; other output indices are refused. */
function dataInputName(input: string, node: TfjsNodeDef): string | undefined {
  if (input.startsWith('^')) return undefined;
  const m = /^(.*?)(?::(\d+))?$/.exec(input);
  const base = m?.[1] ?? input;
  const index = m?.[2];
  if (index !== undefined && index !== '0') {
    throw new UnsupportedTfOpError(node.op, node.name, `reads output ${index} of ${base}; only single-output producers are supported`);
  }
  return base;
}

function dataInputs(node: TfjsNodeDef): string[] {
  return (node.input ?? []).map((i) => dataInputName(i, node)).filter((i): i is string => i !== undefined);
}

/**
 * The nodes `output` depends on (data inputs only; control edges are dropped), in an order where every
 * node follows its inputs.
 */
export function subgraphNodes(nodes: readonly TfjsNodeDef[], output: string): TfjsNodeDef[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  if (!byName.has(output)) throw new Error(`node ${JSON.stringify(output)} is not in the graph`);
  const order: TfjsNodeDef[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  // Iterative DFS (post-order): graphs can be deep enough to matter for recursion.
  const stack: { name: string; expanded: boolean }[] = [{ name: output, expanded: false }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    const node = byName.get(top.name);
    if (node === undefined) throw new Error(`node ${JSON.stringify(top.name)} is read but not defined`);
    if (top.expanded) {
      state.set(top.name, 'done');
      order.push(node);
      continue;
    }
    const s = state.get(top.name);
    if (s === 'done') continue;
    if (s === 'visiting') throw new Error(`graph has a cycle through ${top.name}`);
    state.set(top.name, 'visiting');
    stack.push({ name: top.name, expanded: true });
    for (const input of dataInputs(node).reverse()) {
      const si = state.get(input);
      if (si === 'visiting') throw new Error(`graph has a cycle through ${input}`);
      if (si === undefined) stack.push({ name: input, expanded: false });
    }
  }
  return order;
}

/** Counts of each op in a node list (e.g. a subgraph), sorted by op name. */
export function opCounts(nodes: readonly TfjsNodeDef[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of [...nodes].sort((a, b) => (a.op < b.op ? -1 : a.op > b.op ? 1 : 0))) counts[n.op] = (counts[n.op] ?? 0) + 1;
  return counts;
}

// ---------------------------------------------------------------------------------------------------------
// Attribute helpers

function attrOf(node: TfjsNodeDef, key: string): TfjsAttrValue | undefined {
  return node.attr?.[key];
}

/** An attribute string (base64 in model.json), as text; bytes that are not UTF-8 become U+FFFD. */
function attrText(s: string): string {
  return new TextDecoder().decode(decodeBase64(s));
}

function attrString(node: TfjsNodeDef, key: string, fallback?: string): string {
  const a = attrOf(node, key);
  if (a?.s === undefined) {
    if (fallback !== undefined) return fallback;
    throw new UnsupportedTfOpError(node.op, node.name, `attribute ${key} is missing`);
  }
  return attrText(a.s);
}

function attrInts(node: TfjsNodeDef, key: string, fallback?: readonly number[]): number[] {
  const list = attrOf(node, key)?.list?.i;
  if (list === undefined || list.length === 0) {
    if (fallback !== undefined) return [...fallback];
    if (list !== undefined) return [];
    throw new UnsupportedTfOpError(node.op, node.name, `attribute ${key} is missing`);
  }
  return list.map((v) => Number(v));
}

function attrStrings(node: TfjsNodeDef, key: string): string[] {
  return (attrOf(node, key)?.list?.s ?? []).map(attrText);
}

function attrBool(node: TfjsNodeDef, key: string, fallback: boolean): boolean {
  return attrOf(node, key)?.b ?? fallback;
}

function attrInt(node: TfjsNodeDef, key: string, fallback: number): number {
  const v = attrOf(node, key)?.i;
  return v === undefined ? fallback : Number(v);
}

// ---------------------------------------------------------------------------------------------------------
// Conversion

/** A TF value as it exists in the ONNX graph. `shape` is always the TF (NHWC) shape. */
type Value =
  | { readonly kind: 'const'; readonly tensor: DecodedTensor }
  | { readonly kind: 'tensor'; readonly onnx: string; readonly shape: readonly number[]; readonly nchw: boolean };

export interface ConvertTfjsOptions {
  /** The TF node whose value becomes the ONNX output. */
  readonly output: string;
  /** ONNX graph input / output names (default: the Placeholder's name, and 'output'). */
  readonly inputName?: string;
  readonly outputName?: string;
  /** Batch size written for a -1 (unknown) leading input dimension (default 1). */
  readonly batch?: number;
  readonly graphName?: string;
  readonly docString?: string;
  /** Removed from the start of every TF node name when naming ONNX nodes, values and initializers. */
  readonly stripPrefix?: string;
}

export interface ConvertedTfjsGraph {
  readonly graph: GraphSpec;
  /** TF ops of the converted subgraph, with counts. */
  readonly tfOps: Record<string, number>;
  /** ONNX ops of the result, with counts. */
  readonly onnxOps: Record<string, number>;
  /** Multiply-accumulates of the convolutions per run. */
  readonly macs: number;
  /** Values in the float32 initializers. */
  readonly parameters: number;
  /** TF shape of the output. */
  readonly outputShape: readonly number[];
}

/** out size and (before, after) pads of one spatial axis. */
export function tfWindowPads(
  padding: 'SAME' | 'VALID',
  inSize: number,
  kernel: number,
  stride: number,
  dilation = 1,
): { out: number; before: number; after: number } {
  const effective = (kernel - 1) * dilation + 1;
  if (padding === 'VALID') {
    const out = Math.floor((inSize - effective) / stride) + 1;
    if (out < 1) throw new Error(`VALID window ${effective} does not fit in ${inSize}`);
    return { out, before: 0, after: 0 };
  }
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + effective - inSize, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

/** NHWC axis -> NCHW axis. */
const NHWC_TO_NCHW = [0, 2, 3, 1] as const;

class Converter {
  readonly nodes: GraphNode[] = [];
  readonly initializers: Initializer[] = [];
  private readonly initNames = new Set<string>();
  private readonly values = new Map<string, Value>();
  private readonly usedNames = new Set<string>();
  private readonly scalars = new Map<string, string>();
  macs = 0;
  inputs: GraphSpec['inputs'] = [];
  private readonly weights: ReadonlyMap<string, DecodedTensor>;
  private readonly options: ConvertTfjsOptions;

  constructor(weights: ReadonlyMap<string, DecodedTensor>, options: ConvertTfjsOptions) {
    this.weights = weights;
    this.options = options;
  }

  short(name: string): string {
    const p = this.options.stripPrefix;
    return p !== undefined && p !== '' && name.startsWith(p) ? name.slice(p.length) : name;
  }

  /** A fresh ONNX value/node name based on `base`. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.usedNames.has(name); i++) name = `${base}_${i}`;
    this.usedNames.add(name);
    return name;
  }

  addInitializer(base: string, dims: readonly number[], data: Initializer['data']): string {
    let name = base;
    for (let i = 1; this.initNames.has(name) || this.usedNames.has(name); i++) name = `${base}_${i}`;
    this.initNames.add(name);
    this.usedNames.add(name);
    this.initializers.push({ name, dims: [...dims], data });
    return name;
  }

  /**
   * A small constant as an ONNX `Constant` node rather than an initializer: serializeModel stores every
   * initializer as external data, which onnxruntime cannot read during shape inference (Squeeze axes, Pad
   * pads) and which aligns each tensor to 4 KiB.
   */
  constantNode(base: string, value: { kind: 'ints'; value: readonly number[] } | { kind: 'float'; value: number }): string {
    const name = this.fresh(base);
    const attributes: Record<string, AttributeValue> =
      value.kind === 'ints' ? { value_ints: attr.ints(value.value) } : { value_float: attr.float(value.value) };
    this.nodes.push({ name, opType: 'Constant', inputs: [], outputs: [name], attributes });
    return name;
  }

  /** A shared float scalar (one Constant node per value). */
  scalar(value: number): string {
    const key = `const/${Object.is(value, -0) ? '-0' : String(value)}`;
    const known = this.scalars.get(key);
    if (known !== undefined) return known;
    const name = this.constantNode(key, { kind: 'float', value });
    this.scalars.set(key, name);
    return name;
  }

  emit(node: TfjsNodeDef, opType: string, inputs: readonly string[], suffix: string, attributes?: Record<string, AttributeValue>): string {
    const output = this.fresh(`${this.short(node.name)}${suffix}`);
    this.nodes.push({
      name: output,
      opType,
      inputs,
      outputs: [output],
      ...(attributes === undefined ? {} : { attributes }),
    });
    return output;
  }

  get(name: string): Value {
    const v = this.values.get(name);
    if (v === undefined) throw new Error(`internal: ${name} converted out of order`);
    return v;
  }

  set(name: string, value: Value): void {
    this.values.set(name, value);
  }

  tensorInput(node: TfjsNodeDef, index: number): Extract<Value, { kind: 'tensor' }> {
    const name = dataInputs(node)[index];
    if (name === undefined) throw new UnsupportedTfOpError(node.op, node.name, `input ${index} is missing`);
    const v = this.get(name);
    if (v.kind !== 'tensor')
      throw new UnsupportedTfOpError(node.op, node.name, `input ${index} (${name}) is a constant; constant folding is not supported`);
    return v;
  }

  constInput(node: TfjsNodeDef, index: number): DecodedTensor {
    const name = dataInputs(node)[index];
    if (name === undefined) throw new UnsupportedTfOpError(node.op, node.name, `input ${index} is missing`);
    const v = this.get(name);
    if (v.kind !== 'const') throw new UnsupportedTfOpError(node.op, node.name, `input ${index} (${name}) must be a constant`);
    return v.tensor;
  }

  /** A float32 initializer for a constant, shaped to broadcast against `other` as TF would. */
  constForBroadcast(node: TfjsNodeDef, c: DecodedTensor, other: Extract<Value, { kind: 'tensor' }>): string {
    if (c.dtype !== 'float32') throw new UnsupportedTfOpError(node.op, node.name, `constant ${c.name} is ${c.dtype}`);
    const data = c.data as Float32Array;
    const base = this.short(c.name);
    if (data.length === 1) {
      // Float32 value written as an ONNX float attribute (float32): exact.
      if (c.shape.length > (other.nchw ? 4 : other.shape.length)) {
        throw new UnsupportedTfOpError(node.op, node.name, `constant ${c.name} of rank ${c.shape.length} would raise the rank`);
      }
      return this.scalar(data[0]!);
    }
    if (!other.nchw) return this.addInitializer(base, c.shape, data);
    // A per-channel constant ([C] or [1, 1, 1, C] in NHWC) against an NCHW tensor.
    const channels = other.shape[3];
    const leadingOnes = c.shape.slice(0, -1).every((d) => d === 1);
    if (c.shape.length <= 4 && leadingOnes && c.shape[c.shape.length - 1] === channels) {
      return this.addInitializer(base, [channels!, 1, 1], data);
    }
    throw new UnsupportedTfOpError(
      node.op,
      node.name,
      `constant ${c.name} of shape [${c.shape.join(', ')}] does not broadcast per channel`,
    );
  }

  // -- ops --------------------------------------------------------------------------------------------

  placeholder(node: TfjsNodeDef): void {
    const dims = (attrOf(node, 'shape')?.shape as { dim?: { size?: string | number }[] } | undefined)?.dim;
    if (dims === undefined) throw new UnsupportedTfOpError(node.op, node.name, 'input shape is unknown');
    const shape = dims.map((d, i) => {
      const size = Number(d.size ?? -1);
      if (size >= 0) return size;
      if (i === 0) return this.options.batch ?? 1;
      throw new UnsupportedTfOpError(node.op, node.name, `dimension ${i} is unknown; only the batch may be`);
    });
    const dtype = attrOf(node, 'dtype')?.type;
    if (dtype !== undefined && dtype !== 'DT_FLOAT') throw new UnsupportedTfOpError(node.op, node.name, `input dtype ${dtype}`);
    const name = this.options.inputName ?? node.name;
    if (this.inputs.length > 0) throw new UnsupportedTfOpError(node.op, node.name, 'a second graph input');
    this.usedNames.add(name);
    this.inputs = [{ name, elementType: 'float32', shape }];
    if (shape.length === 4) {
      const t = this.emit(node, 'Transpose', [name], '/nchw', { perm: attr.ints([0, 3, 1, 2]) });
      this.set(node.name, { kind: 'tensor', onnx: t, shape, nchw: true });
    } else {
      this.set(node.name, { kind: 'tensor', onnx: name, shape, nchw: false });
    }
  }

  constant(node: TfjsNodeDef): void {
    const t = this.weights.get(node.name);
    if (t === undefined) throw new UnsupportedTfOpError(node.op, node.name, 'no weight of that name in the weights manifest');
    this.set(node.name, { kind: 'const', tensor: t });
  }

  binary(node: TfjsNodeDef, opType: 'Add' | 'Sub' | 'Mul' | 'Div'): void {
    const names = dataInputs(node);
    if (names.length !== 2) throw new UnsupportedTfOpError(node.op, node.name, `expects 2 inputs, has ${names.length}`);
    const [a, b] = names.map((n) => this.get(n)) as [Value, Value];
    let inputs: string[];
    let out: Extract<Value, { kind: 'tensor' }>;
    if (a.kind === 'tensor' && b.kind === 'tensor') {
      if (a.shape.join() !== b.shape.join() || a.nchw !== b.nchw) {
        throw new UnsupportedTfOpError(
          node.op,
          node.name,
          `operands of shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] (broadcasting two tensors is not supported)`,
        );
      }
      inputs = [a.onnx, b.onnx];
      out = a;
    } else if (a.kind === 'tensor' && b.kind === 'const') {
      inputs = [a.onnx, this.constForBroadcast(node, b.tensor, a)];
      out = a;
    } else if (a.kind === 'const' && b.kind === 'tensor') {
      inputs = [this.constForBroadcast(node, a.tensor, b), b.onnx];
      out = b;
    } else {
      throw new UnsupportedTfOpError(node.op, node.name, 'both operands are constants; constant folding is not supported');
    }
    const onnx = this.emit(node, opType, inputs, '');
    this.set(node.name, { kind: 'tensor', onnx, shape: out.shape, nchw: out.nchw });
  }

  clip6(node: TfjsNodeDef, input: string, suffix: string): string {
    return this.emit(node, 'Clip', [input, this.scalar(0), this.scalar(6)], suffix);
  }

  activation(node: TfjsNodeDef): void {
    const x = this.tensorInput(node, 0);
    const onnx = node.op === 'Relu6' ? this.clip6(node, x.onnx, '') : this.emit(node, 'Relu', [x.onnx], '');
    this.set(node.name, { ...x, onnx });
  }

  /** Spatial pads [top, left, bottom, right] and output size for a window op on an NHWC shape. */
  window(
    node: TfjsNodeDef,
    shape: readonly number[],
    kernel: readonly [number, number],
    strides: readonly [number, number],
    dilations: readonly [number, number],
  ): { pads: number[]; outH: number; outW: number } {
    const padding = attrString(node, 'padding');
    const [, h, w] = shape as [number, number, number, number];
    if (padding === 'SAME' || padding === 'VALID') {
      const y = tfWindowPads(padding, h, kernel[0], strides[0], dilations[0]);
      const x = tfWindowPads(padding, w, kernel[1], strides[1], dilations[1]);
      return { pads: [y.before, x.before, y.after, x.after], outH: y.out, outW: x.out };
    }
    if (padding === 'EXPLICIT') {
      const e = attrInts(node, 'explicit_paddings');
      if (e.length !== 8 || e[0] !== 0 || e[1] !== 0 || e[6] !== 0 || e[7] !== 0) {
        throw new UnsupportedTfOpError(node.op, node.name, `explicit_paddings ${JSON.stringify(e)}`);
      }
      const [top, bottom, left, right] = [e[2]!, e[3]!, e[4]!, e[5]!];
      const outH = Math.floor((h + top + bottom - ((kernel[0] - 1) * dilations[0] + 1)) / strides[0]) + 1;
      const outW = Math.floor((w + left + right - ((kernel[1] - 1) * dilations[1] + 1)) / strides[1]) + 1;
      return { pads: [top, left, bottom, right], outH, outW };
    }
    throw new UnsupportedTfOpError(node.op, node.name, `padding ${padding}`);
  }

  requireNhwc(node: TfjsNodeDef): void {
    const format = attrString(node, 'data_format', 'NHWC');
    if (format !== 'NHWC') throw new UnsupportedTfOpError(node.op, node.name, `data_format ${format}`);
  }

  spatialPair(node: TfjsNodeDef, key: string, fallback: number[]): [number, number] {
    const v = attrInts(node, key, fallback);
    if (v.length !== 4 || v[0] !== 1 || v[3] !== 1) throw new UnsupportedTfOpError(node.op, node.name, `${key} ${JSON.stringify(v)}`);
    return [v[1]!, v[2]!];
  }

  conv(node: TfjsNodeDef, depthwise: boolean, fused: boolean): void {
    this.requireNhwc(node);
    const x = this.tensorInput(node, 0);
    if (!x.nchw || x.shape.length !== 4) throw new UnsupportedTfOpError(node.op, node.name, 'input is not a 4-D image tensor');
    const filter = this.constInput(node, 1);
    if (filter.dtype !== 'float32' || filter.shape.length !== 4) {
      throw new UnsupportedTfOpError(node.op, node.name, `filter ${filter.name} is ${filter.dtype} [${filter.shape.join(', ')}]`);
    }
    const [kh, kw, fin, fout] = filter.shape as [number, number, number, number];
    const [n, _h, _w, cin] = x.shape as [number, number, number, number];
    const strides = this.spatialPair(node, 'strides', [1, 1, 1, 1]);
    const dilations = this.spatialPair(node, 'dilations', [1, 1, 1, 1]);
    const { pads, outH, outW } = this.window(node, x.shape, [kh, kw], strides, dilations);

    let weight: Float32Array;
    let weightDims: number[];
    let group: number;
    let cout: number;
    const data = filter.data as Float32Array;
    if (depthwise) {
      // TF [kh, kw, C, mult]; output channel c * mult + m. ONNX: [C * mult, 1, kh, kw], group C.
      if (fin !== cin) throw new UnsupportedTfOpError(node.op, node.name, `filter has ${fin} input channels, input has ${cin}`);
      const mult = fout;
      cout = cin * mult;
      weight = new Float32Array(data.length);
      for (let y = 0; y < kh; y++)
        for (let xx = 0; xx < kw; xx++)
          for (let c = 0; c < cin; c++)
            for (let m = 0; m < mult; m++) weight[((c * mult + m) * kh + y) * kw + xx] = data[((y * kw + xx) * cin + c) * mult + m]!;
      weightDims = [cout, 1, kh, kw];
      group = cin;
    } else {
      if (cin % fin !== 0) throw new UnsupportedTfOpError(node.op, node.name, `filter has ${fin} input channels, input has ${cin}`);
      group = cin / fin;
      if (fout % group !== 0) throw new UnsupportedTfOpError(node.op, node.name, `${fout} output channels in ${group} groups`);
      cout = fout;
      weight = hwioToOihw(data, kh, kw, fin, fout);
      weightDims = [fout, fin, kh, kw];
    }
    const inputs = [x.onnx, this.addInitializer(`${this.short(node.name)}/weight`, weightDims, weight)];

    let post: string[] = [];
    if (fused) {
      const ops = attrStrings(node, 'fused_ops');
      const numArgs = attrInt(node, 'num_args', 0);
      if (ops[0] !== 'BiasAdd' || numArgs !== 1 || ops.length > 2) {
        throw new UnsupportedTfOpError(
          node.op,
          node.name,
          `fused_ops [${ops.join(', ')}] with ${numArgs} args (supported: BiasAdd, then Relu or Relu6)`,
        );
      }
      post = ops.slice(1);
      for (const p of post) {
        if (p !== 'Relu' && p !== 'Relu6') throw new UnsupportedTfOpError(node.op, node.name, `fused activation ${p}`);
      }
      const bias = this.constInput(node, 2);
      if (bias.dtype !== 'float32' || bias.data.length !== cout) {
        throw new UnsupportedTfOpError(node.op, node.name, `bias ${bias.name} has ${bias.data.length} values for ${cout} channels`);
      }
      inputs.push(this.addInitializer(this.short(bias.name), [cout], bias.data as Float32Array));
    } else if (dataInputs(node).length !== 2) {
      throw new UnsupportedTfOpError(node.op, node.name, `expects 2 inputs, has ${dataInputs(node).length}`);
    }

    let onnx = this.emit(node, 'Conv', inputs, post.length > 0 ? '/conv' : '', {
      kernel_shape: attr.ints([kh, kw]),
      pads: attr.ints(pads),
      strides: attr.ints(strides),
      dilations: attr.ints(dilations),
      group: attr.int(group),
    });
    for (const p of post) onnx = p === 'Relu6' ? this.clip6(node, onnx, '') : this.emit(node, 'Relu', [onnx], '');
    this.macs += n * outH * outW * cout * kh * kw * (cin / group);
    this.set(node.name, { kind: 'tensor', onnx, shape: [n, outH, outW, cout], nchw: true });
  }

  biasAdd(node: TfjsNodeDef): void {
    this.requireNhwc(node);
    this.binary(node, 'Add');
  }

  pool(node: TfjsNodeDef, kind: 'Average' | 'Max'): void {
    this.requireNhwc(node);
    const x = this.tensorInput(node, 0);
    if (!x.nchw) throw new UnsupportedTfOpError(node.op, node.name, 'input is not a 4-D image tensor');
    const kernel = this.spatialPair(node, 'ksize', []);
    const strides = this.spatialPair(node, 'strides', []);
    const { pads, outH, outW } = this.window(node, x.shape, kernel, strides, [1, 1]);
    const [n, h, w, c] = x.shape as [number, number, number, number];
    let onnx: string;
    if (kernel[0] === h && kernel[1] === w && pads.every((p) => p === 0)) {
      onnx = this.emit(node, `Global${kind}Pool`, [x.onnx], '');
    } else {
      onnx = this.emit(node, `${kind}Pool`, [x.onnx], '', {
        kernel_shape: attr.ints(kernel),
        pads: attr.ints(pads),
        strides: attr.ints(strides),
        // TF averages over the valid (unpadded) part of the window.
        ...(kind === 'Average' ? { count_include_pad: attr.int(0) } : {}),
      });
    }
    this.set(node.name, { kind: 'tensor', onnx, shape: [n, outH, outW, c], nchw: true });
  }

  /** Axes of a reduce/squeeze over an NCHW tensor: both spatial axes must go (so the rest keeps TF order). */
  spatialAxes(node: TfjsNodeDef, x: Extract<Value, { kind: 'tensor' }>, axes: readonly number[]): number[] {
    const rank = x.shape.length;
    const norm = [...new Set(axes.map((a) => (a < 0 ? a + rank : a)))].sort();
    if (norm.some((a) => a < 0 || a >= rank)) throw new UnsupportedTfOpError(node.op, node.name, `axes ${JSON.stringify(axes)}`);
    if (!x.nchw) return norm;
    if (!norm.includes(1) || !norm.includes(2)) {
      throw new UnsupportedTfOpError(
        node.op,
        node.name,
        `axes ${JSON.stringify(axes)} of an image tensor (only the two spatial axes together are supported)`,
      );
    }
    return norm.map((a) => NHWC_TO_NCHW[a]!).sort();
  }

  mean(node: TfjsNodeDef): void {
    const x = this.tensorInput(node, 0);
    const axesConst = this.constInput(node, 1);
    const keep = attrBool(node, 'keep_dims', false);
    const axes = this.spatialAxes(node, x, Array.from(axesConst.data));
    const tfAxes = new Set(Array.from(axesConst.data).map((a) => (a < 0 ? a + x.shape.length : a)));
    const shape = keep ? x.shape.map((d, i) => (tfAxes.has(i) ? 1 : d)) : x.shape.filter((_, i) => !tfAxes.has(i));
    const onnx = this.emit(node, 'ReduceMean', [x.onnx], '', { axes: attr.ints(axes), keepdims: attr.int(keep ? 1 : 0) });
    this.set(node.name, { kind: 'tensor', onnx, shape, nchw: keep && x.nchw });
  }

  squeeze(node: TfjsNodeDef): void {
    const x = this.tensorInput(node, 0);
    let dims = attrInts(node, 'squeeze_dims', []);
    if (dims.length === 0) dims = x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
    const tfAxes = new Set(dims.map((a) => (a < 0 ? a + x.shape.length : a)));
    for (const a of tfAxes) {
      if (x.shape[a] !== 1) throw new UnsupportedTfOpError(node.op, node.name, `squeezes axis ${a} of size ${x.shape[a]}`);
    }
    const axes = this.spatialAxes(node, x, [...tfAxes]);
    const axesInit = this.constantNode(`${this.short(node.name)}/axes`, { kind: 'ints', value: axes });
    const onnx = this.emit(node, 'Squeeze', [x.onnx, axesInit], '');
    this.set(node.name, { kind: 'tensor', onnx, shape: x.shape.filter((_, i) => !tfAxes.has(i)), nchw: false });
  }

  pad(node: TfjsNodeDef): void {
    const x = this.tensorInput(node, 0);
    const paddings = this.constInput(node, 1);
    const rank = x.shape.length;
    if (paddings.data.length !== rank * 2)
      throw new UnsupportedTfOpError(node.op, node.name, `paddings of shape [${paddings.shape.join(', ')}]`);
    const p = Array.from(paddings.data);
    const order = x.nchw ? [0, 3, 1, 2] : [...Array(rank).keys()]; // ONNX axis -> TF axis
    const pads = [...order.map((a) => p[2 * a]!), ...order.map((a) => p[2 * a + 1]!)];
    if (pads.some((v) => v < 0)) throw new UnsupportedTfOpError(node.op, node.name, 'negative paddings');
    const padsInit = this.constantNode(`${this.short(node.name)}/pads`, { kind: 'ints', value: pads });
    const inputs = [x.onnx, padsInit];
    let mode = 'constant';
    if (node.op === 'PadV2') {
      const value = this.constInput(node, 2);
      if (value.data.length !== 1) throw new UnsupportedTfOpError(node.op, node.name, 'non-scalar constant_values');
      inputs.push(this.scalar(value.data[0]!));
    } else if (node.op === 'MirrorPad') {
      const m = attrString(node, 'mode');
      if (m !== 'REFLECT') throw new UnsupportedTfOpError(node.op, node.name, `mode ${m} (only REFLECT maps to ONNX)`);
      mode = 'reflect';
    }
    const onnx = this.emit(node, 'Pad', inputs, '', { mode: attr.string(mode) });
    this.set(node.name, { kind: 'tensor', onnx, shape: x.shape.map((d, i) => d + p[2 * i]! + p[2 * i + 1]!), nchw: x.nchw });
  }

  convert(node: TfjsNodeDef): void {
    switch (node.op) {
      case 'Placeholder':
        return this.placeholder(node);
      case 'Const':
        return this.constant(node);
      case 'Identity':
      case 'StopGradient':
      case 'Snapshot': {
        const names = dataInputs(node);
        if (names.length !== 1) throw new UnsupportedTfOpError(node.op, node.name, `expects 1 input, has ${names.length}`);
        return this.set(node.name, this.get(names[0]!));
      }
      case 'Conv2D':
        return this.conv(node, false, false);
      case '_FusedConv2D':
        return this.conv(node, false, true);
      case 'DepthwiseConv2dNative':
        return this.conv(node, true, false);
      case 'FusedDepthwiseConv2dNative':
        return this.conv(node, true, true);
      case 'BiasAdd':
        return this.biasAdd(node);
      case 'Add':
      case 'AddV2':
        return this.binary(node, 'Add');
      case 'Sub':
        return this.binary(node, 'Sub');
      case 'Mul':
        return this.binary(node, 'Mul');
      case 'RealDiv':
        return this.binary(node, 'Div');
      case 'Relu':
      case 'Relu6':
        return this.activation(node);
      case 'AvgPool':
        return this.pool(node, 'Average');
      case 'MaxPool':
        return this.pool(node, 'Max');
      case 'Mean':
        return this.mean(node);
      case 'Squeeze':
        return this.squeeze(node);
      case 'Pad':
      case 'PadV2':
      case 'MirrorPad':
        return this.pad(node);
      default:
        throw new UnsupportedTfOpError(node.op, node.name);
    }
  }

  finish(node: TfjsNodeDef, outputName: string): { outputs: GraphSpec['outputs']; shape: readonly number[] } {
    const v = this.get(node.name);
    if (v.kind !== 'tensor') throw new Error(`output ${node.name} is a constant`);
    this.usedNames.add(outputName);
    if (v.nchw) {
      this.nodes.push({
        name: `${outputName}/to_nhwc`,
        opType: 'Transpose',
        inputs: [v.onnx],
        outputs: [outputName],
        attributes: { perm: attr.ints([0, 2, 3, 1]) },
      });
    } else {
      this.nodes.push({ name: `${outputName}/identity`, opType: 'Identity', inputs: [v.onnx], outputs: [outputName] });
    }
    return { outputs: [{ name: outputName, elementType: 'float32', shape: v.shape }], shape: v.shape };
  }
}

/**
 * Converts the subgraph that computes `options.output` (everything else — e.g. a classifier head — is left
 * out) into an ONNX graph description: one float32 input (the Placeholder, NHWC), one float32 output.
 * Throws UnsupportedTfOpError naming the first node it cannot translate.
 */
export function convertTfjsGraph(
  model: TfjsGraphModelJson,
  weights: ReadonlyMap<string, DecodedTensor>,
  options: ConvertTfjsOptions,
): ConvertedTfjsGraph {
  const sub = subgraphNodes(model.modelTopology.node, options.output);
  const converter = new Converter(weights, options);
  for (const node of sub) converter.convert(node);
  if (converter.inputs.length !== 1) throw new Error(`the subgraph of ${options.output} has no Placeholder input`);
  const outputNode = sub[sub.length - 1]!;
  const { outputs, shape } = converter.finish(outputNode, options.outputName ?? 'output');
  const graph: GraphSpec = {
    name: options.graphName ?? 'tfjs-graph',
    ...(options.docString === undefined ? {} : { docString: options.docString }),
    inputs: converter.inputs,
    outputs,
    nodes: converter.nodes,
    initializers: converter.initializers,
  };
  const onnxOps: Record<string, number> = {};
  for (const n of [...converter.nodes].sort((a, b) => (a.opType < b.opType ? -1 : a.opType > b.opType ? 1 : 0))) {
    onnxOps[n.opType] = (onnxOps[n.opType] ?? 0) + 1;
  }
  return {
    graph,
    tfOps: opCounts(sub),
    onnxOps,
    macs: converter.macs,
    parameters: converter.initializers.reduce((s, i) => s + (i.data instanceof Float32Array ? i.data.length : 0), 0),
    outputShape: shape,
  };
}
