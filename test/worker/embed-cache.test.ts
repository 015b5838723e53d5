/**
 * The content-addressed embedding cache inside workerd, over the Workers Cache API (miniflare's): apps built
 * by the Worker's own buildApp with the cache on (the workerd project turns it off for the other tests, so
 * that they keep exercising inference).
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { bytesToFloat32 } from '../../src/core/util/float32-bytes.ts';
import { EMBED_CACHE_HEADER, EMBED_CACHE_NAME, embedCacheKey, modelFingerprint } from '../../src/services/embed-cache.ts';
import { findModel } from '../../src/models.ts';
import { buildApp, type Env } from '../../src/worker.ts';
import { buildBmp } from '../core/image/builders.ts';
import { maxAbsDiff, request, toBase64, type EmbedAnswer } from './helpers.ts';

const FP32 = 'vgg16-narrow-synthetic';
const INT8 = 'vgg16-narrow-synthetic-int8';

type Fetch = (path: string, init?: RequestInit) => Promise<Response>;

function appFor(vars: Partial<Env>): Fetch {
  const app = buildApp({ ...(env as unknown as Env), EMBED_CACHE_MAX_BYTES: undefined, ...vars });
  return async (path, init) => app.fetch(request(path, init), env);
}

/** A 40x30 BMP that neither another test nor an earlier run has embedded: random pixels. */
function uniqueImage(): Uint8Array<ArrayBuffer> {
  const noise = crypto.getRandomValues(new Uint8Array(40 * 30 * 3));
  const pixels = Array.from({ length: 40 * 30 }, (_, i) => [noise[i * 3]!, noise[i * 3 + 1]!, noise[i * 3 + 2]!] as const);
  return buildBmp({ width: 40, height: 30, bits: 24, pixels }) as Uint8Array<ArrayBuffer>;
}

interface Embedded {
  readonly cache: string | null;
  readonly model: string;
  readonly vector: number[];
}

