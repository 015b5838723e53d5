/**
 * @module Vectors for the evaluation, made in Node with the project's own pipeline: createExtractor (decode,
 * orient, resize, preprocess) over the Worker's onnxruntime-web WASM session (tools/bench/node-engines.ts),
 * so a vector here is the one the Worker would store. Vectors are cached by the image's sha256 and the model
 * file's sha256 under the system temp folder: a second run embeds nothing.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExtractor, type FeatureExtractor } from '../../src/core/extractor.ts';
import type { ModelManifest } from '../../src/core/model/manifest.ts';
import { bytesToFloat32, float32ToBytes } from '../../src/core/util/float32-bytes.ts';
import { sha256Hex } from '../../src/core/util/sha256.ts';
import { DEFAULT_LIMITS } from '../../src/http/limits.ts';
import { findModel } from '../../src/models.ts';
import { initNodeCodecs } from '../../src/runtime/node.ts';
import { openNodeWasm } from '../bench/node-engines.ts';
import { prepareModel } from '../prepare-models.ts';

export const EVAL_CACHE_DIR = join(tmpdir(), 'edge-features-eval');

export interface EvalEmbedder {
  readonly manifest: ModelManifest;
  /** The model's vector for the image file at `path`. */
  embedFile(path: string): Promise<Float32Array>;
  /** Images embedded by the model in this run (the rest came from the cache). */
  readonly embedded: number;
  release(): Promise<void>;
}

/** Opens a model of models/index.json (building its files when missing); throws naming the known ids. */
export async function openEmbedder(modelId: string): Promise<EvalEmbedder> {
  const manifest = findModel(modelId);
  if (!manifest) throw new Error(`models/index.json has no ${modelId}`);
  await prepareModel(manifest);
  initNodeCodecs();
  let extractor: FeatureExtractor | undefined;
  let release = async () => {};
  const cacheDir = join(EVAL_CACHE_DIR, `${manifest.id}@${manifest.version}-${manifest.graph.sha256.slice(0, 12)}`);
  await mkdir(cacheDir, { recursive: true });
  let embedded = 0;
  return {
    manifest,
    get embedded() {
      return embedded;
    },
    async embedFile(path) {
      const bytes = new Uint8Array(await readFile(path));
      const cached = join(cacheDir, `${await sha256Hex(bytes)}.f32`);
      const hit = await readFile(cached).catch(() => undefined);
      if (hit && hit.byteLength === manifest.dims * 4) return bytesToFloat32(hit);
      if (!extractor) {
        // Opened on the first miss only: a fully cached run never starts onnxruntime.
        const session = await openNodeWasm(manifest);
        extractor = createExtractor(session, { maxPixels: DEFAULT_LIMITS.maxPixels });
        release = () => session.release();
      }
      const vector = await extractor.embed(bytes);
      embedded++;
      await writeFile(cached, float32ToBytes(vector));
      return vector;
    },
    release: () => release(),
  };
}
