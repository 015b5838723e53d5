/**
 * @module Embedding in Node for `index --local`: the Worker's own pipeline (createExtractor: decodeImage ->
 * toTensor -> session.run, the same codec .wasm files through src/runtime/node.ts) over the model the service
 * serves, so the vectors it uploads are the ones the Worker would have made.
 *
 * Engines: `native` is onnxruntime-node (CPU, all cores; an optional dependency, loaded only here), `wasm` is
 * onnxruntime-web's WASM build in Node, the very runtime the Worker runs (1 thread). `auto` (the default) picks
 * native for fp32 models (wasm where onnxruntime-node is not installed) and wasm for int8 ones: native int8 kernels round differently from the WASM ones
 * (measured with `npm run bench:cli`: max abs diff 0.16 on vgg16-narrow-synthetic-int8 native, 0 with wasm), so
 * only the WASM engine gives an int8 model's vectors within 1e-4 of the Worker's. The manifest comes from the
 * service (`GET /v1/models/{id}/manifest`); the model files from `--models-dir` where they are (the repository's
 * public/models), else from the service's `/models/{id}/…`, into a cache folder; either way checked against the
 * manifest's sha256 (src/core/model/load.ts) before use.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MAX_PIXELS } from '../config/defaults.ts';
import { createExtractor, type FeatureExtractor } from '../core/extractor.ts';
import { loadModelFiles } from '../core/model/load.ts';
import { parseManifest, type ModelManifest } from '../core/model/manifest.ts';
import type { FeatureSession } from '../core/model/session.ts';
import { initNodeCodecs } from '../runtime/node.ts';
import { createOrtSession, type OrtApi } from '../runtime/ort/session.ts';

export type Engine = 'native' | 'wasm';
export type EngineChoice = Engine | 'auto';

/** The engine `auto` means for a model: native where its vectors match the Worker's (fp32), else wasm. */
export function engineFor(manifest: ModelManifest, choice: EngineChoice): Engine {
  if (choice !== 'auto') return choice;
  return manifest.quantization === 'fp32' ? 'native' : 'wasm';
}

export interface LocalEmbedder {
  readonly manifest: ModelManifest;
  readonly engine: Engine;
  readonly extractor: FeatureExtractor;
  release(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** The serving model's manifest, as the service describes it. */
export async function servingManifest(baseUrl: string, headers: Record<string, string>, id: string): Promise<ModelManifest> {
  const url = `${baseUrl}/v1/models/${encodeURIComponent(id)}/manifest`;
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return parseManifest(await response.json(), url);
}

/** The model's files on disk (checked): from `modelsDir` when it holds them, else downloaded into the cache folder. */
async function modelFolder(manifest: ModelManifest, baseUrl: string, modelsDir: string | undefined): Promise<string> {
  const local = modelsDir && join(modelsDir, manifest.id);
  const all = [manifest.graph, ...manifest.externalData];
  const folder =
    local && all.every((f) => existsSync(join(local, f.path)))
      ? local
      : join(
          process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
          'edge-features',
          'models',
          manifest.id,
          manifest.graph.sha256.slice(0, 16),
        );
  await mkdir(folder, { recursive: true });
  await loadModelFiles(manifest, async (path) => {
    const file = join(folder, path);
    if (existsSync(file)) return new Uint8Array(await readFile(file));
    const url = `${baseUrl}/models/${manifest.id}/${path}`;
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    await writeFile(file, bytes);
    return bytes;
  });
  return folder;
}

type OrtNode = typeof import('onnxruntime-node');

/** onnxruntime-node, or undefined where it is not installed (an optional dependency). */
async function loadOrtNode(): Promise<OrtNode | undefined> {
  try {
    return await import('onnxruntime-node');
  } catch {
    return undefined;
  }
}

async function nativeSession(ort: OrtNode, manifest: ModelManifest, folder: string): Promise<FeatureSession> {
  // From the path: onnxruntime-node finds the external data files beside the graph.
  const session = await ort.InferenceSession.create(join(folder, manifest.graph.path), { graphOptimizationLevel: 'all' });
  return {
    manifest,
    async run(input) {
      const outputs = await session.run({ [manifest.input.name]: new ort.Tensor('float32', input, manifest.input.shape) });
      const output = outputs[manifest.output.name];
      if (!output || !(output.data instanceof Float32Array)) throw new Error(`model ${manifest.id} gave no ${manifest.output.name}`);
      const vector = output.data.slice();
      output.dispose();
      return vector;
    },
    release: () => session.release(),
  };
}

async function wasmSession(manifest: ModelManifest, folder: string): Promise<FeatureSession> {
  const ort = await import('onnxruntime-web/wasm');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  // The binary the Worker runs, given as bytes (Node compiles WebAssembly at run time).
  ort.env.wasm.wasmBinary = readFileSync(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
  const files = await loadModelFiles(manifest, async (path) => new Uint8Array(await readFile(join(folder, path))));
  return createOrtSession(ort as unknown as OrtApi, manifest, files, { executionProviders: ['wasm'] });
}

export async function openLocalEmbedder(options: {
  readonly baseUrl: string;
  readonly headers: Record<string, string>;
  readonly modelId: string;
  readonly engine: EngineChoice;
  readonly modelsDir: string | undefined;
}): Promise<LocalEmbedder> {
  const manifest = await servingManifest(options.baseUrl, options.headers, options.modelId);
  const folder = await modelFolder(manifest, options.baseUrl, options.modelsDir);
  initNodeCodecs();
  const ortNode = engineFor(manifest, options.engine) === 'native' ? await loadOrtNode() : undefined;
  if (options.engine === 'native' && !ortNode) {
    throw new Error('--engine native needs onnxruntime-node (an optional dependency): npm install onnxruntime-node, or use --engine wasm');
  }
  // auto without onnxruntime-node installed: the WASM engine (same vectors, slower).
  const engine: Engine = ortNode ? 'native' : 'wasm';
  if (engine === 'native' && manifest.quantization !== 'fp32') {
    process.stderr.write(
      `edge-features: warning: ${manifest.id} is ${manifest.quantization}; onnxruntime-node's kernels round it differently from the Worker's WASM (use --engine wasm or auto)\n`,
    );
  }
  const session = ortNode ? await nativeSession(ortNode, manifest, folder) : await wasmSession(manifest, folder);
  return {
    manifest,
    engine,
    extractor: createExtractor(session, { maxPixels: DEFAULT_MAX_PIXELS }),
    release: () => session.release(),
  };
}