async function embed(fetch: Fetch, image: Uint8Array<ArrayBuffer>, query = '', headers: Record<string, string> = {}): Promise<Embedded> {
  const response = await fetch(`/v1/embed${query}`, { method: 'POST', body: image, headers: { 'content-type': 'image/bmp', ...headers } });
  if (response.status !== 200) expect.fail(`embed answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as EmbedAnswer;
  return { cache: response.headers.get(EMBED_CACHE_HEADER), model: body.model.id, vector: body.vector! };
}

describe('embedding cache (Workers Cache API)', () => {
  const fp32 = appFor({ MODEL_ID: FP32 });

  it('misses, then hits with the identical vector (JSON and octet-stream)', async () => {
    const image = uniqueImage();
    const first = await embed(fp32, image);
    const second = await embed(fp32, image);
    expect(first.cache).toBe('miss');
    expect(second.cache).toBe('hit');
    expect(second.model).toBe(FP32);
    expect(second.vector).toEqual(first.vector);

    const bytes = await fp32('/v1/embed', {
      method: 'POST',
      body: image,
      headers: { 'content-type': 'image/bmp', accept: 'application/octet-stream' },
    });
    expect(bytes.headers.get(EMBED_CACHE_HEADER)).toBe('hit');
    expect(bytes.headers.get('x-model-id')).toBe(FP32);
    expect(Array.from(bytesToFloat32(await bytes.arrayBuffer()))).toEqual(first.vector);
  });

  it('keys on the resolved options: another resize or orientation misses, an explicit default hits', async () => {
    const image = uniqueImage();
    const nearest = await embed(fp32, image);
    const explicitNearest = await embed(fp32, image, '?resize=nearest&orientation=apply');
    expect(explicitNearest.cache).toBe('hit');
    expect(explicitNearest.vector).toEqual(nearest.vector);

    const bilinear = await embed(fp32, image, '?resize=bilinear');
    expect(bilinear.cache).toBe('miss');
    expect(maxAbsDiff(bilinear.vector, nearest.vector)).toBeGreaterThan(0);
    expect((await embed(fp32, image, '?resize=bilinear')).cache).toBe('hit');

    expect((await embed(fp32, image, '?orientation=ignore')).cache).toBe('miss');
    expect((await embed(fp32, image, '?orientation=ignore')).cache).toBe('hit');
  });

  it('never answers with another model’s vector: the same image under another model (same dims) misses', async () => {
    const int8 = appFor({ MODEL_ID: INT8 });
    const image = uniqueImage();
    const a = await embed(fp32, image);
    const b = await embed(int8, image);
    expect(b.cache).toBe('miss');
    expect(b.model).toBe(INT8);
    expect(b.vector).toHaveLength(a.vector.length);
    expect(b.vector).not.toEqual(a.vector);
    expect(await embed(int8, image)).toEqual({ ...b, cache: 'hit' });
    expect(await embed(fp32, image)).toEqual({ ...a, cache: 'hit' });
  });

  it('refuses a stored entry that names another model or has the wrong size, even under this model’s key', async () => {
    const model = findModel(FP32)!;
    const image = uniqueImage();
    const key = await embedCacheKey(model, await modelFingerprint(model), image, {});
    const cache = await caches.open(EMBED_CACHE_NAME);
    const forged = (id: string, floats: number) =>
      new Response(new Float32Array(floats).fill(7), {
        headers: {
          'cache-control': 'max-age=3600',
          'x-model-id': id,
          'x-model-version': model.version,
          'x-vector-dims': String(model.dims),
        },
      });

    await cache.put(key, forged(INT8, model.dims));
    const first = await embed(fp32, image);
    expect(first.cache).toBe('miss');
    expect(first.vector).not.toContain(7);

    await cache.put(key, forged(FP32, model.dims + 1));
    expect((await embed(fp32, image)).cache).toBe('miss');
    const again = await embed(fp32, image);
    expect(again).toEqual({ ...first, cache: 'hit' });
  });

  it('bypasses batches, images over the bound and Cache-Control: no-store; no-cache recomputes and refreshes', async () => {
    const image = uniqueImage();
    const form = new FormData();
    form.append('image', new Blob([image], { type: 'image/bmp' }), 'a.bmp');
    form.append('image', new Blob([image], { type: 'image/bmp' }), 'b.bmp');
    const batch = await fp32('/v1/embed', { method: 'POST', body: form });
    expect(batch.status).toBe(200);
    expect(batch.headers.get(EMBED_CACHE_HEADER)).toBe('bypass');

    expect((await embed(fp32, image, '', { 'cache-control': 'no-store' })).cache).toBe('bypass');
    expect((await embed(fp32, image)).cache).toBe('miss'); // no-store stored nothing
    const refreshed = await embed(fp32, image, '', { 'cache-control': 'no-cache' });
    expect(refreshed.cache).toBe('miss');
    expect((await embed(fp32, image)).vector).toEqual(refreshed.vector);

    const small = appFor({ MODEL_ID: FP32, EMBED_CACHE_MAX_BYTES: String(image.byteLength - 1) });
    expect((await embed(small, image)).cache).toBe('bypass');
    const off = appFor({ MODEL_ID: FP32, EMBED_CACHE_MAX_BYTES: '0' });
    expect((await embed(off, image)).cache).toBeNull();
  });
});

describe('every embed path goes through the one cache', () => {
  const fp32 = appFor({ MODEL_ID: FP32 });
  const namespace = `cache-${Date.now().toString(36)}`;
  const bmp = (init: RequestInit = {}): RequestInit => ({ method: 'POST', headers: { 'content-type': 'image/bmp' }, ...init });
  const json = (body: unknown, method = 'POST'): RequestInit => ({
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  async function cacheOf(response: Response): Promise<string | null> {
    if (response.status !== 200) expect.fail(`${response.status}: ${await response.text()}`);
    await response.body?.cancel();
    return response.headers.get(EMBED_CACHE_HEADER);
  }

  it('search by image: miss, then hit, with the same results', async () => {
    const image = uniqueImage();
    await cacheOf(await fp32(`/v1/items/a?namespace=${namespace}`, bmp({ method: 'PUT', body: uniqueImage() })));
    const first = await fp32(`/v1/search?namespace=${namespace}`, bmp({ body: image }));
    const second = await fp32(`/v1/search?namespace=${namespace}`, bmp({ body: image }));
    expect([first.headers.get(EMBED_CACHE_HEADER), second.headers.get(EMBED_CACHE_HEADER)]).toEqual(['miss', 'hit']);
    expect(await second.json()).toEqual(await first.json());
  });

  it('item upsert from an image (PUT raw, multipart, JSON; POST batch): a repeated image hits, and stores the same vector', async () => {
    const image = uniqueImage();
    expect(await cacheOf(await fp32(`/v1/items/p1?namespace=${namespace}`, bmp({ method: 'PUT', body: image })))).toBe('miss');
    expect(await cacheOf(await fp32(`/v1/items/p2?namespace=${namespace}`, bmp({ method: 'PUT', body: image })))).toBe('hit');
    const form = new FormData();
    form.append('image', new Blob([image], { type: 'image/bmp' }), 'p.bmp');
    expect(await cacheOf(await fp32(`/v1/items/p3?namespace=${namespace}`, { method: 'PUT', body: form }))).toBe('hit');
    expect(await cacheOf(await fp32(`/v1/items/p4?namespace=${namespace}`, json({ image: toBase64(image) }, 'PUT')))).toBe('hit');
    const batch = { items: [{ id: 'p5', image: toBase64(image) }] };
    expect(await cacheOf(await fp32(`/v1/items?namespace=${namespace}`, json(batch)))).toBe('hit');
    const vectors = await Promise.all(
      ['p1', 'p2', 'p3', 'p4', 'p5'].map(
        async (id) => ((await (await fp32(`/v1/items/${id}?namespace=${namespace}&vector=1`)).json()) as { vector: number[] }).vector,
      ),
    );
    for (const vector of vectors.slice(1)) expect(vector).toEqual(vectors[0]);
    // A vector item embeds nothing: no cache header.
    const byVector = await fp32(
      `/v1/items/v?namespace=${namespace}`,
      json({ vector: vectors[0], model: { id: FP32, version: '1' } }, 'PUT'),
    );
    expect(await cacheOf(byVector)).toBeNull();
  });

  it('compare: hit once both images were embedded before (by any path)', async () => {
    const [a, b] = [uniqueImage(), uniqueImage()];
    const body = json({ a: toBase64(a), b: toBase64(b) });
    expect(await cacheOf(await fp32('/v1/compare', body))).toBe('miss');
    const again = await fp32('/v1/compare', body);
    expect(again.headers.get(EMBED_CACHE_HEADER)).toBe('hit');
    expect(((await again.json()) as { cosine: number }).cosine).toBeLessThan(1);
    const c = uniqueImage();
    expect((await embed(fp32, c)).cache).toBe('miss');
    expect(await cacheOf(await fp32('/v1/compare', json({ a: toBase64(a), b: toBase64(c) })))).toBe('hit');
    expect(await cacheOf(await fp32('/v1/compare', json({ a: toBase64(a), b: toBase64(uniqueImage()) })))).toBe('miss');
  });

  it('one cache for all paths: an image embedded by /v1/embed is a hit for search and items', async () => {
    const image = uniqueImage();
    expect((await embed(fp32, image)).cache).toBe('miss');
    expect(await cacheOf(await fp32(`/v1/search?namespace=${namespace}`, bmp({ body: image })))).toBe('hit');
    expect(await cacheOf(await fp32(`/v1/items/shared?namespace=${namespace}`, bmp({ method: 'PUT', body: image })))).toBe('hit');
  });
});
