/**
 * @module TF.js layers models (model.json with `modelTopology` + `weightsManifest`, and .bin shards) as a
 * second source of Keras VGG16 weights — what `tensorflowjs_converter --input_format keras` makes of
 * VGG16 — read into the same `Map<layer, KerasConvWeights>` as the .h5 reader, with the same checks.
 * Also writes such a model (model.json + shards), for round trips. No TF.js import: plain JSON and bytes.
 *
 * Weight data: each manifest group's shards are concatenated in order and its entries laid end to end,
 * little-endian; `quantization` (uint8/uint16 affine `q * scale + min`, float16) is undone to float32
 * exactly as tf.io.decodeWeights does. Variables are matched to layers by name
 * (`block1_conv1/kernel`, `vgg16/block1_conv1/kernel:0`, ...: the component before the last is the
 * layer), and kernel vs bias by rank. The topology, when it describes a conv layer, must agree: Conv2D,
 * 3x3, stride 1, 'same', ReLU, with bias.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { bytesToFloat32 } from '../../src/core/util/float32-bytes.ts';
import { VGG16_CONFIG, vgg16Layers, type KerasConvWeights, type Vgg16Config } from '../model/vgg16.ts';
import { assembleVgg16Weights, KerasWeightsError, type WeightEntry } from './keras-weights.ts';

export interface TfjsWeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32' | 'bool' | 'string' | 'complex64';
  readonly quantization?: { readonly dtype: 'uint8' | 'uint16' | 'float16'; readonly scale?: number; readonly min?: number };
  readonly group?: string;
}

export interface TfjsWeightsGroup {
  readonly paths: readonly string[];
  readonly weights: readonly TfjsWeightSpec[];
}

export interface TfjsModelJson {
  readonly format?: string;
  readonly generatedBy?: string;
  readonly convertedBy?: string | null;
  readonly modelTopology?: unknown;
  readonly weightsManifest?: readonly TfjsWeightsGroup[];
}

/** A model.json and its shards, in memory: shard bytes by the path the manifest names. */
export interface TfjsLayersArtifacts {
  readonly modelJson: TfjsModelJson;
  readonly shards: ReadonlyMap<string, Uint8Array>;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

// ---------------------------------------------------------------------------------------------------------
// Weight decoding

/** IEEE half -> float (subnormals, infinities and NaN included). */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

export interface DecodedWeight {
  readonly spec: TfjsWeightSpec;
  /** Reads the values as float32 (dequantised). */
  read(): Float32Array;
}

/** Locates every weight of the manifest in its group's concatenated shards; values are decoded on demand. */
export function locateTfjsWeights(artifacts: TfjsLayersArtifacts, label = 'model.json'): DecodedWeight[] {
  const groups: readonly TfjsWeightsGroup[] | undefined = artifacts.modelJson.weightsManifest;
  if (groups === undefined || groups === null || typeof groups !== 'object') throw new KerasWeightsError(`${label}: no weightsManifest`);
  const out: DecodedWeight[] = [];
  groups.forEach((group, g) => {
    const parts = group.paths.map((path) => {
      const bytes = artifacts.shards.get(path);
      if (bytes === undefined) throw new KerasWeightsError(`${label}: weight shard ${path} is missing`);
      return bytes;
    });
    const total = parts.reduce((n, p) => n + p.byteLength, 0);
    const data = new Uint8Array(total);
    parts.reduce((offset, p) => (data.set(p, offset), offset + p.byteLength), 0);
    const view = new DataView(data.buffer);
    let offset = 0;
    for (const spec of group.weights) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const start = offset;
      if (spec.dtype === 'string') {
        // Each string: uint32 byte length, then the bytes.
        for (let i = 0; i < count; i++) offset += 4 + view.getUint32(offset, true);
        out.push({
          spec,
          read: () => {
            throw new KerasWeightsError(`${label}: ${spec.name} is a string tensor`);
          },
        });
        continue;
      }
      const stored = spec.quantization?.dtype ?? spec.dtype;
      const size = BYTES[stored];
      if (size === undefined) throw new KerasWeightsError(`${label}: ${spec.name}: unknown dtype ${stored}`);
      offset += count * size;
      if (offset > total) {
        throw new KerasWeightsError(
          `${label}: weight group ${g + 1} (${shardList(group.paths)}) holds ${total} bytes, but its manifest needs ${offset} by ${spec.name}: a shard is short or missing`,
        );
      }
      out.push({ spec, read: () => decodeValues(view, start, count, spec, label) });
    }
    if (offset !== total) {
      throw new KerasWeightsError(
        `${label}: weight group ${g + 1} (${shardList(group.paths)}) holds ${total} bytes, its manifest describes ${offset}`,
      );
    }
  });
  return out;
}

const shardList = (paths: readonly string[]): string =>
  paths.length <= 3 ? paths.join(', ') : `${paths.length} shards, ${paths[0]} ... ${paths[paths.length - 1]}`;

