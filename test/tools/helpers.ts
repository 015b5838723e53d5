/** Shared helpers for the model-tool tests. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import type { ModelManifest } from '../../src/core/model/manifest.ts';

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'edge-features-model-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** onnxruntime-node, one thread, loading from the .onnx path so it finds the data files beside it. */
export async function runOrtNode(modelPath: string, input: Float32Array, shape: readonly number[]): Promise<ortNode.Tensor> {
  const session = await ortNode.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const out = await session.run({ input: new ortNode.Tensor('float32', input, shape) });
    return out['features']!;
  } finally {
    await session.release();
  }
}

/**
 * onnxruntime-web (wasm, 1 thread) from bytes, with the external data passed as the Worker will:
 * `externalData: [{ path: <manifest path, = the tensors' location>, data: Uint8Array }]`.
 */
export async function runOrtWeb(
  dir: string,
  manifest: ModelManifest,
  input: Float32Array,
  shape: readonly number[],
): Promise<ortWeb.Tensor> {
  ortWeb.env.wasm.numThreads = 1;
  const model = new Uint8Array(await readFile(join(dir, manifest.graph.path)));
  const externalData = await Promise.all(
    manifest.externalData.map(async (f) => ({ path: f.path, data: new Uint8Array(await readFile(join(dir, f.path))) })),
  );
  const session = await ortWeb.InferenceSession.create(model, { externalData });
  try {
    const out = await session.run({ [manifest.input.name]: new ortWeb.Tensor('float32', input, shape) });
    return out[manifest.output.name]!;
  } finally {
    await session.release();
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/**
 * Agreement bound for fp32 engines: 1e-4 absolute, or 5e-6 of the output's scale when outputs are large
 * (synthetic VGG features reach a few hundred, where one float32 ulp is already 3e-5).
 */
export function fp32Tolerance(scale: number): number {
  return Math.max(1e-4, 5e-6 * scale);
}
