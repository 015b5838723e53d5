/**
 * @module The browser runtime: onnxruntime-web with the WebGPU execution provider, falling back to WASM
 * where WebGPU is missing or fails, and the image codecs compiled from the deployment's .wasm files.
 * Web standards only (no DOM): it runs in pages and in Web Workers.
 *
 * Two onnxruntime-web builds, each loaded only when used:
 *   webgpu  `onnxruntime-web/webgpu` (asyncify wasm, 26.8 MB): the WebGPU EP, with the WASM EP inside it
 *   wasm    `onnxruntime-web/wasm` (plain SIMD wasm, 14.2 MB): the same binary the Worker runs
 * A browser without a WebGPU adapter never downloads the first. The wasm binaries come from the
 * deployment's /ort/ in parts (one is over the 25 MiB static-asset limit), are checked against
 * /ort/runtime.json and handed to ORT as `env.wasm.wasmBinary`.
 */
import { initCodecs, codecsReady } from '../core/image/codecs.ts';
import type { ModelManifest } from '../core/model/manifest.ts';
import type { FeatureSession, ModelFiles } from '../core/model/session.ts';
import { createOrtSession } from './ort/session.ts';

type Ort = typeof import('onnxruntime-web');

export type Backend = 'webgpu' | 'wasm';
export type BackendPreference = 'auto' | Backend;
export type OrtBuildName = Backend;

/** A file the runtime downloads and checks. */
export interface RuntimeFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** /ort/runtime.json, written by tools/browser/build.ts. */
export interface OrtRuntimeManifest {
  /** The onnxruntime-web version the files belong to; the library's own build must be the same. */
  readonly onnxruntime: string;
  readonly builds: Record<
    OrtBuildName,
    {
      readonly module: string;
      readonly glue: string;
      readonly wasm: { readonly name: string; readonly bytes: number; readonly sha256: string; readonly parts: readonly RuntimeFile[] };
    }
  >;
}

/** Downloads (or reads from cache) one runtime wasm, checked against its sha256. */
export type WasmLoader = (build: OrtBuildName, wasm: OrtRuntimeManifest['builds'][OrtBuildName]['wasm']) => Promise<Uint8Array>;

export const CODEC_FILES = {
  jpeg: 'libjpeg-turbo.wasm',
  webp: 'webp_dec.wasm',
  avif: 'avif_dec.wasm',
  heic: 'libheif.wasm',
} as const;

/** The minimal WebGPU surface this module needs (TypeScript's libs do not declare WebGPU). */
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<{
    readonly info?: { vendor?: string; architecture?: string; description?: string };
    readonly isFallbackAdapter?: boolean;
  } | null>;
}

export interface WebGpuProbe {
  readonly available: boolean;
  /** Why WebGPU cannot be used, when it cannot. */
  readonly reason?: string;
  /** Adapter vendor/architecture/description, and whether it is a software (fallback) adapter. */
  readonly adapter?: string;
  readonly fallbackAdapter?: boolean;
}

