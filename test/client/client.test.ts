/**
 * The typed client against the real Hono app (memory store and thumbnails, a stand-in extractor):
 * every call, its request shape and its errors. The same client runs inside workerd in
 * test/worker/client.test.ts and in Chromium through the demo.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createClient, EdgeFeaturesError, type EdgeFeaturesClient } from '../../src/client/index.ts';
import { sniffFormat } from '../../src/core/image/sniff.ts';
import { ImageError } from '../../src/core/image/types.ts';
import { createApp } from '../../src/http/app.ts';
import { DEFAULT_LIMITS } from '../../src/http/limits.ts';
import { MODELS } from '../../src/models.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { memoryThumbnails } from '../../src/thumbnails/types.ts';
import { fixtureImage } from '../setup/fixtures.ts';
import { TEST_WRITE_KEY, testAuth } from '../support/auth.ts';

const model = MODELS.find((m) => m.id === 'vgg16-narrow-synthetic')!;
const BASE = 'https://edge-features.test/api';

/** A stand-in extractor: a vector that depends on the bytes, so different photos differ; non-images fail as the core fails. */
function fakeVector(bytes: Uint8Array): Float32Array {
  if (!sniffFormat(bytes)) throw new ImageError('unsupported_format', 'not a JPEG, PNG, WebP, GIF, BMP, AVIF or HEIC image');
  const v = new Float32Array(model.dims);
  for (let i = 0; i < v.length; i++) v[i] = bytes[(i * 7919) % bytes.length]! / 255 + 1;
  return v;
}

const image = (name: string) => new Uint8Array(fixtureImage(name));
const chelsea = image('chelsea.png');
const chelseaJpeg = image('chelsea-q90.jpg');
const coffee = image('coffee.png');

let client: EdgeFeaturesClient;
let requests: Request[];
/** Builds a client over this test's app (mounted under /api: the client keeps a base path). */
let clientFor: (options?: { namespace?: string }) => EdgeFeaturesClient;

beforeEach(() => {
  const app = createApp({
    model,
    models: MODELS,
    extractor: async () => ({ manifest: model, embed: async (bytes: Uint8Array) => fakeVector(bytes) }),
    limits: DEFAULT_LIMITS,
    store: new MemoryStore({ id: model.id, version: model.version, dims: model.dims }),
    thumbnails: memoryThumbnails(),
    auth: testAuth(),
  });
  requests = [];
  clientFor = (options = {}) =>
    createClient({
      baseUrl: `${BASE}/`,
      headers: { authorization: `Bearer ${TEST_WRITE_KEY}` },
      ...options,
      fetch: async (request) => {
        requests.push(request.clone() as Request);
        const url = new URL(request.url);
        expect(url.pathname.startsWith('/api/')).toBe(true);
        return app.fetch(new Request(new URL(url.pathname.slice(4) + url.search, url), request));
      },
    });
  client = clientFor();
});