function decodeValues(view: DataView, start: number, count: number, spec: TfjsWeightSpec, label: string): Float32Array {
  const q = spec.quantization;
  if (q === undefined) {
    if (spec.dtype !== 'float32') throw new KerasWeightsError(`${label}: ${spec.name} is ${spec.dtype}, expected float32`);
    return bytesToFloat32(new Uint8Array(view.buffer, view.byteOffset + start, 4 * count));
  }
  const values = new Float32Array(count);
  if (spec.dtype !== 'float32') throw new KerasWeightsError(`${label}: ${spec.name} is a quantised ${spec.dtype}, expected float32`);
  if (q.dtype === 'float16') {
    for (let i = 0; i < count; i++) values[i] = float16ToFloat32(view.getUint16(start + 2 * i, true));
    return values;
  }
  const { scale, min } = q;
  if (typeof scale !== 'number' || typeof min !== 'number') {
    throw new KerasWeightsError(`${label}: ${spec.name}: ${q.dtype} quantisation without scale and min`);
  }
  for (let i = 0; i < count; i++) {
    const v = q.dtype === 'uint8' ? view.getUint8(start + i) : view.getUint16(start + 2 * i, true);
    values[i] = v * scale + min; // float64 arithmetic, one rounding to float32: what tf.io.decodeWeights does
  }
  return values;
}

// ---------------------------------------------------------------------------------------------------------
// Topology

export interface TopologyLayer {
  readonly name: string;
  readonly className: string;
  readonly config: Record<string, unknown>;
}

/** Every layer the topology describes, nested models flattened, in order. */
export function topologyLayers(modelTopology: unknown): TopologyLayer[] {
  const out: TopologyLayer[] = [];
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if ('model_config' in n) return visit(n['model_config']);
    const config = n['config'];
    const layers = Array.isArray(config) ? config : (config as Record<string, unknown> | undefined)?.['layers'];
    if (Array.isArray(layers)) {
      for (const layer of layers) {
        if (layer === null || typeof layer !== 'object') continue;
        const l = layer as Record<string, unknown>;
        const lc = (l['config'] ?? {}) as Record<string, unknown>;
        const nested = Array.isArray(lc) || Array.isArray(lc['layers']);
        if (nested) visit(l);
        else out.push({ name: String(lc['name'] ?? l['name'] ?? ''), className: String(l['class_name'] ?? ''), config: lc });
      }
    }
  };
  visit(modelTopology);
  return out;
}

const pair = (v: unknown): string => JSON.stringify(Array.isArray(v) ? v : [v, v]);

