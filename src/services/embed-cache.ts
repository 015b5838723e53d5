/**
 * @module A content-addressed cache of embeddings: the same image bytes under the same model and the same
 * preprocessing options always give the same vector, so a repeated image costs a SHA-256 and a cache read
 * instead of a decode and an inference.
 *
 * Key: the image's sha256, the model's id and version, a fingerprint of everything in its manifest that
 * determines the vector (file hashes, input, output, preprocessing), and the resolved options (resample,
 * orientation: an explicit default and an omitted option share an entry). Each stored entry also names its
 * model id, version, fingerprint and dims, and a lookup refuses an entry whose names or size differ, so a
 * vector of another model is never returned even if two keys were ever to collide.
 *
 * Bounded: only single-image requests whose image is at most `maxBytes` are cached (a batch, or a larger
 * image, is answered without the cache); entries expire after {@link EMBED_CACHE_TTL_SECONDS} and the
 * storage may evict them earlier. A cache that fails is bypassed, never an error. The request header
 * `Cache-Control: no-store` skips the cache entirely, `no-cache` recomputes the vector and refreshes the
 * entry. A hit answers before the model is loaded, and skips decoding: the image already passed every
 * check once, under this model, when it was first embedded.
 *
 * Storage is anything with the Cache API's `match` and `put` (a web standard): the Worker hands it a
 * Workers Cache (per data centre, not replicated; a no-op on *.workers.dev, working on custom domains and
 * in wrangler dev / miniflare).
 */
import { DEFAULT_EMBED_CACHE_MAX_BYTES } from '../config/defaults.ts';
import { DEFAULT_ORIENTATION, type EmbedOptions } from '../core/extractor.ts';
import type { ModelManifest } from '../core/model/manifest.ts';
import { bytesToFloat32, float32ToBytes } from '../core/util/float32-bytes.ts';
import { sha256Hex } from '../core/util/sha256.ts';

/** The response header that says what the cache did: `hit`, `miss` (computed, then stored) or `bypass`. */
export const EMBED_CACHE_HEADER = 'x-embed-cache';
/** The Workers Cache the Worker keeps embeddings in: a named cache, apart from the zone's HTTP cache. */
export const EMBED_CACHE_NAME = 'edge-features-embeddings';
/** How long an entry may be kept: a vector for given bytes, model and options never changes. */
export const EMBED_CACHE_TTL_SECONDS = 30 * 24 * 60 * 60;
/** Part of every key: bump it when the key or the stored form changes, and old entries stop matching. */
const KEY_SCHEMA = 'v1';
/** Keys are URLs (the Cache API wants them); `.invalid` can never name a real host (RFC 6761). */
const KEY_ORIGIN = 'https://embed-cache.edge-features.invalid';

export type EmbedCacheStatus = 'hit' | 'miss' | 'bypass';

/** What a lookup found: the vector, or what to do with the vector once it is computed. */
export type EmbedCacheLookup =
  | { readonly status: 'hit'; readonly vector: Float32Array; readonly model: ModelManifest }
  | { readonly status: 'miss'; store(vector: Float32Array, producedBy: ModelManifest): Promise<void> }
  | { readonly status: 'bypass'; readonly reason: string };

/** The part of the Cache API the embedding cache uses. */
export type CacheStorageLike = Pick<Cache, 'match' | 'put'>;

export interface EmbedCacheOptions {
  /** The model whose vectors this cache holds (the one the deployment serves). */
  readonly model: ModelManifest;
  /** Opens the storage (once; e.g. `() => caches.open('edge-features-embeddings')`). */
  readonly open: () => Promise<CacheStorageLike>;
  /** Images larger than this are not cached (default {@link DEFAULT_EMBED_CACHE_MAX_BYTES}). */
  readonly maxBytes?: number;
  /** Where cache failures are reported (default `console.warn`). */
  readonly warn?: (message: string) => void;
}

export interface EmbedLookupRequest {
  readonly images: readonly Uint8Array[];
  readonly options: EmbedOptions;
  /** The request's `Cache-Control` header, if any. */
  readonly cacheControl?: string | undefined;
}

export interface EmbedCache {
  readonly model: ModelManifest;
  readonly maxBytes: number;
  lookup(request: EmbedLookupRequest): Promise<EmbedCacheLookup>;
}