describe('createClient', () => {
  it('reads health and models', async () => {
    expect((await client.health()).model).toEqual({ id: expect.any(String), version: '1' });
    const models = await client.models();
    expect(models.find((m) => m.serving)?.id).toBe(model.id);
    expect(requests[0]!.headers.get('authorization')).toBe(`Bearer ${TEST_WRITE_KEY}`);
  });

  it('embeds bytes, Blobs and ArrayBuffers alike', async () => {
    const fromBytes = await client.embed(chelsea);
    expect(fromBytes.vector).toBeInstanceOf(Float32Array);
    expect(fromBytes.vector).toEqual(fakeVector(chelsea));
    expect(fromBytes.model).toMatchObject({ id: model.id, version: model.version, dims: 64, sha256: model.graph.sha256 });
    expect((await client.embed(new Blob([chelsea]))).vector).toEqual(fromBytes.vector);
    expect((await client.embed(chelsea.slice().buffer)).vector).toEqual(fromBytes.vector);
    expect(requests.at(-1)!.url).toBe(`${BASE}/v1/embed`);
    const withOptions = await client.embed(chelsea, { resize: 'bilinear', orientation: 'ignore' });
    expect(withOptions.dims).toBe(64);
    expect(requests.at(-1)!.url).toBe(`${BASE}/v1/embed?resize=bilinear&orientation=ignore`);
  });

  it('stores items from images and from precomputed vectors, reads, lists neighbours, searches and deletes', async () => {
    const stored = await client.putItem('chelsea', { image: chelsea }, { metadata: { kind: 'cat' } });
    expect(stored).toMatchObject({ id: 'chelsea', namespace: 'default', model: { id: model.id, version: model.version }, dims: 64 });

    // A vector computed elsewhere (e.g. in the browser) with the serving model.
    const { vector } = await client.embed(chelseaJpeg);
    await client.putItem(
      'chelsea-jpeg',
      { vector, model: { id: model.id, version: model.version, sha256: model.graph.sha256 } },
      { metadata: { kind: 'cat' } },
    );
    await client.putItem('coffee', { image: new Blob([coffee]) }, { metadata: { kind: 'cup' } });

    const item = await client.getItem('chelsea-jpeg', { vector: true });
    expect(item?.metadata).toEqual({ kind: 'cat' });
    expect(item?.vector).toEqual(vector);
    expect((await client.getItem('chelsea'))?.vector).toBeUndefined();
    expect(await client.getItem('nobody')).toBeNull();

    const similar = await client.similar('chelsea', { k: 2 });
    expect(similar.results.map((r) => r.id).sort()).toEqual(['chelsea-jpeg', 'coffee']);
    expect(similar).toMatchObject({ metric: 'cosine', k: 2, namespace: 'default' });
    const cats = await client.similar('chelsea', { filter: { kind: 'cat' } });
    expect(cats.results.map((r) => r.id)).toEqual(['chelsea-jpeg']);

    const byVector = await client.search({ vector: fakeVector(coffee), model }, { k: 1 });
    expect(byVector.results[0]).toMatchObject({ id: 'coffee', metadata: { kind: 'cup' } });
    expect(byVector.results[0]!.score).toBeCloseTo(1, 6);
    const byImage = await client.search({ image: chelsea }, { k: 3, metric: 'euclidean' });
    expect(byImage.results[0]).toMatchObject({ id: 'chelsea', score: 0 });

    await client.deleteItem('coffee');
    expect(await client.getItem('coffee')).toBeNull();
  });

  it('keeps namespaces apart', async () => {
    await client.putItem('x', { image: chelsea }, { namespace: 'team-a' });
    expect(await client.getItem('x')).toBeNull();
    expect((await client.getItem('x', { namespace: 'team-a' }))?.namespace).toBe('team-a');
    // A client bound to a namespace uses it for every item and search call.
    const teamA = clientFor({ namespace: 'team-a' });
    expect((await teamA.getItem('x'))?.id).toBe('x');
    expect(requests.at(-1)!.url).toBe(`${BASE}/v1/items/x?namespace=team-a`);
    expect((await teamA.search({ image: chelsea })).namespace).toBe('team-a');
  });

  it('compares two images', async () => {
    const same = await client.compare(chelsea, new Blob([chelsea]));
    expect(same.cosine).toBeCloseTo(1, 6);
    expect(same.euclidean).toBe(0);
    const other = await client.compare(chelsea, coffee);
    expect(other.cosine).toBeLessThan(1);
    expect(other.model).toEqual({ id: model.id, version: model.version, dims: 64 });
  });

  it('stores thumbnails and says where they are served', async () => {
    const thumb = image('chelsea.webp');
    // A thumbnail belongs to a stored item.
    await expect(client.putThumbnail('chelsea', thumb)).rejects.toMatchObject({ kind: 'http', status: 404, problemKind: 'item-not-found' });
    await client.putItem('chelsea', { image: chelsea });
    await client.putThumbnail('chelsea', new Blob([thumb], { type: 'image/webp' }));
    const url = client.thumbnailUrl('chelsea');
    expect(url).toBe(`${BASE}/v1/thumbnails/chelsea`);
    expect(client.thumbnailUrl('a:b', { namespace: 'team-a' })).toBe(`${BASE}/v1/thumbnails/a%3Ab?namespace=team-a`);
  });

  it('turns problem documents into EdgeFeaturesError with the problem', async () => {
    const wrongModel = client.putItem('v', { vector: new Array(64).fill(0.1), model: { id: model.id, version: '999' } });
    await expect(wrongModel).rejects.toBeInstanceOf(EdgeFeaturesError);
    const error = (await wrongModel.catch((e: unknown) => e)) as EdgeFeaturesError;
    expect(error.kind).toBe('http');
    expect(error.status).toBe(422);
    expect(error.problemKind).toBe('model-mismatch');
    expect(error.message).toMatch(/^The vector comes from another model: /);

    const notImage = (await client.embed(new TextEncoder().encode('not an image')).catch((e: unknown) => e)) as EdgeFeaturesError;
    expect(notImage).toMatchObject({ kind: 'http', status: 415, problemKind: 'unsupported-image-format' });

    const missing = (await client.similar('nobody').catch((e: unknown) => e)) as EdgeFeaturesError;
    expect(missing).toMatchObject({ status: 404, problemKind: 'item-not-found' });
  });

  it('reports a failed connection as a network error', async () => {
    const offline = createClient({
      baseUrl: 'https://unreachable.test',
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    const error = (await offline.health().catch((e: unknown) => e)) as EdgeFeaturesError;
    expect(error).toBeInstanceOf(EdgeFeaturesError);
    expect(error.kind).toBe('network');
    expect(error.status).toBeUndefined();
    expect(error.message).toBe('GET https://unreachable.test/healthz failed: fetch failed');
  });

  it('checks every answer against the contract: a malformed one is a response error naming the field', async () => {
    const answering = (body: unknown) => createClient({ baseUrl: 'https://x.test', fetch: async () => Response.json(body) });
    const search = {
      results: [{ id: 'a', score: 'high', metadata: {} }],
      model: { id: 'm', version: '1', dims: 2 },
      metric: 'cosine',
      namespace: 'default',
      k: 1,
    };
    const wrongScore = (await answering(search)
      .search({ vector: [1, 0], model: { id: 'm', version: '1' } })
      .catch((e: unknown) => e)) as EdgeFeaturesError;
    expect(wrongScore).toBeInstanceOf(EdgeFeaturesError);
    expect(wrongScore).toMatchObject({ kind: 'response', status: undefined });
    expect(wrongScore.message).toMatch(/^the answer from https:\/\/x\.test does not match the API: results\.0\.score: /);

    const noVector = (await answering({ model: (await client.embed(chelsea)).model, dims: 64 })
      .embed(chelsea)
      .catch((e: unknown) => e)) as EdgeFeaturesError;
    expect(noVector).toMatchObject({ kind: 'response' });
    expect(noVector.message).toMatch(/: vector: /);

    const wrongHealth = (await answering({ status: 'ok' })
      .health()
      .catch((e: unknown) => e)) as EdgeFeaturesError;
    expect(wrongHealth.message).toMatch(/: model: .*; runtime: /);

    const notJson = createClient({
      baseUrl: 'https://x.test',
      fetch: async () => new Response('<html>', { headers: { 'content-type': 'text/html' } }),
    });
    await expect(notJson.models()).rejects.toMatchObject({ kind: 'response', message: 'the answer from https://x.test is not JSON' });
  });

  it('reports a problem+json answer that is not a problem document by its status', async () => {
    const broken = createClient({
      baseUrl: 'https://x.test',
      fetch: async () =>
        Response.json(
          { error: 'nope' },
          { status: 422, statusText: 'Unprocessable Content', headers: { 'content-type': 'application/problem+json' } },
        ),
    });
    const error = (await broken.health().catch((e: unknown) => e)) as EdgeFeaturesError;
    expect(error).toMatchObject({
      kind: 'http',
      status: 422,
      problem: undefined,
      problemKind: undefined,
      message: 'HTTP 422 Unprocessable Content',
    });
  });

  it('reports an error page that is not a problem document by its status', async () => {
    const proxy = createClient({
      baseUrl: 'https://x.test',
      fetch: async () =>
        new Response('<h1>Bad gateway</h1>', { status: 502, statusText: 'Bad Gateway', headers: { 'content-type': 'text/html' } }),
    });
    const error = (await proxy.models().catch((e: unknown) => e)) as EdgeFeaturesError;
    expect(error).toMatchObject({ kind: 'http', status: 502, problem: undefined, message: 'HTTP 502 Bad Gateway' });
  });
});
