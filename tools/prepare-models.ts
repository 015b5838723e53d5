/**
 * Makes sure the model files the Worker serves exist under public/models/<id>/ with the sha256 its
 * manifest (models/index.json) names; builds missing or stale ones. Fast when all is in place.
 *
 *   node tools/prepare-models.ts [--model ID ...]   (default: every model in models/index.json)
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ModelManifest } from '../src/core/model/manifest.ts';
import { MODELS } from '../src/models.ts';
import { sha256Hex } from './model/files.ts';
import { buildModelAsync, diffManifests, writeModel } from './model/model-manifest.ts';
import { findRecipe } from './model/recipes.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SERVED_MODELS_DIR = join(REPO_ROOT, 'public', 'models');

async function isInPlace(manifest: ModelManifest, dir: string): Promise<boolean> {
  for (const file of [manifest.graph, ...manifest.externalData]) {
    const bytes = await readFile(join(dir, file.path)).catch(() => undefined);
    if (!bytes || bytes.byteLength !== file.bytes || sha256Hex(bytes) !== file.sha256) return false;
  }
  return true;
}

/** Ensures one model's files are in place; returns what it did. */
export async function prepareModel(manifest: ModelManifest, outRoot = SERVED_MODELS_DIR): Promise<'present' | 'built'> {
  const dir = join(outRoot, manifest.id);
  if (await isInPlace(manifest, dir)) return 'present';
  const built = await buildModelAsync(findRecipe(manifest.id));
  const problems = diffManifests(manifest, built.manifest);
  if (problems.length > 0) {
    throw new Error(`${manifest.id}: the build differs from models/${manifest.id}.json:\n  ${problems.join('\n  ')}`);
  }
  await writeModel(dir, built);
  return 'built';
}

/** Prepares the given models (all by default), saying what it did for each. */
export async function prepareModels(ids: readonly string[] = MODELS.map((m) => m.id)): Promise<void> {
  for (const id of ids) {
    const manifest = MODELS.find((m) => m.id === id);
    if (!manifest) throw new Error(`unknown model ${id}; known: ${MODELS.map((m) => m.id).join(', ')}`);
    const started = performance.now();
    const outcome = await prepareModel(manifest);
    console.log(`model ${id}: ${outcome} (${(performance.now() - started).toFixed(0)} ms)`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { model: { type: 'string', multiple: true } } });
  await prepareModels(values.model);
}
