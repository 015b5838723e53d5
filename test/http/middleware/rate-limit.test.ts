/** Rate limits per key and per anonymous client, with a stand-in for the Rate Limiting binding. */
import { describe, expect, it } from 'vitest';
import { createApp, type AppOptions } from '../../../src/http/app.ts';
import { DEFAULT_LIMITS } from '../../../src/http/limits.ts';
import type { RateLimiter } from '../../../src/http/middleware/rate-limit/index.ts';
import { MODELS } from '../../../src/models.ts';
import { MemoryStore } from '../../../src/store/memory.ts';
import { memoryThumbnails } from '../../../src/thumbnails/types.ts';
import { TEST_READ_KEY, TEST_WRITE_KEY, bearer, testAuth } from '../../support/auth.ts';

const model = MODELS.find((m) => m.id === 'vgg16-narrow-synthetic')!;
const extractor = async () => ({ manifest: model, embed: async () => new Float32Array(model.dims).fill(1) });

/** The binding's contract: `limit` requests per key, then `{ success: false }`; records the keys it saw. */
function countingLimiter(limit: number): RateLimiter & { keys: string[] } {
  const counts = new Map<string, number>();
  const keys: string[] = [];
  return {
    keys,
    async limit({ key }) {
      keys.push(key);
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      return { success: n <= limit };
    },
  };
}

function appWith(options: Partial<AppOptions>) {
  return createApp({
    model,
    models: MODELS,
    extractor,
    limits: DEFAULT_LIMITS,
    store: new MemoryStore({ id: model.id, version: model.version, dims: model.dims }),
    thumbnails: memoryThumbnails(),
    auth: testAuth(),
    ...options,
  });
}

const get = (_path: string, headers: Record<string, string> = {}) => ({ method: 'GET', headers });

describe('rate limits', () => {
  it('counts per key; over the limit: 429 problem+json with Retry-After', async () => {
    const perKey = countingLimiter(2);
    const app = appWith({ rateLimit: { perKey, retryAfterSeconds: 60 } });
    for (let i = 0; i < 2; i++) expect((await app.request('/v1/items', get('', bearer(TEST_WRITE_KEY)))).status).toBe(200);
    const refused = await app.request('/v1/items', get('', bearer(TEST_WRITE_KEY)));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    const body = (await refused.json()) as { type: string; detail: string };
    expect(body.type).toMatch(/\/too-many-requests$/);
    expect(body.detail).toBe('The rate limit for the API key "writer" is used up; retry after 60 s.');
    expect(JSON.stringify(body)).not.toContain(TEST_WRITE_KEY);
    // Another key has its own budget.
    expect((await app.request('/v1/items', get('', bearer(TEST_READ_KEY)))).status).toBe(200);
    expect(perKey.keys).toEqual(['key:writer', 'key:writer', 'key:writer', 'key:reader']);
  });

  it('counts anonymous reads per client IP', async () => {
    const perClient = countingLimiter(1);
    const app = appWith({ rateLimit: { perClient, retryAfterSeconds: 10 } });
    expect((await app.request('/v1/items', get('', { 'cf-connecting-ip': '203.0.113.7' }))).status).toBe(200);
    const refused = await app.request('/v1/items', get('', { 'cf-connecting-ip': '203.0.113.7' }));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('10');
    expect((await app.request('/v1/items', get('', { 'cf-connecting-ip': '203.0.113.8' }))).status).toBe(200);
    expect(perClient.keys).toEqual(['ip:203.0.113.7', 'ip:203.0.113.7', 'ip:203.0.113.8']);
  });

  it('is checked after authentication (a refused key is not counted) and before the route', async () => {
    const perKey = countingLimiter(0);
    const perClient = countingLimiter(0);
    const app = appWith({ rateLimit: { perKey, perClient, retryAfterSeconds: 60 } });
    expect((await app.request('/v1/items/x', { method: 'PUT' })).status).toBe(401);
    expect((await app.request('/v1/items/x', { method: 'PUT', headers: bearer(TEST_READ_KEY) })).status).toBe(403);
    expect(perKey.keys).toEqual([]);
    expect((await app.request('/v1/items/x', { method: 'PUT', headers: bearer(TEST_WRITE_KEY) })).status).toBe(429);
  });

  it('leaves health, models, static files and thumbnail reads alone', async () => {
    const perClient = countingLimiter(0);
    const app = appWith({ rateLimit: { perClient, retryAfterSeconds: 60 } });
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/v1/models')).status).toBe(200);
    expect((await app.request('/v1/thumbnails/x')).status).toBe(404);
    expect(perClient.keys).toEqual([]);
  });

  it('lets requests through when the limiter itself fails', async () => {
    const broken: RateLimiter = { limit: async () => Promise.reject(new Error('binding unavailable')) };
    const app = appWith({ rateLimit: { perClient: broken, retryAfterSeconds: 60 } });
    expect((await app.request('/v1/items')).status).toBe(200);
  });
});
