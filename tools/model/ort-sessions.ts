/**
 * @module Opens an in-memory serialised model in onnxruntime-node (native) or onnxruntime-web (wasm, in
 * Node), single-threaded, for the model tools (calibration, fidelity checks, benchmarks).
 *
 * onnxruntime-node reads external data from files beside the .onnx, so the model goes to a temporary folder
 * that is removed once the session exists. onnxruntime-web gets the bytes the way the Worker passes them:
 * `externalData: [{ path, data }]`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import type { SerializedModel } from './onnx-writer.ts';

export type Engine = 'node' | 'web';

export interface ToolSession {
  readonly engine: Engine;
  /** Runs one float32 input; returns the named outputs (all of them when `outputs` is omitted). */
  run(
    input: Float32Array,
    shape: readonly number[],
    outputs?: readonly string[],
  ): Promise<Record<string, Float32Array | Uint8Array | Int8Array>>;
  release(): Promise<void>;
}

export interface OpenOptions {
  readonly inputName?: string;
  /** onnxruntime graph optimisation level (default: 'all', as the Worker runs). */
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** onnxruntime-node only: writes the optimised graph here (inspection). */
  readonly optimizedModelFilePath?: string;
}

const GRAPH = 'model.onnx';

type AnyTensor = { readonly data: unknown };

function collect(result: Record<string, AnyTensor>): Record<string, Float32Array | Uint8Array | Int8Array> {
  const out: Record<string, Float32Array | Uint8Array | Int8Array> = {};
  for (const [name, tensor] of Object.entries(result)) out[name] = tensor.data as Float32Array | Uint8Array | Int8Array;
  return out;
}

export async function openNodeSession(model: SerializedModel, options: OpenOptions = {}): Promise<ToolSession> {
  const dir = await mkdtemp(join(tmpdir(), 'edge-features-ort-'));
  let session: ortNode.InferenceSession;
  try {
    await writeFile(join(dir, GRAPH), model.model);
    for (const file of model.dataFiles) await writeFile(join(dir, file.path), file.bytes);
    session = await ortNode.InferenceSession.create(join(dir, GRAPH), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
      ...(options.optimizedModelFilePath === undefined ? {} : { optimizedModelFilePath: options.optimizedModelFilePath }),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const inputName = options.inputName ?? 'input';
  return {
    engine: 'node',
    async run(input, shape, outputs) {
      const feeds = { [inputName]: new ortNode.Tensor('float32', input, shape) };
      const result = outputs === undefined ? await session.run(feeds) : await session.run(feeds, [...outputs]);
      return collect(result as Record<string, AnyTensor>);
    },
    release: () => session.release(),
  };
}

export async function openWebSession(model: SerializedModel, options: OpenOptions = {}): Promise<ToolSession> {
  ortWeb.env.wasm.numThreads = 1;
  const session = await ortWeb.InferenceSession.create(model.model, {
    externalData: model.dataFiles.map((f) => ({ path: f.path, data: f.bytes })),
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
  });
  const inputName = options.inputName ?? 'input';
  return {
    engine: 'web',
    async run(input, shape, outputs) {
      const feeds = { [inputName]: new ortWeb.Tensor('float32', input, shape) };
      const result = outputs === undefined ? await session.run(feeds) : await session.run(feeds, [...outputs]);
      return collect(result as Record<string, AnyTensor>);
    },
    release: () => session.release(),
  };
}

export function openSession(engine: Engine, model: SerializedModel, options: OpenOptions = {}): Promise<ToolSession> {
  return engine === 'node' ? openNodeSession(model, options) : openWebSession(model, options);
}
