/** Security headers on API answers, problems and static files; a CSP on HTML pages only. */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../../src/http/app.ts';
import { DEFAULT_LIMITS } from '../../../src/http/limits.ts';
import { PAGE_CSP } from '../../../src/http/middleware/secure-headers/index.ts';
import { MODELS } from '../../../src/models.ts';
import { MemoryStore } from '../../../src/store/memory.ts';
import { memoryThumbnails } from '../../../src/thumbnails/types.ts';
import { fixtureImage } from '../../setup/fixtures.ts';
import { keyed, testAuth } from '../../support/auth.ts';

const model = MODELS.find((m) => m.id === 'vgg16-narrow-synthetic')!;
const extractor = async () => ({
  manifest: model,
  embed: async (): Promise<Float32Array> => {
    throw new Error('boom at /secret/path/session.ts:42');
  },
});
const assets = async (request: Request) => {
  const { pathname } = new URL(request.url);
  if (pathname === '/demo/')
    return new Response('<!doctype html><title>demo</title>', { headers: { 'content-type': 'text/html; charset=utf-8' } });
  if (pathname === '/demo/demo.js') return new Response('export {}', { headers: { 'content-type': 'text/javascript' } });
  return new Response('nope', { status: 404 });
};
const store = new MemoryStore({ id: model.id, version: model.version, dims: model.dims });
const app = keyed(
  createApp({ model, models: MODELS, extractor, limits: DEFAULT_LIMITS, auth: testAuth(), assets, thumbnails: memoryThumbnails(), store }),
);

function expectBaseHeaders(response: Response) {
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('x-powered-by')).toBeNull();
}

describe('security headers', () => {
  it('on API answers and problems, without a CSP (JSON is not a page)', async () => {
    for (const response of [
      await app.request('/healthz'),
      await app.request('/v1/nothing'),
      await app.request('/v1/items/x', { method: 'PUT', headers: { authorization: '' } }),
    ]) {
      expectBaseHeaders(response);
      expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      expect(response.headers.get('content-security-policy')).toBeNull();
    }
  });

  it('a CSP on the demo page, and the static routes keep their cross-origin isolation headers', async () => {
    const page = await app.request('/demo/');
    expectBaseHeaders(page);
    expect(page.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(PAGE_CSP).toMatch(/script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    expect(PAGE_CSP).toMatch(/frame-ancestors 'none'/);
    expect(PAGE_CSP).not.toMatch(/unsafe-inline|'unsafe-eval'/);
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    const script = await app.request('/demo/demo.js');
    expectBaseHeaders(script);
    expect(script.headers.get('content-security-policy')).toBeNull();
  });

  it('thumbnails stay loadable by other origins', async () => {
    const webp = new Uint8Array(fixtureImage('chelsea.webp'));
    await store.upsert([{ id: 't', vector: new Float32Array(model.dims).fill(1) }]); // a thumbnail needs its item
    expect((await app.request('/v1/thumbnails/t', { method: 'PUT', body: webp })).status).toBe(200);
    const got = await app.request('/v1/thumbnails/t');
    expectBaseHeaders(got);
    expect(got.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  });

  it('an unexpected failure is a 500 problem with no stack, path or message of the fault', async () => {
    const response = await app.request('/v1/embed', {
      method: 'POST',
      body: new Uint8Array(fixtureImage('chelsea.png')),
      headers: { 'content-type': 'image/png' },
    });
    expect(response.status).toBe(500);
    expectBaseHeaders(response);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ type: 'https://edge-features.dev/problems/internal', status: 500 });
    expect(text).not.toMatch(/boom|secret|session\.ts|\bat /);
  });
});