/** Whether this browser offers a WebGPU adapter at all. */
export async function probeWebGpu(): Promise<WebGpuProbe> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return { available: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  let adapter: Awaited<ReturnType<GpuLike['requestAdapter']>>;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { available: false, reason: `WebGPU adapter request failed: ${errorText(error)}` };
  }
  if (!adapter) return { available: false, reason: 'no WebGPU adapter (navigator.gpu.requestAdapter() returned null)' };
  const info = adapter.info ?? {};
  const described = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
  return {
    available: true,
    adapter: described,
    fallbackAdapter: adapter.isFallbackAdapter === true || (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true,
  };
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Compiles a codec from the deployment (streaming where the server sends application/wasm). */
async function compileWasm(url: string, fetcher: (request: Request) => Promise<Response>): Promise<WebAssembly.Module> {
  const response = await fetcher(new Request(url));
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  if ((response.headers.get('content-type') ?? '').startsWith('application/wasm') && WebAssembly.compileStreaming) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

let codecsPending: Promise<void> | undefined;

/** Compiles the image decoders once per page (the core's `initCodecs` takes the modules). */
export function initBrowserCodecs(baseUrl: string, fetcher: (request: Request) => Promise<Response>): Promise<void> {
  if (codecsReady()) return Promise.resolve();
  return (codecsPending ??= Promise.all(
    (['jpeg', 'webp', 'avif', 'heic'] as const).map((key) => compileWasm(`${baseUrl}/codecs/${CODEC_FILES[key]}`, fetcher)),
  ).then(
    ([jpeg, webp, avif, heic]) => initCodecs({ jpeg: jpeg!, webp: webp!, avif: avif!, heic: heic! }),
    (error: unknown) => {
      codecsPending = undefined;
      throw new Error(`the image decoders could not be loaded: ${errorText(error)}`, { cause: error });
    },
  ));
}

/** Each ORT build is one module instance whose env is set once, before its first session. */
const loadedBuilds = new Map<OrtBuildName, Promise<Ort>>();

async function importBuild(name: OrtBuildName): Promise<Ort> {
  // Bundlers resolve these to onnxruntime-web's ES builds; the deployment's own bundles load them
  // from /ort/ (see tools/browser/build.ts).
  return name === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web/wasm');
}

function loadBuild(name: OrtBuildName, runtime: OrtRuntimeManifest, loadWasm: WasmLoader, numThreads: number | undefined): Promise<Ort> {
  let pending = loadedBuilds.get(name);
  if (!pending) {
    pending = (async () => {
      const ort = await importBuild(name);
      const version = ort.env.versions?.web;
      if (version && version !== runtime.onnxruntime) {
        throw new Error(
          `this page bundles onnxruntime-web ${version} but the deployment serves ${runtime.onnxruntime}; use the same version`,
        );
      }
      const build = runtime.builds[name];
      ort.env.wasm.wasmBinary = await loadWasm(name, build.wasm);
      ort.env.wasm.proxy = false;
      // Threads need cross-origin isolation (COOP/COEP); ORT picks a count itself when left alone.
      if (numThreads !== undefined) ort.env.wasm.numThreads = numThreads;
      else if (!(globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated) ort.env.wasm.numThreads = 1;
      return ort;
    })();
    pending.catch(() => loadedBuilds.delete(name));
    loadedBuilds.set(name, pending);
  }
  return pending;
}

export interface BrowserSessionOptions {
  readonly runtime: OrtRuntimeManifest;
  readonly loadWasm: WasmLoader;
  readonly backend?: BackendPreference;
  readonly numThreads?: number;
  /** Runs the WebGPU session once on a blank input and falls back when it fails or returns non-finite values. */
  readonly verifyWebGpu?: boolean;
}

export interface BrowserSession {
  readonly session: FeatureSession;
  readonly backend: Backend;
  /** Why the WASM path runs although WebGPU was allowed. */
  readonly fallbackReason?: string;
  /** The WebGPU adapter, when one was found. */
  readonly adapter?: string;
}

async function webGpuSession(ort: Ort, manifest: ModelManifest, files: ModelFiles, verify: boolean): Promise<FeatureSession> {
  const session = await createOrtSession(ort, manifest, files, { executionProviders: ['webgpu'] });
  if (verify) {
    try {
      const blank = new Float32Array(manifest.input.shape.reduce((a, b) => a * b, 1));
      const vector = await session.run(blank);
      if (!vector.every(Number.isFinite)) throw new Error('the WebGPU session returned non-finite values');
    } catch (error) {
      await session.release().catch(() => undefined);
      throw error;
    }
  }
  return session;
}

/**
 * Creates the model session: WebGPU when allowed and it works, else WASM. `files` are the model's
 * checked bytes; both backends read the same ones.
 */
export async function createBrowserSession(
  manifest: ModelManifest,
  files: ModelFiles,
  options: BrowserSessionOptions,
): Promise<BrowserSession> {
  const preference = options.backend ?? 'auto';
  let fallbackReason: string | undefined;
  let adapter: string | undefined;
  if (preference !== 'wasm') {
    const probe = await probeWebGpu();
    adapter = probe.adapter;
    if (!probe.available) {
      fallbackReason = probe.reason;
    } else {
      try {
        const ort = await loadBuild('webgpu', options.runtime, options.loadWasm, options.numThreads);
        const session = await webGpuSession(ort, manifest, files, options.verifyWebGpu ?? true);
        return { session, backend: 'webgpu', ...(adapter && { adapter }) };
      } catch (error) {
        // ORT's wasm can throw a bare number (a C++ exception); its reason is then only in the console.
        const why =
          typeof error === 'number'
            ? `onnxruntime could not create a WebGPU session (wasm exception ${error}; see the console)`
            : errorText(error);
        fallbackReason = `WebGPU failed: ${why}`;
      }
    }
    if (preference === 'webgpu') throw new Error(`WebGPU was required but ${fallbackReason}`);
  }
  const ort = await loadBuild('wasm', options.runtime, options.loadWasm, options.numThreads);
  const session = await createOrtSession(ort, manifest, files, { executionProviders: ['wasm'] });
  return { session, backend: 'wasm', ...(fallbackReason && { fallbackReason }), ...(adapter && { adapter }) };
}
