/** CORS: configured origins only, preflights before auth, and problem responses a frontend can read. */
import { describe, expect, it } from 'vitest';
import { createApp, type AppOptions } from '../../../src/http/app.ts';
import { DEFAULT_LIMITS } from '../../../src/http/limits.ts';
import { parseCorsOrigins } from '../../../src/http/middleware/cors/index.ts';
import { MODELS } from '../../../src/models.ts';
import { MemoryStore } from '../../../src/store/memory.ts';
import { testAuth } from '../../support/auth.ts';

const model = MODELS.find((m) => m.id === 'vgg16-narrow-synthetic')!;
const extractor = async () => ({ manifest: model, embed: async () => new Float32Array(model.dims).fill(1) });
const APP_ORIGIN = 'https://app.example.com';

function appWith(options: Partial<AppOptions> = {}) {
  return createApp({
    model,
    models: MODELS,
    extractor,
    limits: DEFAULT_LIMITS,
    store: new MemoryStore({ id: model.id, version: model.version, dims: model.dims }),
    auth: testAuth(),
    corsOrigins: [APP_ORIGIN],
    ...options,
  });
}

const preflight = (origin: string, method = 'PUT') => ({
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' },
});

describe('CORS', () => {
  it('answers a preflight from an allowed origin with 204, without asking for a key', async () => {
    const response = await appWith().request('/v1/items/x', preflight(APP_ORIGIN));
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,HEAD,POST,PUT,DELETE');
    expect(response.headers.get('access-control-allow-headers')).toBe(
      'authorization,content-type,accept,cache-control,x-model-id,x-model-version,x-vector-dims',
    );
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('vary')).toMatch(/origin/i);
  });

  it('gives other origins no CORS headers', async () => {
    const response = await appWith().request('/v1/items/x', preflight('https://evil.example'));
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const get = await appWith().request('/v1/items', { headers: { origin: 'https://evil.example' } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets the frontend read answers and refusals (401 problem, Retry-After, model headers)', async () => {
    const ok = await appWith().request('/v1/items', { headers: { origin: APP_ORIGIN } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    const refused = await appWith().request('/v1/items/x', { method: 'PUT', headers: { origin: APP_ORIGIN } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(refused.headers.get('access-control-expose-headers')).toMatch(/retry-after/);
    expect(refused.headers.get('access-control-expose-headers')).toMatch(/x-vector-dims/);
  });

  it('"*" allows any origin; none configured means no cross-origin access at all', async () => {
    const any = await appWith({ corsOrigins: ['*'] }).request('/healthz', { headers: { origin: 'https://x.example' } });
    expect(any.headers.get('access-control-allow-origin')).toBe('*');
    const description = await appWith({ corsOrigins: [APP_ORIGIN] }).request('/openapi.json', { headers: { origin: APP_ORIGIN } });
    expect(description.status).toBe(200);
    expect(description.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    const none = await appWith({ corsOrigins: [] }).request('/v1/items/x', preflight(APP_ORIGIN));
    expect(none.status).toBe(404);
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('reads CORS_ORIGINS and refuses what is not an origin', () => {
    expect(parseCorsOrigins(undefined)).toEqual([]);
    expect(parseCorsOrigins(' https://a.example, http://localhost:5173 ')).toEqual(['https://a.example', 'http://localhost:5173']);
    expect(parseCorsOrigins('*')).toEqual(['*']);
    for (const bad of ['https://a.example/', 'a.example', 'ftp://a.example', 'https://a.example/path']) {
      expect(() => parseCorsOrigins(bad)).toThrow(/is not an origin/);
    }
  });
});
