/**
 * @module Builds a model from its recipe, assembles its ModelManifest, writes its files, and compares a
 * build with the committed manifest (`models/<id>.json`).
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelFile, ModelManifest } from '../../src/core/model/manifest.ts';
import type { ExternalDataOptions } from './external-data.ts';
import { sha256Hex, writeFileAtomic } from './files.ts';
import { serializeModel, type SerializedModel } from './onnx-writer.ts';
import { KERAS_CAFFE_PREPROCESS, type ModelRecipe } from './recipes.ts';
import { syntheticVgg16Weights } from './synthetic.ts';
import { buildVgg16Graph, INPUT_NAME, OUTPUT_NAME, vgg16Dims, vgg16Macs } from './vgg16.ts';

export const GRAPH_FILE = 'model.onnx';
const DATA_FILE = /^model\.data\.\d+$/;

export interface BuiltModel {
  readonly recipe: ModelRecipe;
  readonly serialized: SerializedModel;
  readonly manifest: ModelManifest;
}

function fileEntry(path: string, bytes: Uint8Array): ModelFile {
  return { path, bytes: bytes.byteLength, sha256: sha256Hex(bytes) };
}

/** Builds the graph, weights and bytes of a recipe, in memory. */
export function buildModel(recipe: ModelRecipe, options: ExternalDataOptions = {}): BuiltModel {
  const { config } = recipe;
  const weights = syntheticVgg16Weights(config, recipe.weights.seed);
  const graph = buildVgg16Graph(config, weights, { name: recipe.id });
  const serialized = serializeModel(
    {
      graph,
      producerName: 'edge-features/tools/model',
      producerVersion: recipe.version,
      docString: recipe.description,
      metadata: {
        id: recipe.id,
        version: recipe.version,
        weights: recipe.weights.kind,
        seed: String(recipe.weights.seed),
      },
    },
    options,
  );
  const manifest: ModelManifest = {
    id: recipe.id,
    version: recipe.version,
    architecture: recipe.architecture,
    description: recipe.description,
    weights: recipe.weights.kind,
    quantization: 'fp32',
    dims: vgg16Dims(config),
    macs: vgg16Macs(config),
    input: { name: INPUT_NAME, shape: [1, config.height, config.width, config.inputChannels ?? 3] },
    output: { name: OUTPUT_NAME },
    preprocess: { ...KERAS_CAFFE_PREPROCESS, height: config.height, width: config.width },
    graph: fileEntry(GRAPH_FILE, serialized.model),
    externalData: serialized.dataFiles.map((file) => fileEntry(file.path, file.bytes)),
  };
  return { recipe, serialized, manifest };
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
