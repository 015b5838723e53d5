/**
 * @module Builds a model from its recipe, assembles its ModelManifest, writes its files, and compares a
 * build with the committed manifest (`models/<id>.json`).
 */
import { access, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelFile, ModelManifest } from '../../src/core/model/manifest.ts';
import type { ActivationRanges } from './calibrate.ts';
import { caffeTensor, loadCalibrationSet } from './calibration-set.ts';
import { sha256Hex, writeFileAtomic } from './files.ts';
import { serializeModel, type ModelSpec, type SerializedModel, type SerializeOptions } from './onnx-writer.ts';
import { QUANT_SERIALIZE_OPTIONS, quantizeVgg16 } from './quantize.ts';
import { buildMobilenetV2Nsfwjs } from '../convert/mobilenet-v2-nsfwjs.ts';
import { readKerasVgg16Weights } from '../convert/keras-h5.ts';
import { KERAS_CAFFE_PREPROCESS, type MobilenetNsfwjsRecipe, type ModelRecipe, type Vgg16Recipe } from './recipes.ts';
import { syntheticVgg16Weights } from './synthetic.ts';
import { buildVgg16Graph, INPUT_NAME, OUTPUT_NAME, vgg16Dims, vgg16Macs, type KerasConvWeights } from './vgg16.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const GRAPH_FILE = 'model.onnx';
const DATA_FILE = /^model\.data\.\d+$/;

export interface BuiltModel {
  readonly recipe: ModelRecipe;
  readonly serialized: SerializedModel;
  readonly manifest: ModelManifest;
  /** int8 models: the calibrated activation ranges the graph was built with. */
  readonly ranges?: ActivationRanges;
}

function fileEntry(path: string, bytes: Uint8Array): ModelFile {
  return { path, bytes: bytes.byteLength, sha256: sha256Hex(bytes) };
}

function recipeMetadata(recipe: ModelRecipe): Record<string, string> {
  const metadata: Record<string, string> = { id: recipe.id, version: recipe.version };
  if (recipe.kind === 'vgg16') {
    metadata.weights = recipe.weights.kind;
    if (recipe.weights.kind === 'synthetic') metadata.seed = String(recipe.weights.seed);
  }
  return metadata;
}

function filesOf(serialized: SerializedModel): Pick<ModelManifest, 'graph' | 'externalData'> {
  return {
    graph: fileEntry(GRAPH_FILE, serialized.model),
    externalData: serialized.dataFiles.map((file) => fileEntry(file.path, file.bytes)),
  };
}

function assembleVgg16(recipe: Vgg16Recipe, serialized: SerializedModel, ranges?: ActivationRanges): BuiltModel {
  const { config } = recipe;
  const manifest: ModelManifest = {
    id: recipe.id,
    version: recipe.version,
    architecture: recipe.architecture,
    description: recipe.description,
    weights: recipe.weights.kind === 'synthetic' ? 'synthetic' : 'imagenet',
    quantization: recipe.quantization === undefined ? 'fp32' : 'int8',
    dims: vgg16Dims(config),
    macs: vgg16Macs(config),
    input: { name: INPUT_NAME, shape: [1, config.height, config.width, config.inputChannels ?? 3] },
    output: { name: OUTPUT_NAME },
    preprocess: { ...KERAS_CAFFE_PREPROCESS, height: config.height, width: config.width },
    ...filesOf(serialized),
  };
  return { recipe, serialized, manifest, ...(ranges === undefined ? {} : { ranges }) };
}

function serializeVgg16(recipe: Vgg16Recipe, graph: ModelSpec['graph'], options: SerializeOptions): SerializedModel {
  return serializeModel(
    {
      graph,
      producerName: 'edge-features/tools/model',
      producerVersion: recipe.version,
      docString: recipe.description,
      metadata: recipeMetadata(recipe),
    },
    options,
  );
}

/** Builds a synthetic fp32 VGG16 recipe in memory (tests use it); everything else goes through buildModelAsync. */
export function buildModel(recipe: ModelRecipe, options: SerializeOptions = {}): BuiltModel {
  if (recipe.kind !== 'vgg16' || recipe.weights.kind !== 'synthetic' || recipe.quantization !== undefined) {
    throw new Error(`${recipe.id} needs an asynchronous build (weights file, converter or calibration): use buildModelAsync`);
  }
  const weights = syntheticVgg16Weights(recipe.config, recipe.weights.seed);
  return assembleVgg16(recipe, serializeVgg16(recipe, buildVgg16Graph(recipe.config, weights, { name: recipe.id }), options));
}

/** The recipe's fp32 weights in Keras layout: generated, or read from Keras's `.h5`. */
async function vgg16Weights(recipe: Vgg16Recipe, root: string): Promise<Map<string, KerasConvWeights>> {
  if (recipe.weights.kind === 'synthetic') return syntheticVgg16Weights(recipe.config, recipe.weights.seed);
  const file = resolve(root, recipe.weights.file);
  try {
    await access(file);
  } catch {
    throw new Error(
      `${recipe.id}: ${recipe.weights.file} is missing. Download Keras's VGG16 weights first (needs internet): ` +
        '`npm run model:fetch` (or `npm run model:fetch -- --file <your copy of the .h5>`).',
    );
  }
  return readKerasVgg16Weights(file, recipe.config);
}

