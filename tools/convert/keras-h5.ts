/**
 * @module Reads Keras HDF5 weight files (the `vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5` Keras
 * downloads, or any Keras 1/2 `save_weights` / `model.save` .h5) with h5wasm, Node only.
 *
 * Layout (Keras 1 and 2 alike): a root attribute `layer_names` lists the layers in order; each layer is a
 * group whose attribute `weight_names` lists its arrays, as paths relative to the group
 * (`block1_conv1_W_1:0` in Keras 1, `block1_conv1/kernel:0` in Keras 2 — the names are read, never
 * assumed). A full-model file (`model.save`) has the same layout under `/model_weights`. h5py stores these
 * string lists as fixed-length byte strings (NUL-padded, ASCII) and an empty list as an empty float64
 * array; both, variable-length strings and Keras 2's chunked attributes (`layer_names0`, `layer_names1`,
 * ... when a list passes HDF5's 64 KiB header limit) are accepted.
 *
 * h5wasm: the `h5wasm/node` entry is built with Emscripten's NODERAWFS, so HDF5 opens host paths directly
 * (no virtual file system to copy into); bytes given in memory are written to a temporary file first.
 * h5wasm's default error handler prints HDF5's stack to stderr and lets calls continue on invalid ids;
 * `loadH5wasm` switches the module to its throwing handler, so failures surface as exceptions.
 */
import { open, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import h5wasm from 'h5wasm/node';
import type { Attribute, Dataset, Group } from 'h5wasm/node';
import { VGG16_CONFIG, type KerasConvWeights, type Vgg16Config } from '../model/vgg16.ts';
import { assembleVgg16Weights, KerasWeightsError, type WeightEntry, type WeightSource } from './keras-weights.ts';

export { KerasWeightsError };
export type H5wasm = typeof h5wasm;

let loaded: Promise<H5wasm> | undefined;

/** h5wasm, ready, with HDF5 errors thrown rather than printed. */
export function loadH5wasm(): Promise<H5wasm> {
  loaded ??= h5wasm.ready.then((module) => {
    module.activate_throwing_error_handler();
    return h5wasm;
  });
  return loaded;
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** HDF5's superblock sits at 0, 512, 1024, 2048, ... (after an optional user block). */
async function checkHdf5File(path: string, label: string): Promise<void> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new KerasWeightsError(`${label}: not a file`);
    size = info.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new KerasWeightsError(`${label}: no such file`);
    throw error;
  }
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(8);
    for (let offset = 0; offset + 8 <= size; offset = offset === 0 ? 512 : offset * 2) {
      await handle.read(head, 0, 8, offset);
      if (HDF5_SIGNATURE.every((b, i) => head[i] === b)) return;
    }
    const first = new Uint8Array(Math.min(size, 64));
    await handle.read(first, 0, first.length, 0);
    throw new KerasWeightsError(`${label}: not an HDF5 file (${size} bytes${describeBytes(first)})`);
  } finally {
    await handle.close();
  }
}

