/** The embedding cache module and the embed route's use of it, on the app over fakes (no model runs). */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import { createEmbedCache, EMBED_CACHE_HEADER, type CacheStorageLike } from '../../src/services/embed-cache.ts';
import { DEFAULT_LIMITS } from '../../src/http/limits.ts';
import { MODELS } from '../../src/models.ts';

const model = MODELS.find((m) => m.id === 'vgg16-narrow-synthetic')!;
const other = MODELS.find((m) => m.id === 'vgg16-narrow-synthetic-int8')!;

/** The Cache API's match/put over a Map (keys are URLs). */
function memoryCache(entries = new Map<string, Response>()): CacheStorageLike & { entries: Map<string, Response> } {
  return {
    entries,
    async match(key) {
      return entries.get(String(key))?.clone();
    },
    async put(key, response) {
      entries.set(String(key), new Response(await response.arrayBuffer(), response));
    },
  };
}

/** An app whose extractor counts its calls and gives a vector derived from the image's first byte. */
function appWith(storage: CacheStorageLike, options: { maxBytes?: number; warn?: (m: string) => void } = {}) {
  let embeds = 0;
  const extractor = async () => ({
    manifest: model,
    embed: async (image: Uint8Array) => {
      embeds++;
      return new Float32Array(model.dims).fill(image[0]! / 7);
    },
  });
  const embedCache = createEmbedCache({ model, open: async () => storage, ...options });
  const app = createApp({ model, models: MODELS, extractor, limits: DEFAULT_LIMITS, embedCache });
  const post = async (image: Uint8Array<ArrayBuffer>, query = '', headers: Record<string, string> = {}) => {
    const response = await app.request(`/v1/embed${query}`, {
      method: 'POST',
      body: image,
      headers: { 'content-type': 'application/octet-stream', ...headers },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { model: { id: string }; vector: number[] };
    return { cache: response.headers.get(EMBED_CACHE_HEADER), vector: body.vector, model: body.model.id };
  };
  return { post, embeds: () => embeds };
}

describe('embedding cache', () => {
  it('runs the model on a miss only; a hit gives the stored vector, float32-exact', async () => {
    const storage = memoryCache();
    const { post, embeds } = appWith(storage);
    const image = new Uint8Array([5, 1, 2, 3]);
    const miss = await post(image);
    const hit = await post(image);
    expect([miss.cache, hit.cache]).toEqual(['miss', 'hit']);
    expect(hit.vector).toEqual(miss.vector);
    expect(hit.model).toBe(model.id);
    expect(embeds()).toBe(1);
    expect(storage.entries.size).toBe(1);
    const [key, entry] = [...storage.entries][0]!;
    expect(key).toMatch(
      new RegExp(`^https://embed-cache\\.edge-features\\.invalid/v1/${model.id}/${model.version}/[0-9a-f]{64}/nearest/apply/[0-9a-f]{64}$`),
    );
    expect(entry.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    expect((await entry.clone().arrayBuffer()).byteLength).toBe(model.dims * 4);
  });

  it('gives each model its own keys, and refuses an entry stored under another model', async () => {
    const storage = memoryCache();
    const image = new Uint8Array([9, 9]);
    await appWith(storage).post(image);
    const [key] = [...storage.entries.keys()];
    const otherCache = createEmbedCache({ model: other, open: async () => storage });
    expect((await otherCache.lookup({ images: [image], options: {} })).status).toBe('miss');
    // Move this model's entry under another model's key: the lookup still refuses it.
    const otherLookup = await otherCache.lookup({ images: [image], options: {} });
    if (otherLookup.status !== 'miss') expect.fail('expected a miss');
    await otherLookup.store(new Float32Array(other.dims).fill(1), other);
    const otherKey = [...storage.entries.keys()].find((k) => k !== key)!;
    storage.entries.set(otherKey, storage.entries.get(key!)!.clone());
    expect((await otherCache.lookup({ images: [image], options: {} })).status).toBe('miss');
    // And a vector produced by another model is never stored under this model's key.
    const lookup = await createEmbedCache({ model, open: async () => storage }).lookup({ images: [new Uint8Array([1])], options: {} });
    if (lookup.status !== 'miss') expect.fail('expected a miss');
    const before = storage.entries.size;
    await lookup.store(new Float32Array(model.dims), other);
    expect(storage.entries.size).toBe(before);
  });

  it('bypasses batches, large images and no-store, and a failing cache, without failing the request', async () => {
    const warnings: string[] = [];
    const { post, embeds } = appWith(memoryCache(), { maxBytes: 3, warn: (m) => warnings.push(m) });
    expect((await post(new Uint8Array([1, 2, 3, 4]))).cache).toBe('bypass');
    expect((await post(new Uint8Array([1]), '', { 'cache-control': 'no-store' })).cache).toBe('bypass');
    expect((await post(new Uint8Array([1]), '', { 'cache-control': 'max-age=0, no-cache' })).cache).toBe('miss');
    expect((await post(new Uint8Array([1]))).cache).toBe('hit');
    expect(embeds()).toBe(3);

    const broken: CacheStorageLike = {
      match: async () => {
        throw new Error('cache down');
      },
      put: async () => {
        throw new Error('cache down');
      },
    };
    const failing = appWith(broken, { warn: (m) => warnings.push(m) });
    const answer = await failing.post(new Uint8Array([7]));
    expect(answer.cache).toBe('bypass');
    expect(answer.vector).toHaveLength(model.dims);
    expect(warnings.some((w) => w.includes('cache down'))).toBe(true);
  });
});

describe('cache writes and the response', () => {
  /** A cache whose writes wait until `release()`. */
  function slowCache() {
    const inner = memoryCache();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const storage: CacheStorageLike = {
      match: (key) => inner.match(key),
      put: async (key, response) => (await released, inner.put(key, response)),
    };
    return { storage, release, entries: inner.entries };
  }
  const extractor = async () => ({ manifest: model, embed: async () => new Float32Array(model.dims).fill(0.5) });
  const post = () =>
    new Request('https://edge-features.test/v1/embed', {
      method: 'POST',
      body: new Uint8Array([3, 1, 4]),
      headers: { 'content-type': 'image/png' },
    });

  it('with an execution context the write goes to waitUntil: the answer does not wait for it', async () => {
    const { storage, release, entries } = slowCache();
    const app = createApp({
      model,
      models: MODELS,
      extractor,
      limits: DEFAULT_LIMITS,
      embedCache: createEmbedCache({ model, open: async () => storage }),
    });
    const waiting: Promise<unknown>[] = [];
    const ctx = { waitUntil: (task: Promise<unknown>) => void waiting.push(task), passThroughOnException() {}, props: {} };
    const response = await app.fetch(post(), {}, ctx);
    expect(response.headers.get(EMBED_CACHE_HEADER)).toBe('miss');
    expect(waiting).toHaveLength(1);
    expect(entries.size).toBe(0); // answered before the write
    release();
    await Promise.all(waiting);
    expect(entries.size).toBe(1);
    expect((await app.fetch(post(), {}, ctx)).headers.get(EMBED_CACHE_HEADER)).toBe('hit');
  });

  it('without one (app.request, a script) the write is awaited before the answer', async () => {
    const { storage, release, entries } = slowCache();
    const app = createApp({
      model,
      models: MODELS,
      extractor,
      limits: DEFAULT_LIMITS,
      embedCache: createEmbedCache({ model, open: async () => storage }),
    });
    let answered = false;
    const response = Promise.resolve(app.request(post())).then((r) => ((answered = true), r));
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBe(false);
    release();
    expect((await response).headers.get(EMBED_CACHE_HEADER)).toBe('miss');
    expect(entries.size).toBe(1);
  });
});