async function buildVgg16(recipe: Vgg16Recipe, options: SerializeOptions, root: string): Promise<BuiltModel> {
  const weights = await vgg16Weights(recipe, root);
  const quantization = recipe.quantization;
  if (quantization === undefined) {
    return assembleVgg16(recipe, serializeVgg16(recipe, buildVgg16Graph(recipe.config, weights, { name: recipe.id }), options));
  }
  const inputs = (await loadCalibrationSet()).map(caffeTensor);
  const { spec, ranges } = await quantizeVgg16(weights, inputs, {
    ...quantization.graph,
    config: recipe.config,
    calibration: quantization.calibration,
    name: recipe.id,
  });
  const serialized = serializeModel(
    {
      ...spec,
      producerName: 'edge-features/tools/model',
      producerVersion: recipe.version,
      docString: recipe.description,
      metadata: { ...spec.metadata, ...recipeMetadata(recipe) },
    },
    { ...QUANT_SERIALIZE_OPTIONS, ...options },
  );
  return assembleVgg16(recipe, serialized, ranges);
}

function buildMobilenet(recipe: MobilenetNsfwjsRecipe, options: SerializeOptions): BuiltModel {
  const { spec, manifestFields } = buildMobilenetV2Nsfwjs();
  const serialized = serializeModel(spec, options);
  const manifest: ModelManifest = { ...manifestFields, id: recipe.id, version: recipe.version, ...filesOf(serialized) };
  return { recipe, serialized, manifest };
}

/**
 * Builds any recipe: a synthetic VGG16 from its seed, the real VGG16 from Keras's `.h5` (relative to
 * `root`, the repository by default), MobileNetV2 from the installed nsfwjs package. A quantised VGG16 is
 * calibrated on the repository's calibration set (models/calibration) with onnxruntime-node; its bytes are
 * the same on every run (calibrated ranges are rounded to a coarse grid, see calibrate.ts).
 */
export async function buildModelAsync(recipe: ModelRecipe, options: SerializeOptions = {}, root = REPO_ROOT): Promise<BuiltModel> {
  return recipe.kind === 'vgg16' ? buildVgg16(recipe, options, root) : buildMobilenet(recipe, options);
}

export function manifestJson(manifest: ModelManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Human-readable differences, empty when the two manifests are identical. */
export function diffManifests(committed: ModelManifest, built: ModelManifest): string[] {
  const problems: string[] = [];
  const files = (m: ModelManifest): ModelFile[] => [m.graph, ...m.externalData];
  const committedFiles = new Map(files(committed).map((f) => [f.path, f]));
  const builtFiles = new Map(files(built).map((f) => [f.path, f]));
  for (const [path, b] of builtFiles) {
    const c = committedFiles.get(path);
    if (c === undefined) problems.push(`${path}: built but not in the committed manifest`);
    else if (c.sha256 !== b.sha256 || c.bytes !== b.bytes) {
      problems.push(`${path}: committed sha256 ${c.sha256} (${c.bytes} B) != built ${b.sha256} (${b.bytes} B)`);
    }
  }
  for (const path of committedFiles.keys()) {
    if (!builtFiles.has(path)) problems.push(`${path}: in the committed manifest but not built`);
  }
  const keys = new Set([...Object.keys(committed), ...Object.keys(built)]);
  for (const key of keys) {
    if (key === 'graph' || key === 'externalData') continue;
    const c = JSON.stringify((committed as unknown as Record<string, unknown>)[key]);
    const b = JSON.stringify((built as unknown as Record<string, unknown>)[key]);
    if (c !== b) problems.push(`${key}: committed ${c} != built ${b}`);
  }
  return problems;
}

export async function readManifest(path: string): Promise<ModelManifest | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as ModelManifest;
}

/**
 * Writes `<dir>/model.onnx` and `<dir>/model.data.N` atomically, removes data files left over from a build
 * with more of them, then reads everything back and checks it against the manifest.
 */
export async function writeModel(dir: string, built: BuiltModel): Promise<void> {
  const { serialized, manifest } = built;
  for (const file of serialized.dataFiles) await writeFileAtomic(join(dir, file.path), file.bytes);
  await writeFileAtomic(join(dir, GRAPH_FILE), serialized.model);
  const keep = new Set(serialized.dataFiles.map((f) => f.path));
  for (const name of await readdir(dir)) {
    if (DATA_FILE.test(name) && !keep.has(name)) await rm(join(dir, name));
  }
  for (const expected of [manifest.graph, ...manifest.externalData]) {
    const actual = fileEntry(expected.path, await readFile(join(dir, expected.path)));
    if (actual.sha256 !== expected.sha256 || actual.bytes !== expected.bytes) {
      throw new Error(`${join(dir, expected.path)} reads back as ${actual.sha256} (${actual.bytes} B), wrote ${expected.sha256}`);
    }
  }
}
