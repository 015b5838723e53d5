/**
 * @module The engines the benchmark runs in its own Node process, each behind the core's FeatureSession so that
 * an embed gives the Worker's vector exactly (decodeImage -> toTensor (which resizes) -> session.run: the same tensor
 * as createExtractor's decodeForModel -> toTensor, which orients and resizes as the rows arrive):
 *
 * - `nodewasm`: onnxruntime-web's WASM build — the `onnxruntime-web/wasm` bundle and the
 *   `ort-wasm-simd-threaded.wasm` binary the Worker imports — through the Worker's own createOrtSession, 1 thread;
 * - `native`: onnxruntime-node (CPU, 1 intra-op thread), the native reference;
 * - `tfjs-wasm`: @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD, single-threaded build) running the same VGG16
 *   (TF.js layers, built by tools/convert/tfjs-layers-vgg16.ts with the same synthetic weights).
 *
 * Model files come from public/models/<id>/, checked against their manifests as the Worker checks them.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web/wasm';
import { DEFAULT_ORIENTATION } from '../../src/core/extractor.ts';
import { decodeImage, toTensor } from '../../src/core/image/index.ts';
import { loadModelFiles } from '../../src/core/model/load.ts';
import type { ModelManifest } from '../../src/core/model/manifest.ts';
import type { FeatureSession } from '../../src/core/model/session.ts';
import { createOrtSession } from '../../src/runtime/ort/session.ts';
import { initNodeCodecs } from '../../src/runtime/node.ts';
import { REPO_ROOT } from './workerd.ts';

const require = createRequire(import.meta.url);
const modelDir = (id: string) => join(REPO_ROOT, 'public', 'models', id);

export type EngineName = 'nodewasm' | 'native' | 'tfjs-wasm';

export interface EngineSession extends FeatureSession {
  readonly engine: EngineName;
  /** Session creation (and, for TF.js, model construction), ms. */
  readonly createMs: number;
  /** Reading the files and checking their sha256 (onnxruntime-web only, as the Worker does), ms. */
  readonly loadMs?: number;
}

let webReady = false;
function initOrtWeb(): void {
  if (webReady) return;
  ortWeb.env.wasm.numThreads = 1;
  ortWeb.env.wasm.proxy = false;
  // The very binary wrangler bundles for the Worker (given as bytes: Node may compile at run time).
  ortWeb.env.wasm.wasmBinary = readFileSync(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
  webReady = true;
}

export async function openNodeWasm(manifest: ModelManifest): Promise<EngineSession> {
  initOrtWeb();
  const started = performance.now();
  const files = await loadModelFiles(manifest, async (path) => new Uint8Array(await readFile(join(modelDir(manifest.id), path))));
  const loaded = performance.now();
  const session = await createOrtSession(ortWeb, manifest, files, { executionProviders: ['wasm'] });
  return { ...session, engine: 'nodewasm', loadMs: loaded - started, createMs: performance.now() - loaded };
}

export async function openNative(manifest: ModelManifest): Promise<EngineSession> {
  const started = performance.now();
  const session = await ortNode.InferenceSession.create(join(modelDir(manifest.id), manifest.graph.path), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const createMs = performance.now() - started;
  return {
    engine: 'native',
    manifest,
    createMs,
    async run(input) {
      const outputs = await session.run({ [manifest.input.name]: new ortNode.Tensor('float32', input, manifest.input.shape) });
      return (outputs[manifest.output.name]!.data as Float32Array).slice();
    },
    release: () => session.release(),
  };
}

/**
 * TF.js with the WASM backend, single-threaded (the non-threaded SIMD binary), on the synthetic VGG16's weights
 * (`manifest` must be a synthetic VGG16: its recipe gives the weights). Throws when the backend cannot start.
 */
export async function openTfjsWasm(manifest: ModelManifest): Promise<EngineSession> {
  const started = performance.now();
  const { tf, buildTfjsVgg16, predictTfjsVgg16 } = await import('../convert/tfjs-layers-vgg16.ts');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const { findSyntheticVgg16 } = await import('../model/recipes.ts');
  const { syntheticVgg16Weights } = await import('../model/synthetic.ts');
  wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'))}/`);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) throw new Error('TF.js: the wasm backend did not start');
  await tf.ready();
  const recipe = findSyntheticVgg16(manifest.id);
  const model = buildTfjsVgg16(recipe.config, syntheticVgg16Weights(recipe.config, recipe.weights.seed));
  return {
    engine: 'tfjs-wasm',
    manifest,
    createMs: performance.now() - started,
    run: async (input) => predictTfjsVgg16(model, input, recipe.config),
    release: async () => {
      model.dispose();
    },
  };
}

export interface EmbedTiming {
  readonly decodeMs: number;
  /** Resize + normalise to the input tensor. */
  readonly preprocessMs: number;
  readonly runMs: number;
  readonly totalMs: number;
  readonly vector: Float32Array | undefined;
}

let codecsReady = false;

/**
 * One embed, as createExtractor runs it, with its three parts timed; without a session, decode and
 * preprocess only.
 */
export async function timedEmbed(
  image: Uint8Array,
  manifest: ModelManifest,
  session: FeatureSession | undefined,
  maxPixels: number,
): Promise<EmbedTiming> {
  if (!codecsReady) {
    initNodeCodecs();
    codecsReady = true;
  }
  const t0 = performance.now();
  const rgb = await decodeImage(image, { maxPixels, orientation: DEFAULT_ORIENTATION });
  const t1 = performance.now();
  const tensor = toTensor(rgb, manifest.preprocess);
  const t2 = performance.now();
  const vector = session ? await session.run(tensor) : undefined;
  const t3 = performance.now();
  return { decodeMs: t1 - t0, preprocessMs: t2 - t1, runMs: t3 - t2, totalMs: t3 - t0, vector };
}
