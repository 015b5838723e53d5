/**
 * @module `edge-features/browser`: the Worker's extractor core (decode, Keras preprocessing, model
 * manifest) running in the browser on onnxruntime-web — WebGPU where it works, WASM otherwise — with
 * the model fetched from the deployment, checked against its manifest's sha256 and kept in the Cache
 * API; plus the typed HTTP client. No DOM types: it runs in pages and in Web Workers.
 *
 *   const extractor = await createBrowserExtractor({ baseUrl: 'https://edge-features.example.dev' });
 *   const vector = await extractor.embed(file);            // Float32Array, same as POST /v1/embed
 *   await createClient({ baseUrl }).putItem('cat-1', { vector, model: extractor.model });
 */
import { createExtractor, type EmbedOptions } from '../core/extractor.ts';
import { ModelLoadError, loadModelFiles } from '../core/model/load.ts';
import { sha256Hex } from '../core/util/sha256.ts';
import { parseManifest, type ModelManifest } from '../core/model/manifest.ts';
import type { ModelFiles } from '../core/model/session.ts';
import { createClient } from '../client/index.ts';
import {
  createBrowserSession,
  initBrowserCodecs,
  type Backend,
  type BackendPreference,
  type OrtRuntimeManifest,
} from '../runtime/browser.ts';
import { ByteCache, fetchOk, loadVerifiedParts, readExactly, type Fetcher, type Progress } from './cache.ts';

export * from '../client/index.ts';
export { ImageError, type ImageErrorCode, type ImageFormat, type OrientationMode, type ResampleMode } from '../core/image/types.ts';
export { ModelLoadError } from '../core/model/load.ts';
export type { ModelManifest } from '../core/model/manifest.ts';
export type { EmbedOptions } from '../core/extractor.ts';
export { cosine, euclidean, dot } from '../core/vector/metrics.ts';
export { probeWebGpu, type Backend, type BackendPreference, type WebGpuProbe } from '../runtime/browser.ts';
export { clearCache, type Progress } from './cache.ts';

// The Worker's default `MAX_PIXELS` (src/config/defaults.ts): an image one refuses, the other refuses too.
import { DEFAULT_MAX_PIXELS } from '../config/defaults.ts';
export { DEFAULT_MAX_PIXELS };

export interface BrowserExtractorOptions {
  /** The deployment that serves the model and runtime files; defaults to this page's origin. */
  readonly baseUrl?: string | URL;
  /**
   * A model id the deployment knows, or a manifest to pin (its sha256s are then the trust anchor).
   * Defaults to the model the deployment serves, so vectors can be stored there.
   */
  readonly model?: string | ModelManifest;
  /** `auto` (default): WebGPU when there is a working adapter, else WASM. */
  readonly backend?: BackendPreference;
  /** Keep the model and runtime wasm in the Cache API (default true). */
  readonly cache?: boolean;
  /** WASM threads; default: ORT's choice when the page is cross-origin isolated, else 1. */
  readonly numThreads?: number;
  /** Images whose header claims more pixels are refused before decoding (default DEFAULT_MAX_PIXELS: the Worker's default MAX_PIXELS). */
  readonly maxPixels?: number;
  /** Verify a WebGPU session on a blank input before trusting it (default true). */
  readonly verifyWebGpu?: boolean;
  readonly fetch?: Fetcher;
  /** Download progress of the model and the runtime wasm. */
  readonly onProgress?: (progress: Progress) => void;
}

/** The model a vector comes from, in the form `PUT /v1/items/:id` takes. */
export interface VectorModel {
  readonly id: string;
  readonly version: string;
  readonly dims: number;
  readonly sha256: string;
}

export interface BrowserExtractor {
  /** The execution provider that runs the model. */
  readonly backend: Backend;
  /** Why WASM runs although WebGPU was allowed (no navigator.gpu, no adapter, or the WebGPU error). */
  readonly fallbackReason?: string;
  /** The WebGPU adapter that was found, if any. */
  readonly adapter?: string;
  readonly manifest: ModelManifest;
  readonly model: VectorModel;
  /** Milliseconds from the call to a ready extractor, and whether every big file came from the cache. */
  readonly loadMs: number;
  readonly fromCache: boolean;
  /** Image bytes (a File from an input or a drop, a Blob, an ArrayBuffer, a Uint8Array) to vector. */
  embed(image: Blob | ArrayBuffer | ArrayBufferView, options?: EmbedOptions): Promise<Float32Array>;
  release(): Promise<void>;
}

function baseUrlOf(value: string | URL | undefined): string {
  const base = value ?? (globalThis as { location?: { origin: string } }).location?.origin;
  if (!base) throw new TypeError('createBrowserExtractor: baseUrl is required outside a page or worker with a location');
  return String(base).replace(/\/+$/, '');
}

async function bytesOf(image: Blob | ArrayBuffer | ArrayBufferView): Promise<Uint8Array> {
  if (image instanceof Blob) return new Uint8Array(await image.arrayBuffer());
  if (image instanceof ArrayBuffer) return new Uint8Array(image);
  return new Uint8Array(image.buffer, image.byteOffset, image.byteLength);
}

async function fetchJson(fetcher: Fetcher, url: string): Promise<unknown> {
  const response = await fetchOk(fetcher, url);
  try {
    return await response.json();
  } catch (cause) {
    throw new Error(`${url} is not JSON`, { cause });
  }
}

