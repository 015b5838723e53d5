/**
 * @module Writes an ONNX ModelProto (via the protobufjs-generated `onnx-proto` schema) from a plain graph
 * description, with every initializer stored as ONNX external data spread over numbered files.
 *
 * Graph builders (vgg16.ts, the future Keras .h5 converter) describe nodes and initializers; this module
 * owns the bytes: tensor encoding, the external-data layout and the protobuf serialisation. The output is a
 * pure function of the input, so the same graph gives the same bytes everywhere.
 */
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { planExternalData, type ExternalDataOptions, type ExternalDataPlan } from './external-data.ts';

const { onnx } = onnxProto;

/** ONNX IR version 8 (ONNX 1.10-1.12), the one onnx-proto 8.0.1 encodes; ai.onnx opset 17 needs IR >= 8. */
export const IR_VERSION = 8;
export const DEFAULT_OPSET = 17;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  // ONNX raw data is little-endian; typed arrays use the host order. Every platform Node/Workers run on is LE.
  throw new Error('onnx-writer: big-endian hosts are not supported');
}

export type ElementType = 'float32' | 'int8' | 'uint8' | 'int32' | 'int64';
export type TensorData = Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

const ELEMENT_TYPES: Record<ElementType, { code: number; bytes: number }> = {
  float32: { code: onnx.TensorProto.DataType.FLOAT, bytes: 4 },
  uint8: { code: onnx.TensorProto.DataType.UINT8, bytes: 1 },
  int8: { code: onnx.TensorProto.DataType.INT8, bytes: 1 },
  int32: { code: onnx.TensorProto.DataType.INT32, bytes: 4 },
  int64: { code: onnx.TensorProto.DataType.INT64, bytes: 8 },
};

function elementTypeOf(data: TensorData): ElementType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int32Array) return 'int32';
  return 'int64';
}

export interface Initializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: TensorData;
}

export interface ValueInfo {
  readonly name: string;
  readonly elementType: ElementType;
  /** A number is a fixed dimension, a string a symbolic one (e.g. 'batch'). */
  readonly shape: readonly (number | string)[];
}

export type AttributeValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string };

export const attr = {
  int: (value: number): AttributeValue => ({ kind: 'int', value }),
  ints: (value: readonly number[]): AttributeValue => ({ kind: 'ints', value }),
  float: (value: number): AttributeValue => ({ kind: 'float', value }),
  floats: (value: readonly number[]): AttributeValue => ({ kind: 'floats', value }),
  string: (value: string): AttributeValue => ({ kind: 'string', value }),
};

export interface GraphNode {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Attributes, written in the order given. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
  readonly domain?: string;
}

export interface GraphSpec {
  readonly name: string;
  readonly docString?: string;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly nodes: readonly GraphNode[];
  readonly initializers: readonly Initializer[];
}

export interface ModelSpec {
  readonly graph: GraphSpec;
  readonly opsetVersion?: number;
  readonly producerName?: string;
  readonly producerVersion?: string;
  readonly docString?: string;
  /** Written as ModelProto.metadata_props, sorted by key. */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface DataFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

export interface SerializeOptions extends ExternalDataOptions {
  /**
   * Initializers of at most this many bytes are stored inside the .onnx (raw_data) instead of external
   * data: quantisation scales and zero points are a few bytes each, and external data would pad every one
   * of them to `alignment`. Default 0: everything goes to external data.
   */
  readonly inlineMaxBytes?: number;
}

export interface SerializedModel {
  /** The .onnx file. */
  readonly model: Uint8Array;
  /** External-data files, named relative to the .onnx file. */
  readonly dataFiles: readonly DataFile[];
  readonly plan: ExternalDataPlan;
}

function checkInitializer(init: Initializer): number {
  const count = init.dims.reduce((a, b) => a * b, 1);
  if (!init.dims.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`initializer ${init.name}: bad dims ${JSON.stringify(init.dims)}`);
  }
  if (count !== init.data.length) {
    throw new Error(`initializer ${init.name}: dims ${JSON.stringify(init.dims)} hold ${count} values, data has ${init.data.length}`);
  }
  return init.data.byteLength;
}

function encodeAttribute(name: string, value: AttributeValue): Onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (value.kind) {
    case 'int':
      return { name, type: T.INT, i: value.value };
    case 'ints':
      return { name, type: T.INTS, ints: [...value.value] };
    case 'float':
      return { name, type: T.FLOAT, f: value.value };
    case 'floats':
      return { name, type: T.FLOATS, floats: [...value.value] };
    case 'string':
      return { name, type: T.STRING, s: new TextEncoder().encode(value.value) };
  }
}

