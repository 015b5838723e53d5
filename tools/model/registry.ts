/**
 * @module models/index.json: every manifest in models/, in recipe order, as one file the Worker bundles.
 * Rewritten whenever the builder writes a manifest, so a model built on this machine from weights that
 * cannot be committed (the real VGG16) is known to the next `wrangler dev` / `wrangler deploy`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseManifest, type ModelManifest } from '../../src/core/model/manifest.ts';
import { writeFileAtomic } from './files.ts';
import { MODEL_RECIPES } from './recipes.ts';

export const REGISTRY_FILE = 'index.json';

/** Reads every `<id>.json` manifest in the folder, ordered as the recipes are (unknown ids last, by id). */
export async function readManifests(manifestDir: string): Promise<ModelManifest[]> {
  const names = (await readdir(manifestDir)).filter((name) => name.endsWith('.json') && name !== REGISTRY_FILE);
  const manifests = await Promise.all(
    names.map(async (name) => parseManifest(JSON.parse(await readFile(join(manifestDir, name), 'utf8')), name)),
  );
  const rank = (id: string) => {
    const index = MODEL_RECIPES.findIndex((recipe) => recipe.id === id);
    return index === -1 ? MODEL_RECIPES.length : index;
  };
  return manifests.sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
}

export function registryJson(manifests: readonly ModelManifest[]): string {
  return `${JSON.stringify(manifests, null, 2)}\n`;
}

export async function writeRegistry(manifestDir: string): Promise<ModelManifest[]> {
  const manifests = await readManifests(manifestDir);
  await writeFileAtomic(join(manifestDir, REGISTRY_FILE), registryJson(manifests));
  return manifests;
}
