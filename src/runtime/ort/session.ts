/** @module A FeatureSession over any onnxruntime JavaScript API (web in workerd or browsers, node in tools). */
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import type { ModelManifest } from '../../core/model/manifest.ts';
import type { FeatureSession, ModelFiles } from '../../core/model/session.ts';

/** The part of `onnxruntime-web` / `onnxruntime-node` this project uses; both packages satisfy it. */
export interface OrtApi {
  readonly InferenceSession: { create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
  readonly Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => Tensor;
}

/**
 * Creates the session once; `run` calls are serialised so concurrent requests never hold more than
 * one set of activations in wasm memory (onnxruntime-web has one thread here anyway).
 */
export async function createOrtSession(
  ort: OrtApi,
  manifest: ModelManifest,
  files: ModelFiles,
  options: InferenceSession.SessionOptions = {},
): Promise<FeatureSession> {
  const session = await ort.InferenceSession.create(files.graph, {
    graphOptimizationLevel: 'all',
    ...options,
    externalData: files.externalData.map(({ path, data }) => ({ path, data })),
  });
  const inputSize = manifest.input.shape.reduce((a, b) => a * b, 1);
  let queue: Promise<unknown> = Promise.resolve();

  async function runOne(input: Float32Array): Promise<Float32Array> {
    const feeds = { [manifest.input.name]: new ort.Tensor('float32', input, manifest.input.shape) };
    const outputs = await session.run(feeds);
    const output = outputs[manifest.output.name];
    if (!output) throw new Error(`model ${manifest.id} produced no output named ${manifest.output.name}`);
    const vector = output.data;
    if (!(vector instanceof Float32Array) || vector.length !== manifest.dims) {
      throw new Error(`model ${manifest.id} returned ${vector.length} values, the manifest says ${manifest.dims}`);
    }
    // Copy out of ORT's buffer and free the tensor's memory now rather than at GC time.
    const copy = vector.slice();
    output.dispose();
    return copy;
  }

  return {
    manifest,
    run(input) {
      if (input.length !== inputSize) {
        return Promise.reject(new RangeError(`model ${manifest.id} takes ${inputSize} values, got ${input.length}`));
      }
      const result = queue.then(() => runOne(input));
      queue = result.catch(() => undefined);
      return result;
    },
    release: () => session.release(),
  };
}
