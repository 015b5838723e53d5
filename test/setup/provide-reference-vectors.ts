/**
 * Vitest global setup for the full-size parity test: computes, with onnxruntime-node (native), the
 * vector of each served model for the Keras reference array of chelsea.png. The caffe preprocessing
 * here is written out independently of src/core so the test compares two separate paths.
 */
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { MODELS } from '../../src/models.ts';
import { SERVED_MODELS_DIR } from '../../tools/prepare-models.ts';
import { kerasReference } from './fixtures.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** model id -> fixture name -> onnxruntime-node vector. */
    nativeVectors: Record<string, Record<string, number[]>>;
  }
}

const PARITY_FIXTURES = ['chelsea.png'];

function caffe(rgb: Uint8Array): Float32Array {
  const mean = [103.939, 116.779, 123.68]; // B, G, R
  const out = new Float32Array(rgb.length);
  for (let p = 0; p < rgb.length; p += 3) {
    out[p] = rgb[p + 2]! - mean[0]!;
    out[p + 1] = rgb[p + 1]! - mean[1]!;
    out[p + 2] = rgb[p]! - mean[2]!;
  }
  return out;
}

export default async function setup(project: TestProject): Promise<void> {
  const nativeVectors: Record<string, Record<string, number[]>> = {};
  for (const manifest of MODELS.filter((m) => m.preprocess.channelOrder === 'BGR')) {
    const session = await ort.InferenceSession.create(join(SERVED_MODELS_DIR, manifest.id, manifest.graph.path), {
      intraOpNumThreads: 1,
    });
    nativeVectors[manifest.id] = {};
    for (const name of PARITY_FIXTURES) {
      const input = new ort.Tensor('float32', caffe(kerasReference(name)), manifest.input.shape);
      const output = await session.run({ [manifest.input.name]: input });
      nativeVectors[manifest.id]![name] = Array.from(output[manifest.output.name]!.data as Float32Array);
    }
    await session.release();
  }
  project.provide('nativeVectors', nativeVectors);
}
