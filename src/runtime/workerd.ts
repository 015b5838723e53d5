/**
 * @module The workerd runtime: onnxruntime-web's WASM SIMD build and the image codecs, each `.wasm`
 * imported as a module (workerd compiles them at upload; compiling bytes at run time is forbidden).
 */
import avifWasm from '@jsquash/avif/codec/dec/avif_dec.wasm';
import webpWasm from '@jsquash/webp/codec/dec/webp_dec.wasm';
import heicWasm from 'libheif-js/libheif-wasm/libheif.wasm';
import * as ort from 'onnxruntime-web/wasm';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import { codecMemoryStats, initCodecs } from '../core/image/codecs.ts';
import jpegWasm from '../core/image/jpeg/libjpeg-turbo.wasm';
import { loadModelFiles, type ModelFileSource } from '../core/model/load.ts';
import type { ModelManifest } from '../core/model/manifest.ts';
import type { FeatureSession } from '../core/model/session.ts';
import { ortWasmMemoryBytes, precompiledWasmBinary } from './ort/precompiled-wasm.ts';
import { createOrtSession } from './ort/session.ts';

initCodecs({ jpeg: jpegWasm, webp: webpWasm, avif: avifWasm, heic: heicWasm });

// Workers have no threads; the "threaded" build runs single-threaded and never starts a Worker.
ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;
ort.env.wasm.wasmBinary = precompiledWasmBinary(ortWasm);

/** Weak references to the buffers of the last model files loaded: nothing may keep them once the session exists. */
let loadedModelFiles: WeakRef<ArrayBufferLike>[] = [];

/** Loads and verifies the model files, then creates the session; the file bytes are dropped after. */
export async function createWorkerdSession(manifest: ModelManifest, source: ModelFileSource): Promise<FeatureSession> {
  const files = await loadModelFiles(manifest, source);
  loadedModelFiles = [files.graph, ...files.externalData.map((file) => file.data)].map((bytes) => new WeakRef(bytes.buffer));
  return createOrtSession(ort, manifest, files, { executionProviders: ['wasm'] });
}

export interface RuntimeStats {
  /** onnxruntime's WebAssembly memory (its high-water mark); absent before the model loads. */
  readonly wasmMemoryBytes?: number;
  /** The image codecs' WebAssembly memory now, and the most it reached (see `codecMemoryStats`). */
  readonly codecWasmMemoryBytes: number;
  readonly codecWasmPeakBytes: number;
  /**
   * Bytes of the loaded model files not yet garbage-collected: 0 after any collection that follows session
   * creation, since neither the session nor this runtime keeps a JavaScript copy; absent before the model loads.
   */
  readonly modelFileBytesLive?: number;
}

export function runtimeStats(): RuntimeStats {
  const wasmMemoryBytes = ortWasmMemoryBytes();
  const codecs = codecMemoryStats();
  return {
    ...(wasmMemoryBytes !== undefined && { wasmMemoryBytes }),
    codecWasmMemoryBytes: codecs.liveBytes,
    codecWasmPeakBytes: codecs.peakBytes,
    ...(loadedModelFiles.length > 0 && {
      modelFileBytesLive: loadedModelFiles.reduce((sum, ref) => sum + (ref.deref()?.byteLength ?? 0), 0),
    }),
  };
}
