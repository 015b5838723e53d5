/**
 * createOrtSession (the session the Worker runs) keeps no JavaScript copy of the model files: once the
 * session exists, the graph and external-data buffers are garbage. Checked with a real collection in
 * onnxruntime-web's WASM build (the bundle the Worker imports) in Node, with the files loaded through
 * loadModelFiles as the Worker loads them.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as ort from 'onnxruntime-web/wasm';
import { describe, expect, it } from 'vitest';
import { loadModelFiles } from '../../src/core/model/load.ts';
import { findModel } from '../../src/models.ts';
import { createOrtSession } from '../../src/runtime/ort/session.ts';
import { SERVED_MODELS_DIR } from '../../tools/prepare-models.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const require = createRequire(import.meta.url);
ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;
ort.env.wasm.wasmBinary = await readFile(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));

/** Loads and opens a model; returns the session and weak references to the file buffers, nothing else. */
async function open(id: string) {
  const manifest = findModel(id)!;
  const files = await loadModelFiles(manifest, async (path) => new Uint8Array(await readFile(join(SERVED_MODELS_DIR, id, path))));
  const refs = [files.graph, ...files.externalData.map((f) => f.data)].map((bytes) => new WeakRef(bytes.buffer));
  const session = await createOrtSession(ort, manifest, files, { executionProviders: ['wasm'] });
  return { session, refs, manifest };
}

describe('createOrtSession', () => {
  it.each(['vgg16-narrow-synthetic', 'vgg16-narrow-synthetic-int8'])('keeps no reference to the model files of %s', async (id) => {
    const { session, refs, manifest } = await open(id);
    expect(refs.length).toBeGreaterThan(1);
    // WeakRef targets survive the job that made them; collect in a later one.
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(refs.map((ref) => ref.deref()?.byteLength ?? 0)).toEqual(refs.map(() => 0));
    // The session still runs without them.
    const vector = await session.run(new Float32Array(manifest.input.shape.reduce((a, b) => a * b, 1)).fill(1));
    expect(vector).toHaveLength(manifest.dims);
    expect(vector.every(Number.isFinite)).toBe(true);
    await session.release();
  });
});