/** A guess at what a non-HDF5 file is, for the error message. */
function describeBytes(first: Uint8Array): string {
  const text = new TextDecoder('latin1').decode(first);
  if (first.length === 0) return ', empty';
  if (text.startsWith('PK\x03\x04'))
    return ', a zip archive: a Keras 3 .keras file? It holds model.weights.h5 (Keras 3 layout, not read here)';
  if (text.startsWith('version https://git-lfs')) return ', a Git LFS pointer, not the file itself';
  if (/^\s*[{[]/.test(text)) return ', it looks like JSON: for a TF.js model.json use tools/convert/tfjs-layers.ts';
  if (/^\s*</.test(text)) return ', it looks like HTML or XML: an error page saved instead of the file?';
  return '';
}

/** Runs `fn` on the open file, closing it (and removing the temporary copy of in-memory bytes) after. */
export async function withH5File<T>(source: string | Uint8Array, fn: (file: InstanceType<H5wasm['File']>, label: string) => T): Promise<T> {
  const lib = await loadH5wasm();
  let path: string;
  let label: string;
  let tempDir: string | undefined;
  if (typeof source === 'string') {
    path = resolve(source);
    label = source;
  } else {
    tempDir = await mkdtemp(join(tmpdir(), 'keras-h5-'));
    path = join(tempDir, 'weights.h5');
    label = `<${source.byteLength} bytes>`;
    await writeFile(path, source);
  }
  try {
    await checkHdf5File(path, label);
    let file: InstanceType<H5wasm['File']>;
    try {
      file = new lib.File(path, 'r');
    } catch (error) {
      throw new KerasWeightsError(`${label}: HDF5 cannot open it: ${hdf5Message(error)}`);
    }
    try {
      return fn(file, label);
    } catch (error) {
      if (error instanceof KerasWeightsError || !/HDF5/.test(error instanceof Error ? error.message : '')) throw error;
      throw new KerasWeightsError(`${label}: HDF5 error (a damaged file?): ${hdf5Message(error)}`);
    } finally {
      file.close();
    }
  } finally {
    if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
  }
}

/** The innermost (most specific) entry of an HDF5 error stack, e.g. "truncated file: eof = ...". */
export function hdf5Message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const entries = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^#\d+:/.test(l));
  const last = entries[entries.length - 1];
  if (last === undefined) return text.split('\n')[0] ?? text;
  const message = last.replace(/^#\d+:.*? in \w+\(\):\s*/, '');
  const truncated = /truncated file: eof = (\d+),.*stored_eof = (\d+)/.exec(message);
  if (truncated) return `truncated: ${truncated[1]} of ${truncated[2]} bytes (an interrupted download?)`;
  return message;
}

/** Strings of a Keras string-list attribute: fixed or variable length, bytes or text, array or scalar. */
export function attributeStrings(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return [value.replace(/[\0 ]+$/, '')];
  if (value instanceof Uint8Array) return [new TextDecoder().decode(value).replace(/[\0 ]+$/, '')];
  if (ArrayBuffer.isView(value)) {
    if ((value as unknown as ArrayLike<number>).length === 0) return []; // h5py writes [] as an empty float64 array
    throw new KerasWeightsError(`expected a list of strings, found numbers`);
  }
  if (Array.isArray(value)) return value.flatMap((v) => attributeStrings(v));
  throw new KerasWeightsError(`expected a list of strings, found ${typeof value}`);
}

/** Keras 2 splits a long attribute into `name0`, `name1`, ...; Keras 1 and short lists use `name`. */
function readStringList(attrs: Record<string, Attribute>, name: string): string[] | undefined {
  const whole = attrs[name];
  if (whole !== undefined) return attributeStrings(whole.value);
  if (attrs[`${name}0`] === undefined) return undefined;
  const out: string[] = [];
  for (let i = 0; attrs[`${name}${i}`] !== undefined; i++) out.push(...attributeStrings(attrs[`${name}${i}`]!.value));
  return out;
}

function isGroup(entity: unknown, lib: H5wasm): entity is Group {
  return entity instanceof lib.Group;
}

export interface KerasH5Info {
  /** `/` for a weights file, `/model_weights` for a full-model file. */
  readonly root: string;
  readonly kerasVersion?: string;
  readonly backend?: string;
  readonly layers: readonly { readonly name: string; readonly weights: readonly { name: string; shape: number[]; dtype: string }[] }[];
}

function findWeightsRoot(file: Group, lib: H5wasm, label: string): Group {
  if (readStringList(file.attrs, 'layer_names') !== undefined) return file;
  const modelWeights = file.get('model_weights');
  if (isGroup(modelWeights, lib) && readStringList(modelWeights.attrs, 'layer_names') !== undefined) return modelWeights;
  const keys = file.keys();
  if (keys.includes('layers') && keys.includes('vars')) {
    throw new KerasWeightsError(
      `${label}: a Keras 3 .weights.h5 file (groups layers/, vars/); this reader takes the Keras 1/2 layout ` +
        `(layer_names, weight_names): save with a legacy .h5 (e.g. model.save('vgg16.h5') in Keras 2 / tf.keras)`,
    );
  }
  throw new KerasWeightsError(
    `${label}: an HDF5 file, but not Keras weights: no layer_names attribute at / or /model_weights ` +
      `(root holds: ${keys.join(', ') || 'nothing'})`,
  );
}

function scalarString(attrs: Record<string, Attribute>, name: string): string | undefined {
  const a = attrs[name];
  if (a === undefined) return undefined;
  try {
    return attributeStrings(a.value)[0];
  } catch {
    return undefined;
  }
}

/** Describes one layer's arrays without reading them. */
function layerWeights(root: Group, layer: string, lib: H5wasm, label: string): { name: string; dataset: Dataset }[] {
  const group = root.get(layer);
  if (!isGroup(group, lib)) {
    throw new KerasWeightsError(`${label}: layer_names lists ${layer}, but there is no group ${root.path}/${layer}`.replace('//', '/'));
  }
  const names = readStringList(group.attrs, 'weight_names');
  if (names === undefined) throw new KerasWeightsError(`${label}: layer ${layer} has no weight_names attribute`);
  return names.map((name) => {
    const dataset = group.get(name);
    if (!(dataset instanceof lib.Dataset)) {
      throw new KerasWeightsError(`${label}: layer ${layer} lists weight ${name}, but ${group.path}/${name} is not a dataset`);
    }
    return { name, dataset };
  });
}

function toFloat32(dataset: Dataset, label: string): Float32Array {
  const meta = dataset.metadata;
  if (meta.type !== 1 /* H5T_FLOAT */ || (meta.size !== 4 && meta.size !== 8)) {
    throw new KerasWeightsError(`${label}: ${dataset.path} has dtype ${String(dataset.dtype)}, expected float32 (or float64)`);
  }
  const value = dataset.value;
  if (value instanceof Float32Array) return new Float32Array(value); // own copy, out of h5wasm's buffers
  if (value instanceof Float64Array) return Float32Array.from(value);
  throw new KerasWeightsError(`${label}: ${dataset.path}: h5wasm returned ${Object.prototype.toString.call(value)}`);
}

function sourceOf(file: Group, lib: H5wasm, label: string): WeightSource {
  const root = findWeightsRoot(file, lib, label);
  const layerNames = readStringList(root.attrs, 'layer_names')!;
  return {
    description: label,
    layerNames,
    weightsOf: (layer) =>
      layerWeights(root, layer, lib, label).map(
        ({ name, dataset }): WeightEntry => ({
          name,
          shape: dataset.shape ?? [],
          dtype: String(dataset.dtype),
          read: () => toFloat32(dataset, label),
        }),
      ),
  };
}

/** Lists the layers and their arrays (names, shapes, dtypes) without reading any values. */
export async function inspectKerasH5(source: string | Uint8Array): Promise<KerasH5Info> {
  const lib = await loadH5wasm();
  return withH5File(source, (file, label) => {
    const root = findWeightsRoot(file, lib, label);
    const weightSource = sourceOf(file, lib, label);
    const kerasVersion = scalarString(file.attrs, 'keras_version') ?? scalarString(root.attrs, 'keras_version');
    const backend = scalarString(file.attrs, 'backend') ?? scalarString(root.attrs, 'backend');
    return {
      root: root.path,
      ...(kerasVersion === undefined ? {} : { kerasVersion }),
      ...(backend === undefined ? {} : { backend }),
      layers: weightSource.layerNames.map((name) => ({
        name,
        weights: weightSource.weightsOf(name).map((w) => ({ name: w.name, shape: [...w.shape], dtype: w.dtype })),
      })),
    };
  });
}

/**
 * The 13 conv layers of a Keras VGG16 .h5 (path, or the file's bytes), as HWIO kernels and biases, checked
 * against `config` (VGG16 itself by default; narrow configurations for tests). Other layers are ignored.
 */
export async function readKerasVgg16Weights(
  source: string | Uint8Array,
  config: Vgg16Config = VGG16_CONFIG,
): Promise<Map<string, KerasConvWeights>> {
  const lib = await loadH5wasm();
  return withH5File(source, (file, label) => assembleVgg16Weights(sourceOf(file, lib, label), config));
}
