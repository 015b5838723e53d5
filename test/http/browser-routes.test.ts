/**
 * The routes the browser side needs, on the app over fakes: static files with cross-origin isolation
 * headers, item thumbnails, and model manifests.
 */
import { describe, expect, it } from 'vitest';
import { createApp, type AppOptions } from '../../src/http/app.ts';
import { DEFAULT_LIMITS } from '../../src/http/limits.ts';
import { MAX_THUMBNAIL_BYTES } from '../../src/config/defaults.ts';
import { MODELS } from '../../src/models.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { memoryThumbnails } from '../../src/thumbnails/types.ts';
import { pngHeader } from '../core/image/builders.ts';
import { fixtureImage } from '../setup/fixtures.ts';
import { keyed, testAuth } from '../support/auth.ts';

const model = MODELS.find((m) => m.id === 'vgg16-narrow-synthetic')!;
const extractor = async () => ({ manifest: model, embed: async () => new Float32Array(model.dims) });

function appWith(options: Partial<AppOptions> = {}) {
  return keyed(createApp({ model, models: MODELS, extractor, limits: DEFAULT_LIMITS, auth: testAuth(), ...options }));
}

/** A stand-in for the ASSETS binding: two files, 404 for the rest. */
function fakeAssets(seen: string[] = []) {
  const files: Record<string, [string, string]> = {
    '/demo/': ['<!doctype html><title>demo</title>', 'text/html'],
    '/ort/runtime.json': ['{}', 'application/json'],
  };
  return async (request: Request) => {
    const { pathname } = new URL(request.url);
    seen.push(pathname);
    const file = files[pathname];
    return file ? new Response(file[0], { headers: { 'content-type': file[1], etag: '"x"' } }) : new Response('nope', { status: 404 });
  };
}

async function problemOf(response: Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return (await response.json()) as { type: string; detail: string };
}

describe('static files', () => {
  it('redirects / to the demo and serves it cross-origin isolated', async () => {
    const app = appWith({ assets: fakeAssets() });
    const root = await app.request('/');
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/demo/');
    const demo = await app.request('/demo/');
    expect(demo.status).toBe(200);
    expect(await demo.text()).toMatch(/<title>demo/);
    expect(demo.headers.get('content-type')).toBe('text/html');
    expect(demo.headers.get('etag')).toBe('"x"');
    expect(demo.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(demo.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(demo.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(demo.headers.get('x-content-type-options')).toBe('nosniff');
    expect(demo.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets any origin load the runtime files', async () => {
    const response = await appWith({ assets: fakeAssets() }).request('/ort/runtime.json');
    expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers a missing file, an unknown API path and other methods with problem documents', async () => {
    const seen: string[] = [];
    const app = appWith({ assets: fakeAssets(seen) });
    expect((await problemOf(await app.request('/demo/missing.js'), 404)).type).toMatch(/\/not-found$/);
    await problemOf(await app.request('/v1/nothing-here'), 404);
    await problemOf(await app.request('/healthz/x'), 404);
    await problemOf(await app.request('/demo/', { method: 'POST' }), 404);
    expect(seen).toEqual(['/demo/missing.js']); // API paths never reach the assets
    await problemOf(await appWith().request('/demo/'), 404); // no assets configured
  });
});

describe('thumbnails', () => {
  const webp = new Uint8Array(fixtureImage('chelsea.webp'));

  /** An app with thumbnails and an item store holding `ids` (a thumbnail needs its item). */
  async function withItems(...ids: string[]) {
    const store = new MemoryStore({ id: model.id, version: model.version, dims: model.dims });
    await store.upsert(ids.map((id) => ({ id, vector: new Float32Array(model.dims).fill(1) })));
    return appWith({ thumbnails: memoryThumbnails(), store });
  }

  it('stores, serves and deletes a thumbnail per namespace', async () => {
    const app = await withItems('chelsea');
    const put = await app.request('/v1/thumbnails/chelsea', { method: 'PUT', body: webp, headers: { 'content-type': 'text/plain' } });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({
      id: 'chelsea',
      namespace: 'default',
      contentType: 'image/webp',
      bytes: webp.byteLength,
      width: 451,
      height: 300,
    });

    const got = await app.request('/v1/thumbnails/chelsea');
    expect(got.status).toBe(200);
    // The type comes from the bytes, not from what the uploader said.
    expect(got.headers.get('content-type')).toBe('image/webp');
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(webp);
    await problemOf(await app.request('/v1/thumbnails/chelsea?namespace=other'), 404);

    expect((await app.request('/v1/thumbnails/chelsea', { method: 'DELETE' })).status).toBe(204);
    expect((await problemOf(await app.request('/v1/thumbnails/chelsea'), 404)).type).toMatch(/\/thumbnail-not-found$/);
  });

  it('refuses a thumbnail for an item that does not exist (in this namespace)', async () => {
    const app = await withItems('chelsea');
    const put = (path: string) => app.request(path, { method: 'PUT', body: webp });
    const missing = await problemOf(await put('/v1/thumbnails/nobody'), 404);
    expect(missing.type).toMatch(/\/item-not-found$/);
    expect(missing.detail).toMatch(/nobody/);
    expect((await problemOf(await put('/v1/thumbnails/chelsea?namespace=other'), 404)).type).toMatch(/\/item-not-found$/);
    await problemOf(await app.request('/v1/thumbnails/nobody'), 404); // and nothing was stored
    expect((await put('/v1/thumbnails/chelsea')).status).toBe(200);
  });

  it('refuses what is not a small JPEG, PNG or WebP', async () => {
    const app = await withItems('x');
    const put = (body: Uint8Array<ArrayBuffer>, id = 'x') => app.request(`/v1/thumbnails/${id}`, { method: 'PUT', body });
    expect((await problemOf(await put(new TextEncoder().encode('<svg onload=alert(1)>')), 415)).type).toMatch(/unsupported-image-format$/);
    expect((await problemOf(await put(new Uint8Array(fixtureImage('chelsea.gif').subarray(0, 20_000))), 415)).detail).toMatch(/not gif/);
    await problemOf(await put(new Uint8Array(MAX_THUMBNAIL_BYTES + 1)), 413);
    expect((await problemOf(await put(new Uint8Array(pngHeader(2000, 10, 8, 2))), 413)).detail).toMatch(/2000x10/);
    await problemOf(await put(webp, '.hidden'), 422);
  });

  it('answers 503 to uploads and 404 to reads where no bucket is bound', async () => {
    const app = appWith();
    const webp = new Uint8Array(fixtureImage('chelsea.webp'));
    expect((await problemOf(await app.request('/v1/thumbnails/x', { method: 'PUT', body: webp }), 503)).type).toMatch(
      /thumbnails-unavailable$/,
    );
    await problemOf(await app.request('/v1/thumbnails/x'), 404);
  });
});

describe('GET /v1/models/:id/manifest', () => {
  it('answers the full manifest a browser needs', async () => {
    const response = await appWith().request(`/v1/models/${model.id}/manifest`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(model)));
  });

  it('names the known models for an unknown id', async () => {
    const body = (await problemOf(await appWith().request('/v1/models/nope/manifest'), 404)) as unknown as { available: string[] };
    expect(body.available).toContain(model.id);
  });
});