/** A hash of everything in a manifest that determines its vectors. */
export function modelFingerprint(model: ModelManifest): Promise<string> {
  const { id, version, input, output, preprocess, dims, graph, externalData } = model;
  const files = [graph, ...externalData].map((file) => [file.path, file.sha256]);
  return sha256Hex(JSON.stringify({ id, version, input, output, preprocess, dims, files }));
}

/** The cache key (a URL) of one image under a model with these options. */
export async function embedCacheKey(model: ModelManifest, fingerprint: string, image: Uint8Array, options: EmbedOptions): Promise<string> {
  const resample = options.resample ?? model.preprocess.resample;
  const orientation = options.orientation ?? DEFAULT_ORIENTATION;
  const path = [KEY_SCHEMA, model.id, model.version, fingerprint, resample, orientation, await sha256Hex(image)];
  return `${KEY_ORIGIN}/${path.map(encodeURIComponent).join('/')}`;
}

/** `no-store`: neither read nor write; `no-cache`: write only. */
function directives(cacheControl: string | undefined): { read: boolean; write: boolean } {
  const tokens = new Set(
    (cacheControl ?? '')
      .toLowerCase()
      .split(',')
      .map((token) => token.trim()),
  );
  if (tokens.has('no-store')) return { read: false, write: false };
  return { read: !tokens.has('no-cache'), write: true };
}

const sameModel = (a: ModelManifest, b: ModelManifest) =>
  a.id === b.id && a.version === b.version && a.graph.sha256 === b.graph.sha256 && a.dims === b.dims;

export function createEmbedCache(options: EmbedCacheOptions): EmbedCache {
  const { model } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_EMBED_CACHE_MAX_BYTES;
  const warn = options.warn ?? ((message: string) => console.warn(message));
  let storage: Promise<CacheStorageLike> | undefined;
  let fingerprint: Promise<string> | undefined;
  const open = () =>
    (storage ??= options.open().catch((error: unknown) => {
      storage = undefined; // try again on the next request
      throw error;
    }));

  /** The stored vector, if the entry exists and is this model's. */
  async function read(key: string, print: string): Promise<Float32Array | undefined> {
    const response = await (await open()).match(key);
    if (!response) return undefined;
    const headers = response.headers;
    const body = await response.arrayBuffer();
    const ours =
      headers.get('x-model-id') === model.id &&
      headers.get('x-model-version') === model.version &&
      headers.get('x-model-fingerprint') === print &&
      headers.get('x-vector-dims') === String(model.dims) &&
      body.byteLength === model.dims * 4;
    return ours ? bytesToFloat32(body) : undefined;
  }

  async function write(key: string, print: string, vector: Float32Array): Promise<void> {
    const response = new Response(float32ToBytes(vector), {
      headers: {
        'content-type': 'application/octet-stream',
        'cache-control': `public, max-age=${EMBED_CACHE_TTL_SECONDS}`,
        'x-model-id': model.id,
        'x-model-version': model.version,
        'x-model-fingerprint': print,
        'x-vector-dims': String(model.dims),
      },
    });
    await (await open()).put(key, response);
  }

  return {
    model,
    maxBytes,
    async lookup({ images, options: embedOptions, cacheControl }) {
      const image = images[0];
      if (images.length !== 1 || !image) return { status: 'bypass', reason: 'batch' };
      if (image.byteLength > maxBytes) return { status: 'bypass', reason: `image over ${maxBytes} bytes` };
      const { read: mayRead, write: mayWrite } = directives(cacheControl);
      if (!mayRead && !mayWrite) return { status: 'bypass', reason: 'cache-control: no-store' };
      let key: string;
      let print: string;
      try {
        print = await (fingerprint ??= modelFingerprint(model));
        key = await embedCacheKey(model, print, image, embedOptions);
        const vector = mayRead ? await read(key, print) : undefined;
        if (vector) return { status: 'hit', vector, model };
      } catch (error) {
        warn(`edge-features: embedding cache unavailable (${String(error)}); answering without it`);
        return { status: 'bypass', reason: 'cache unavailable' };
      }
      return {
        status: 'miss',
        async store(vector, producedBy) {
          if (!sameModel(producedBy, model) || vector.length !== model.dims) return;
          try {
            await write(key, print, vector);
          } catch (error) {
            warn(`edge-features: could not store an embedding in the cache (${String(error)})`);
          }
        },
      };
    },
  };
}
