/**
 * @module Downloads with a byte count and a Cache API copy keyed by sha256, so a second visit reads the
 * model and the runtime wasm from the cache instead of the network. Every byte is checked against the
 * sha256 its manifest names before it is used or cached; a cached copy that fails the check is dropped.
 * Where the Cache API is missing (insecure origins) or refuses (private modes, quota) nothing is cached.
 */
import { sha256Hex } from '../core/util/sha256.ts';

export const CACHE_NAME = 'edge-features-v1';
/** Entries are keyed by content, never fetched: the host is reserved (RFC 2606). */
const KEY_PREFIX = 'https://cache.edge-features.invalid/sha256/';
/** Each entry remembers which file it is, so a new version of a file replaces the old one. */
const NAME_HEADER = 'x-edge-features-file';

export type Fetcher = (request: Request) => Promise<Response>;

export interface Progress {
  /** What is being loaded, e.g. `models/vgg16-synthetic/weights-0.bin` or `ort/ort-wasm-simd-threaded.wasm`. */
  readonly file: string;
  readonly loadedBytes: number;
  readonly totalBytes: number;
  readonly fromCache: boolean;
}

export class ByteCache {
  readonly #cache: Promise<Cache | undefined>;

  constructor(enabled: boolean) {
    const storage = (globalThis as { caches?: CacheStorage }).caches;
    this.#cache = enabled && storage ? storage.open(CACHE_NAME).catch(() => undefined) : Promise.resolve(undefined);
  }

  async get(sha256: string, bytes: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
    const cache = await this.#cache;
    if (!cache) return undefined;
    try {
      const hit = await cache.match(KEY_PREFIX + sha256);
      if (!hit) return undefined;
      const data = new Uint8Array(await hit.arrayBuffer());
      if (data.byteLength === bytes) return data;
      await cache.delete(KEY_PREFIX + sha256);
    } catch {
      // An unreadable entry is a miss.
    }
    return undefined;
  }

  async delete(sha256: string): Promise<void> {
    await (await this.#cache)?.delete(KEY_PREFIX + sha256).catch(() => false);
  }

  /** Stores checked bytes under their sha256, and drops older versions of the same file. */
  async put(file: string, sha256: string, data: Uint8Array<ArrayBuffer>): Promise<void> {
    const cache = await this.#cache;
    if (!cache) return;
    try {
      await cache.put(
        KEY_PREFIX + sha256,
        new Response(data, { headers: { 'content-type': 'application/octet-stream', [NAME_HEADER]: file } }),
      );
      for (const request of await cache.keys()) {
        if (request.url === KEY_PREFIX + sha256) continue;
        const entry = await cache.match(request);
        if (entry?.headers.get(NAME_HEADER) === file) await cache.delete(request);
      }
    } catch {
      // Quota or a private mode: the next visit downloads again.
    }
  }
}

/** Removes every cached model and runtime file (e.g. from a "clear data" button). */
export async function clearCache(): Promise<boolean> {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  return storage ? storage.delete(CACHE_NAME).catch(() => false) : false;
}

/** Reads a response body into exactly `expected` bytes, reporting progress; refuses any other length. */
export async function readExactly(
  response: Response,
  expected: number,
  onBytes?: (loaded: number) => void,
): Promise<Uint8Array<ArrayBuffer>> {
  if (!response.body) {
    const data = new Uint8Array(await response.arrayBuffer());
    onBytes?.(data.byteLength);
    return data;
  }
  const out = new Uint8Array(expected);
  let loaded = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.byteLength > expected) {
      await reader.cancel();
      throw new Error(`${response.url}: more than the expected ${expected} bytes`);
    }
    out.set(value, loaded);
    loaded += value.byteLength;
    onBytes?.(loaded);
  }
  if (loaded !== expected) throw new Error(`${response.url}: ${loaded} bytes, expected ${expected}`);
  return out;
}

/** Fetches `url`, failing with a message that names it. */
export async function fetchOk(fetcher: Fetcher, url: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetcher(new Request(url));
  } catch (cause) {
    throw new Error(`cannot reach ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${url} answered ${response.status}`);
  }
  return response;
}

/**
 * A file made of parts (each fetched from `baseUrl/part.path`), joined and checked against its own
 * sha256, from the cache when it is there.
 */
export async function loadVerifiedParts(
  file: {
    readonly name: string;
    readonly bytes: number;
    readonly sha256: string;
    readonly parts: ReadonlyArray<{ readonly path: string; readonly bytes: number }>;
  },
  baseUrl: string,
  options: { cache: ByteCache; fetch: Fetcher; onProgress?: ((progress: Progress) => void) | undefined },
): Promise<Uint8Array<ArrayBuffer>> {
  const cached = await options.cache.get(file.sha256, file.bytes);
  if (cached && (await sha256Hex(cached)) === file.sha256) {
    options.onProgress?.({ file: file.name, loadedBytes: file.bytes, totalBytes: file.bytes, fromCache: true });
    return cached;
  }
  if (cached) await options.cache.delete(file.sha256);
  const total = file.parts.reduce((n, part) => n + part.bytes, 0);
  if (total !== file.bytes) throw new Error(`${file.name}: parts add up to ${total} bytes, the manifest says ${file.bytes}`);
  const out = new Uint8Array(file.bytes);
  const loadedPerPart = file.parts.map(() => 0);
  let offset = 0;
  const reads = file.parts.map((part, i) => {
    const at = offset;
    offset += part.bytes;
    return fetchOk(options.fetch, `${baseUrl}/${part.path}`)
      .then((response) =>
        readExactly(response, part.bytes, (loaded) => {
          loadedPerPart[i] = loaded;
          const loadedBytes = loadedPerPart.reduce((a, b) => a + b, 0);
          options.onProgress?.({ file: file.name, loadedBytes, totalBytes: file.bytes, fromCache: false });
        }),
      )
      .then((data) => out.set(data, at));
  });
  await Promise.all(reads);
  const actual = await sha256Hex(out);
  if (actual !== file.sha256) {
    throw new Error(`${file.name} has sha256 ${actual}, expected ${file.sha256}; refusing a damaged or stale download`);
  }
  await options.cache.put(file.name, file.sha256, out);
  return out;
}