async function resolveManifest(model: BrowserExtractorOptions['model'], baseUrl: string, fetcher: Fetcher): Promise<ModelManifest> {
  if (model && typeof model === 'object') return parseManifest(model, 'options.model');
  let id = model;
  if (!id) {
    const listed = await createClient({ baseUrl, fetch: fetcher }).models();
    id = listed.find((m) => m.serving)?.id;
    if (!id) throw new Error(`${baseUrl}/v1/models names no serving model`);
  }
  const url = `${baseUrl}/v1/models/${encodeURIComponent(id)}/manifest`;
  return parseManifest(await fetchJson(fetcher, url), url);
}

/** The model's files through the core's sha256-checked loader, read from the cache where they are. */
async function loadModel(
  manifest: ModelManifest,
  baseUrl: string,
  cache: ByteCache,
  options: BrowserExtractorOptions & { fetch: Fetcher },
): Promise<{ files: ModelFiles; fromCache: boolean }> {
  const all = [manifest.graph, ...manifest.externalData];
  const byPath = new Map(all.map((file) => [file.path, file]));
  const totalBytes = all.reduce((n, f) => n + f.bytes, 0);
  const loaded = new Map<string, number>();
  const report = (path: string, bytes: number, fromCache: boolean) => {
    loaded.set(path, bytes);
    const loadedBytes = [...loaded.values()].reduce((a, b) => a + b, 0);
    options.onProgress?.({ file: `models/${manifest.id}`, loadedBytes, totalBytes, fromCache });
  };

  let cachedPaths: string[] = [];
  /** `trust`: cached bytes go straight to the core's check; `verify`: each cached file is hashed first. */
  async function attempt(mode: 'trust' | 'verify') {
    cachedPaths = [];
    const fresh = new Map<string, Uint8Array<ArrayBuffer>>();
    const source = async (path: string) => {
      const file = byPath.get(path)!;
      let hit = await cache.get(file.sha256, file.bytes);
      if (hit && mode === 'verify' && (await sha256Hex(hit)) !== file.sha256) {
        await cache.delete(file.sha256);
        hit = undefined;
      }
      if (hit) {
        cachedPaths.push(path);
        report(path, file.bytes, true);
        return hit;
      }
      const response = await fetchOk(options.fetch, `${baseUrl}/models/${manifest.id}/${path}`);
      const data = await readExactly(response, file.bytes, (n) => report(path, n, false));
      fresh.set(path, data);
      return data;
    };
    const files = await loadModelFiles(manifest, source);
    return { files, fresh };
  }

  let result: Awaited<ReturnType<typeof attempt>>;
  try {
    result = await attempt('trust');
  } catch (error) {
    // A cached copy no longer matches its manifest: find it, drop it, download only that one again.
    if (!(error instanceof ModelLoadError) || cachedPaths.length === 0) throw error;
    result = await attempt('verify');
  }
  // Cache only what the core has checked.
  for (const [path, data] of result.fresh) await cache.put(`models/${manifest.id}/${path}`, byPath.get(path)!.sha256, data);
  return { files: result.files, fromCache: result.fresh.size === 0 };
}

/**
 * Loads the model and the runtime and returns a ready extractor. Rejects when the model or runtime
 * cannot be downloaded or fails its sha256 check, or when neither WebGPU nor WASM can create a session.
 */
export async function createBrowserExtractor(options: BrowserExtractorOptions = {}): Promise<BrowserExtractor> {
  const started = performance.now();
  const baseUrl = baseUrlOf(options.baseUrl);
  const fetcher: Fetcher = options.fetch ?? ((request) => fetch(request));
  const cache = new ByteCache(options.cache ?? true);

  const [manifest, runtime] = await Promise.all([
    resolveManifest(options.model, baseUrl, fetcher),
    fetchJson(fetcher, `${baseUrl}/ort/runtime.json`) as Promise<OrtRuntimeManifest>,
  ]);
  const codecs = initBrowserCodecs(baseUrl, fetcher);
  const model = await loadModel(manifest, baseUrl, cache, { ...options, fetch: fetcher });
  await codecs;
  let wasmFromCache = true;
  const { session, backend, fallbackReason, adapter } = await createBrowserSession(manifest, model.files, {
    runtime,
    backend: options.backend ?? 'auto',
    ...(options.numThreads !== undefined && { numThreads: options.numThreads }),
    ...(options.verifyWebGpu !== undefined && { verifyWebGpu: options.verifyWebGpu }),
    loadWasm: (_build, wasm) =>
      loadVerifiedParts({ ...wasm, name: `ort/${wasm.name}` }, `${baseUrl}/ort`, {
        cache,
        fetch: fetcher,
        onProgress: (progress) => {
          if (!progress.fromCache) wasmFromCache = false;
          options.onProgress?.(progress);
        },
      }),
  });
  const extractor = createExtractor(session, { maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS });
  return {
    backend,
    ...(fallbackReason && { fallbackReason }),
    ...(adapter && { adapter }),
    manifest,
    model: { id: manifest.id, version: manifest.version, dims: manifest.dims, sha256: manifest.graph.sha256 },
    loadMs: performance.now() - started,
    fromCache: model.fromCache && wasmFromCache,
    async embed(image, embedOptions) {
      return extractor.embed(await bytesOf(image), embedOptions);
    },
    release: () => session.release(),
  };
}