/** Checks that the topology's conv and pool layers of the VGG16 conv base are what VGG16 has. */
function checkTopology(layers: readonly TopologyLayer[], config: Vgg16Config, label: string): void {
  const byName = new Map(layers.map((l) => [l.name, l]));
  for (const conv of vgg16Layers(config)) {
    const l = byName.get(conv.name);
    if (l === undefined) continue; // absent from the topology: the weights decide
    const c = l.config;
    const problems: string[] = [];
    if (l.className !== 'Conv2D') problems.push(`class ${l.className}`);
    if (pair(c['kernel_size']) !== '[3,3]') problems.push(`kernel_size ${JSON.stringify(c['kernel_size'])}`);
    if (c['strides'] !== undefined && pair(c['strides']) !== '[1,1]') problems.push(`strides ${JSON.stringify(c['strides'])}`);
    if (c['dilation_rate'] !== undefined && pair(c['dilation_rate']) !== '[1,1]')
      problems.push(`dilation_rate ${JSON.stringify(c['dilation_rate'])}`);
    if (c['padding'] !== 'same') problems.push(`padding ${JSON.stringify(c['padding'])}`);
    if (c['activation'] !== 'relu') problems.push(`activation ${JSON.stringify(c['activation'])}`);
    if (c['use_bias'] === false) problems.push('no bias');
    if (c['data_format'] !== undefined && c['data_format'] !== 'channels_last')
      problems.push(`data_format ${JSON.stringify(c['data_format'])}`);
    if (problems.length > 0) {
      throw new KerasWeightsError(`${label}: layer ${conv.name} is not VGG16's 3x3 'same' ReLU Conv2D: ${problems.join(', ')}`);
    }
  }
  for (let b = 1; b <= config.blocks.length; b++) {
    const l = byName.get(`block${b}_pool`);
    if (l === undefined) continue;
    const ok =
      l.className === 'MaxPooling2D' &&
      pair(l.config['pool_size']) === '[2,2]' &&
      (l.config['strides'] == null || pair(l.config['strides']) === '[2,2]') &&
      (l.config['padding'] ?? 'valid') === 'valid';
    if (!ok) throw new KerasWeightsError(`${label}: layer block${b}_pool is not a 2x2/2 'valid' MaxPooling2D`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Reading

/** `block1_conv1/kernel`, `vgg16/block1_conv1/kernel:0` -> `block1_conv1`; Keras-1 style `block1_conv1_W` by prefix. */
function layerOfWeight(name: string, known: readonly string[]): string | undefined {
  const parts = name.replace(/:\d+$/, '').split('/');
  if (parts.length >= 2) return parts[parts.length - 2];
  return known.filter((k) => name.startsWith(`${k}_`)).sort((a, b) => b.length - a.length)[0];
}

/** The conv weights of a TF.js layers model in memory, checked against `config`. */
export function tfjsLayersVgg16Weights(
  artifacts: TfjsLayersArtifacts,
  config: Vgg16Config = VGG16_CONFIG,
  label = 'model.json',
): Map<string, KerasConvWeights> {
  const { modelJson } = artifacts;
  if (modelJson.format === 'graph-model') {
    throw new KerasWeightsError(
      `${label}: a TF.js graph model; this reader takes a layers model (tensorflowjs_converter --output_format tfjs_layers_model)`,
    );
  }
  if (modelJson.modelTopology === undefined || modelJson.modelTopology === null) {
    throw new KerasWeightsError(`${label}: no modelTopology: not a TF.js layers model`);
  }
  const topology = topologyLayers(modelJson.modelTopology);
  checkTopology(topology, config, label);
  const weights = locateTfjsWeights(artifacts, label);
  const topologyNames = topology.map((l) => l.name);
  const byLayer = new Map<string, WeightEntry[]>();
  for (const w of weights) {
    const layer = layerOfWeight(w.spec.name, topologyNames);
    if (layer === undefined) continue;
    const list = byLayer.get(layer) ?? [];
    list.push({
      name: w.spec.name,
      shape: w.spec.shape,
      dtype: w.spec.quantization ? `${w.spec.quantization.dtype} (quantised ${w.spec.dtype})` : w.spec.dtype,
      read: () => w.read(),
    });
    byLayer.set(layer, list);
  }
  const layerNames = [...topologyNames, ...[...byLayer.keys()].filter((n) => !topologyNames.includes(n))];
  return assembleVgg16Weights({ description: label, layerNames, weightsOf: (layer) => byLayer.get(layer) ?? [] }, config);
}

/** Reads model.json and the shards its manifest names (relative to it). */
export async function loadTfjsLayersArtifacts(modelJsonPath: string): Promise<TfjsLayersArtifacts> {
  let modelJson: TfjsModelJson;
  try {
    modelJson = JSON.parse(await readFile(modelJsonPath, 'utf8')) as TfjsModelJson;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KerasWeightsError(`${modelJsonPath}: no such file`);
    throw new KerasWeightsError(`${modelJsonPath}: not a JSON model file (${(error as Error).message})`);
  }
  const dir = resolve(dirname(modelJsonPath));
  const shards = new Map<string, Uint8Array>();
  for (const group of modelJson.weightsManifest ?? []) {
    for (const path of group.paths) {
      const full = resolve(dir, decodeURIComponent(path));
      if (relative(dir, full).startsWith('..') || full === dir) {
        throw new KerasWeightsError(`${modelJsonPath}: shard path ${path} leaves the model's folder`);
      }
      try {
        shards.set(path, new Uint8Array(await readFile(full)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new KerasWeightsError(`${modelJsonPath}: weight shard ${path} is missing (looked for ${full})`);
        }
        throw error;
      }
    }
  }
  return { modelJson, shards };
}

/** The conv weights of the TF.js layers model at `modelJsonPath`. */
export async function readTfjsLayersVgg16Weights(
  modelJsonPath: string,
  config: Vgg16Config = VGG16_CONFIG,
): Promise<Map<string, KerasConvWeights>> {
  return tfjsLayersVgg16Weights(await loadTfjsLayersArtifacts(modelJsonPath), config, modelJsonPath);
}

// ---------------------------------------------------------------------------------------------------------
// Writing

export interface LayersModelParts {
  readonly modelTopology: unknown;
  readonly weightSpecs: readonly TfjsWeightSpec[];
  /** All weights, concatenated in `weightSpecs` order (tf.io's `weightData`, joined if it came in pieces). */
  readonly weightData: Uint8Array;
  readonly generatedBy?: string;
}

/** Splits the weights into `group1-shardNofM.bin` files of at most `shardBytes` (4 MiB, as tensorflowjs_converter). */
export function tfjsLayersArtifacts(parts: LayersModelParts, shardBytes = 4 * 1024 * 1024): TfjsLayersArtifacts {
  const { weightData } = parts;
  const count = Math.max(1, Math.ceil(weightData.byteLength / shardBytes));
  const shards = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) {
    shards.set(`group1-shard${i + 1}of${count}.bin`, weightData.slice(i * shardBytes, (i + 1) * shardBytes));
  }
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: parts.generatedBy ?? 'edge-features',
      convertedBy: null,
      modelTopology: parts.modelTopology,
      weightsManifest: [{ paths: [...shards.keys()], weights: parts.weightSpecs }],
    },
    shards,
  };
}

/** Writes `<dir>/model.json` and its shards. */
export async function writeTfjsLayersModel(dir: string, artifacts: TfjsLayersArtifacts): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [path, bytes] of artifacts.shards) {
    if (path.includes('..') || path.startsWith('/') || path.includes(sep === '/' ? '\0' : sep)) throw new Error(`bad shard path ${path}`);
    await writeFile(join(dir, path), bytes);
  }
  const modelJsonPath = join(dir, 'model.json');
  await writeFile(modelJsonPath, `${JSON.stringify(artifacts.modelJson)}\n`);
  return modelJsonPath;
}