function encodeValueInfo(info: ValueInfo): Onnx.IValueInfoProto {
  return {
    name: info.name,
    type: {
      tensorType: {
        elemType: ELEMENT_TYPES[info.elementType].code,
        shape: { dim: info.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function checkGraph(graph: GraphSpec): void {
  const defined = new Set<string>();
  const define = (name: string, what: string): void => {
    if (defined.has(name)) throw new Error(`graph ${graph.name}: ${what} ${JSON.stringify(name)} defined twice`);
    defined.add(name);
  };
  for (const input of graph.inputs) define(input.name, 'input');
  for (const init of graph.initializers) define(init.name, 'initializer');
  for (const node of graph.nodes) {
    for (const input of node.inputs) {
      if (input !== '' && !defined.has(input)) {
        throw new Error(`graph ${graph.name}: node ${node.name} reads ${JSON.stringify(input)} before it is defined`);
      }
    }
    for (const output of node.outputs) define(output, `output of ${node.name}`);
  }
  for (const output of graph.outputs) {
    if (!defined.has(output.name)) throw new Error(`graph ${graph.name}: output ${output.name} is never produced`);
  }
}

function tensorBytes(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Serialises the model. Every initializer goes to external data (in the order given), laid out by
 * planExternalData, except those `options.inlineMaxBytes` keeps inside the .onnx file; the .onnx file then
 * holds the graph structure, the tensor references and those small tensors.
 */
export function serializeModel(spec: ModelSpec, options: SerializeOptions = {}): SerializedModel {
  const { graph } = spec;
  checkGraph(graph);
  const inlineMaxBytes = options.inlineMaxBytes ?? 0;
  const sizes = graph.initializers.map(checkInitializer);
  const isInline = sizes.map((bytes) => bytes <= inlineMaxBytes);
  const external = graph.initializers.filter((_, i) => !isInline[i]);
  const plan = planExternalData(
    external.map((init) => ({ name: init.name, byteLength: init.data.byteLength })),
    options,
  );

  const dataFiles = plan.files.map((file) => ({ path: file.path, bytes: new Uint8Array(file.bytes) }));
  let externalIndex = 0;
  const initializers: Onnx.ITensorProto[] = graph.initializers.map((init, i) => {
    if (isInline[i]) {
      return {
        name: init.name,
        dims: [...init.dims],
        dataType: ELEMENT_TYPES[elementTypeOf(init.data)].code,
        rawData: tensorBytes(init.data).slice(),
      };
    }
    const place = plan.placements[externalIndex++];
    const file = place === undefined ? undefined : dataFiles[place.fileIndex];
    if (place === undefined || file === undefined) throw new Error(`internal: no placement for ${init.name}`);
    file.bytes.set(tensorBytes(init.data), place.offset);
    return {
      name: init.name,
      dims: [...init.dims],
      dataType: ELEMENT_TYPES[elementTypeOf(init.data)].code,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: place.location },
        { key: 'offset', value: String(place.offset) },
        { key: 'length', value: String(place.length) },
      ],
    };
  });

  const metadata = Object.entries(spec.metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const modelProto: Onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: spec.opsetVersion ?? DEFAULT_OPSET }],
    producerName: spec.producerName ?? 'edge-features',
    producerVersion: spec.producerVersion ?? '0',
    ...(spec.docString === undefined ? {} : { docString: spec.docString }),
    metadataProps: metadata.map(([key, value]) => ({ key, value })),
    graph: {
      name: graph.name,
      ...(graph.docString === undefined ? {} : { docString: graph.docString }),
      input: graph.inputs.map(encodeValueInfo),
      output: graph.outputs.map(encodeValueInfo),
      initializer: initializers,
      node: graph.nodes.map((node) => ({
        name: node.name,
        opType: node.opType,
        domain: node.domain ?? '',
        input: [...node.inputs],
        output: [...node.outputs],
        attribute: Object.entries(node.attributes ?? {}).map(([name, value]) => encodeAttribute(name, value)),
      })),
    },
  };
  const err = onnx.ModelProto.verify(modelProto);
  if (err !== null) throw new Error(`onnx-writer: invalid ModelProto: ${err}`);
  // Copy out of protobufjs's Buffer pool so callers get a plain, exactly-sized Uint8Array.
  const model = new Uint8Array(onnx.ModelProto.encode(onnx.ModelProto.create(modelProto)).finish());
  return { model, dataFiles, plan };
}

/** Decodes a .onnx file (for tests and inspection). */
export function decodeModel(bytes: Uint8Array): Onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
