/** @module Fetch a model's files through any byte source and refuse any file whose sha256 differs. */
import { sha256Hex } from '../util/sha256.ts';
import type { ModelFile, ModelManifest } from './manifest.ts';
import type { ModelFiles } from './session.ts';

/** Reads one model file by its manifest path (static assets, R2, fetch, fs — the runtime decides). */
export type ModelFileSource = (path: string) => Promise<Uint8Array<ArrayBuffer>>;

export class ModelLoadError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ModelLoadError';
  }
}

async function loadVerified(manifest: ModelManifest, file: ModelFile, source: ModelFileSource): Promise<Uint8Array> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await source(file.path);
  } catch (cause) {
    throw new ModelLoadError(`model ${manifest.id}: cannot read ${file.path}: ${String(cause)}`, { cause });
  }
  if (bytes.byteLength !== file.bytes) {
    throw new ModelLoadError(`model ${manifest.id}: ${file.path} has ${bytes.byteLength} bytes, the manifest says ${file.bytes}`);
  }
  const actual = await sha256Hex(bytes);
  if (actual !== file.sha256) {
    throw new ModelLoadError(
      `model ${manifest.id}: ${file.path} has sha256 ${actual}, the manifest says ${file.sha256}; refusing a tampered or stale model file`,
    );
  }
  return bytes;
}

/** Loads the graph and every external-data file in parallel, each checked against the manifest. */
export async function loadModelFiles(manifest: ModelManifest, source: ModelFileSource): Promise<ModelFiles> {
  const [graph, ...data] = await Promise.all(
    [manifest.graph, ...manifest.externalData].map((file) => loadVerified(manifest, file, source)),
  );
  return {
    graph: graph!,
    externalData: manifest.externalData.map((file, i) => ({ path: file.path, data: data[i]! })),
  };
}
