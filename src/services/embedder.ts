/**
 * @module The embedder: images in, vectors out, through the one inference gate and the content-addressed
 * cache of the app. Every embed path (embed, search by image, item upsert, compare) calls it, so each is
 * answered from the cache on a repeated image. No HTTP here: a queue consumer or a CLI can use it as well.
 */
import type { EmbedOptions, FeatureExtractor } from '../core/extractor.ts';
import { sniffFormat } from '../core/image/sniff.ts';
import type { ImageFormat } from '../core/image/types.ts';
import type { ModelManifest } from '../core/model/manifest.ts';
import type { EmbedCache, EmbedCacheStatus } from './embed-cache.ts';
import {
  createInferenceGate,
  DEFAULT_INFERENCE_GATE,
  gatedExtractor,
  type InferenceGate,
  type InferenceGateOptions,
} from './inference-gate.ts';

export interface EmbedRequest {
  readonly options?: EmbedOptions | undefined;
  /** The caller's `Cache-Control` (`no-store`: skip the cache, `no-cache`: recompute and refresh). */
  readonly cacheControl?: string | undefined;
  /**
   * Keeps work going after the answer (a cache write): the Worker's `waitUntil`. Without one the work is
   * awaited before the embed returns.
   */
  readonly defer?: ((task: Promise<unknown>) => void) | undefined;
  /**
   * Told, before any decoding or cache lookup, the format of each image as read from its bytes (what will
   * be decoded, whatever the request declared); not called when some image is of no accepted format.
   */
  readonly reportFormats?: ((formats: readonly ImageFormat[]) => void) | undefined;
}

export interface Embedded {
  /** One per image, in order. */
  readonly vectors: Float32Array[];
  /** The model that made them (the cache's on a hit: the model is then not loaded). */
  readonly model: ModelManifest;
  /** What the cache did; undefined when the app has no cache. */
  readonly cache: EmbedCacheStatus | undefined;
}

export interface Embedder {
  /**
   * Embeds images. A single image goes through the cache (a hit answers before the model loads); a batch
   * runs the model for each image and bypasses the cache.
   */
  embed(images: readonly Uint8Array[], request?: EmbedRequest): Promise<Embedded>;
  /** The extractor behind the gate (loads the model on first use). */
  extractor(): Promise<FeatureExtractor>;
  readonly gate: InferenceGate;
}

export interface EmbedderOptions {
  /** Resolves the extractor, loading the model on first use. */
  readonly extractor: () => Promise<FeatureExtractor>;
  readonly cache?: EmbedCache | undefined;
  /** How many embeds run and wait at once (per app, i.e. per isolate); default DEFAULT_INFERENCE_GATE. */
  readonly inference?: InferenceGateOptions | undefined;
}

export function createEmbedder(options: EmbedderOptions): Embedder {
  const gate = createInferenceGate(options.inference ?? DEFAULT_INFERENCE_GATE);
  // Decoding and inference are bounded per isolate, whichever path asks.
  const extractor = gatedExtractor(options.extractor, gate);
  const { cache } = options;

  async function run(
    images: readonly Uint8Array[],
    embedOptions: EmbedOptions,
  ): Promise<{ vectors: Float32Array[]; model: ModelManifest }> {
    const loaded = await extractor();
    const vectors: Float32Array[] = [];
    for (const image of images) vectors.push(await loaded.embed(image, embedOptions));
    return { vectors, model: loaded.manifest };
  }

  return {
    gate,
    extractor,
    async embed(images, request = {}) {
      const formats = images.map(sniffFormat);
      if (formats.every((format) => format !== undefined)) request.reportFormats?.(formats);
      const embedOptions = request.options ?? {};
      if (!cache) return { ...(await run(images, embedOptions)), cache: undefined };
      const found = await cache.lookup({ images, options: embedOptions, cacheControl: request.cacheControl });
      if (found.status === 'hit') return { vectors: [found.vector], model: found.model, cache: 'hit' };
      const computed = await run(images, embedOptions);
      if (found.status === 'miss') {
        const write = found.store(computed.vectors[0]!, computed.model);
        if (request.defer) request.defer(write);
        else await write;
      }
      return { ...computed, cache: found.status };
    },
  };
}

/** One cache status for several embeds (compare's two images): hit if all hit, miss if any missed, else bypass. */
export function combinedCacheStatus(results: readonly Embedded[]): EmbedCacheStatus | undefined {
  const statuses = results.map((result) => result.cache);
  if (statuses.some((status) => status === undefined)) return undefined;
  if (statuses.every((status) => status === 'hit')) return 'hit';
  return statuses.includes('miss') ? 'miss' : 'bypass';
}
