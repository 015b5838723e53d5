/** Every StoreError code leaves the API as its problem+json status (the app built over a stub store). */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import { DEFAULT_LIMITS } from '../../src/http/limits.ts';
import { MODELS } from '../../src/models.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { StoreError, type StoreErrorCode, type VectorStore } from '../../src/store/types.ts';
import { keyed, testAuth } from '../support/auth.ts';

const model = MODELS.find((m) => m.id === 'vgg16-narrow-synthetic')!;
const extractor = async () => ({ manifest: model, embed: async () => new Float32Array(model.dims).fill(1) });

function appOver(store: VectorStore | undefined) {
  return keyed(createApp({ model, models: MODELS, extractor, limits: DEFAULT_LIMITS, auth: testAuth(), ...(store && { store }) }));
}

function failing(code: StoreErrorCode): VectorStore {
  const memory = new MemoryStore({ id: model.id, version: model.version, dims: model.dims });
  const fail = async () => {
    throw new StoreError(code, `simulated ${code}`, code === 'limit' ? { limit: 7 } : {});
  };
  return Object.assign(Object.create(memory) as VectorStore, { upsert: fail, query: fail, get: fail });
}

const putVector = (app: ReturnType<typeof appOver>) =>
  app.request('/v1/items/x', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ vector: new Array(model.dims).fill(0.5), model: { id: model.id, version: model.version } }),
  });

describe('store failures as problems', () => {
  for (const [code, status, kind] of [
    ['invalid', 422, 'invalid-field'],
    ['limit', 422, 'limit-exceeded'],
    ['unsupported', 501, 'not-supported'],
    ['rate-limited', 429, 'rate-limited'],
    ['capacity', 503, 'store-capacity'],
    ['misconfigured', 500, 'store-misconfigured'],
  ] as const) {
    it(`${code} -> ${status} ${kind}`, async () => {
      const response = await putVector(appOver(failing(code)));
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ type: `https://edge-features.dev/problems/${kind}`, status, detail: `simulated ${code}` });
      if (code === 'limit') expect(body.limit).toBe(7);
      if (code === 'rate-limited') expect(response.headers.get('retry-after')).toBe('1');
    });
  }

  it('answers 503 store-unavailable when no store is bound, and compare still works', async () => {
    const app = appOver(undefined);
    const response = await putVector(app);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { type: string }).type).toMatch(/store-unavailable$/);
    expect((await app.request('/v1/items')).status).toBe(503);
  });

  it('works end to end over the memory store (vector in, neighbours out)', async () => {
    const app = appOver(new MemoryStore({ id: model.id, version: model.version, dims: model.dims }));
    expect((await putVector(app)).status).toBe(200);
    const search = await app.request('/v1/search', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vector: new Array(model.dims).fill(1), model: { id: model.id, version: model.version }, k: 1 }),
    });
    expect(await search.json()).toMatchObject({
      results: [{ id: 'x', score: expect.closeTo(1, 9), metadata: {} }],
      metric: 'cosine',
      k: 1,
    });
  });
});
