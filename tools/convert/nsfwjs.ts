/**
 * @module Reads a TF.js model bundled in the installed `nsfwjs` npm package (MIT), without copying it into
 * this repository.
 *
 * nsfwjs 4.x ships each model as UMD CommonJS wrappers in `dist/models/<name>/`: `model.min.js` exports the
 * model.json object, `group1-shard<i>of<n>.min.js` export one weight shard each as a base64 string. They are
 * loaded with `require` (what nsfwjs itself does), by absolute path: the package's `exports` map does not
 * expose them by specifier.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TfjsGraphModelJson } from './tfjs-graph.ts';

export type NsfwjsModelName = 'mobilenet_v2' | 'mobilenet_v2_mid' | 'inception_v3';

export interface NsfwjsModel {
  readonly name: NsfwjsModelName;
  /** Version of the installed nsfwjs package. */
  readonly packageVersion: string;
  /** The folder the files were read from. */
  readonly dir: string;
  readonly model: TfjsGraphModelJson;
  /** Shard bytes by manifest path (e.g. `group1-shard1of2`). */
  readonly shards: ReadonlyMap<string, Uint8Array>;
  /** sha256 of the model.json (as JSON.stringify writes it) followed by every shard in manifest order. */
  readonly sha256: string;
}

const require = createRequire(import.meta.url);

/** The installed nsfwjs package root and version. */
export function nsfwjsPackage(): { root: string; version: string } {
  let dir = dirname(require.resolve('nsfwjs'));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'nsfwjs' && typeof pkg.version === 'string') return { root: dir, version: pkg.version };
    } catch {
      // no package.json here (or a nested one without a name): keep going up
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the nsfwjs package.json above its main entry');
    dir = parent;
  }
}

function requireFresh(path: string): unknown {
  try {
    return require(path);
  } finally {
    delete require.cache[path]; // the weight strings are large: do not keep them alive in the module cache
  }
}

/** Loads model.json and the weight shards of one nsfwjs model. */
export function loadNsfwjsModel(name: NsfwjsModelName): NsfwjsModel {
  const { root, version } = nsfwjsPackage();
  const dir = join(root, 'dist', 'models', name);
  const model = requireFresh(join(dir, 'model.min.js')) as TfjsGraphModelJson;
  if (typeof model !== 'object' || model === null || !Array.isArray(model.weightsManifest) || !Array.isArray(model.modelTopology?.node)) {
    throw new Error(`${dir}/model.min.js did not export a TF.js graph model.json`);
  }
  const shards = new Map<string, Uint8Array>();
  const hash = createHash('sha256').update(JSON.stringify(model));
  for (const group of model.weightsManifest) {
    for (const path of group.paths) {
      const file = join(dir, `${path}.min.js`);
      const base64 = requireFresh(file);
      if (typeof base64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) {
        throw new Error(`${file} did not export a base64 string`);
      }
      const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
      shards.set(path, bytes);
      hash.update(bytes);
    }
  }
  return { name, packageVersion: version, dir, model, shards, sha256: hash.digest('hex') };
}
