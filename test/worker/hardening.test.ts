/**
 * Hardening through the Worker inside workerd: API keys (401 / 403, fail closed, required reads), the Rate
 * Limiting binding (429 + Retry-After, miniflare's own implementation), CORS and security headers, 413 on
 * writes, and a tampered model file refused at load.
 */
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { buildApp, type Env } from '../../src/worker.ts';
import { anonymous, BASE, bearer, call, expectProblem, fixture, request, TEST_READ_KEY, TEST_WRITE_KEY } from './helpers.ts';

const MODEL = { id: 'vgg16-narrow-synthetic', version: '1' };
const DIMS = 64;
const bindings = env as unknown as Env & { RATE_LIMIT_SMALL: RateLimit };

const putVector = (headers: Record<string, string> = {}, id = 'hardening-x') =>
  new Request(`${BASE}/v1/items/${id}?namespace=hardening`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ vector: Array.from({ length: DIMS }, (_, i) => i + 1), model: MODEL }),
  });

/** The Worker's own app over other bindings. */
function appWith(vars: Partial<Env>) {
  const app = buildApp({ ...bindings, ...vars });
  return (req: Request) => app.fetch(req, env);
}

describe('API keys (the Worker with API_KEYS bound)', () => {
  it('writes: 401 without a key or with an unknown one, 403 with a read key, 200 with the write key', async () => {
    const missing = await expectProblem(await exports.default.fetch(putVector()), 401);
    expect(missing.type).toMatch(/\/unauthorized$/);
    expect((await expectProblem(await exports.default.fetch(putVector(bearer('no-such-key-0123456789'))), 401)).type).toMatch(
      /\/invalid-api-key$/,
    );
    expect((await expectProblem(await exports.default.fetch(putVector(bearer(TEST_READ_KEY))), 403)).type).toMatch(/\/insufficient-scope$/);
    const ok = await exports.default.fetch(putVector(bearer(TEST_WRITE_KEY)));
    expect(ok.status).toBe(200);
    expect(JSON.stringify(await ok.json())).not.toContain(TEST_WRITE_KEY);
    await expectProblem(await anonymous('/v1/items/hardening-x?namespace=hardening', { method: 'DELETE' }), 401);
    expect((await call('/v1/items/hardening-x?namespace=hardening', { method: 'DELETE' })).status).toBe(204);
  });

  it('reads are open by default (READ_AUTH unset): embed without a key', async () => {
    expect(
      (await anonymous('/v1/embed', { method: 'POST', body: fixture('chelsea.png'), headers: { 'content-type': 'image/png' } })).status,
    ).toBe(200);
  });

  it('fails closed: a deployment with no API_KEYS refuses every write', async () => {
    const fetch = appWith({ API_KEYS: undefined });
    const refused = await expectProblem(await fetch(putVector()), 401);
    expect(refused.detail).toMatch(/no API keys configured/);
    await expectProblem(await fetch(putVector(bearer(TEST_WRITE_KEY))), 401);
    expect((await fetch(new Request(`${BASE}/healthz`))).status).toBe(200);
  });

  it('READ_AUTH = "required": reads need the read scope', async () => {
    const fetch = appWith({ READ_AUTH: 'required' });
    const embed = (headers: Record<string, string> = {}) =>
      new Request(`${BASE}/v1/embed`, {
        method: 'POST',
        body: fixture('chelsea.png'),
        headers: { 'content-type': 'image/png', ...headers },
      });
    expect((await expectProblem(await fetch(embed()), 401)).scope).toBe('read');
    expect((await fetch(embed(bearer(TEST_READ_KEY)))).status).toBe(200);
    await expectProblem(await fetch(new Request(`${BASE}/v1/items?namespace=hardening`)), 401);
    expect(() => buildApp({ ...bindings, READ_AUTH: 'sometimes' })).toThrow(/READ_AUTH must be "open" or "required"/);
  });

  it('a malformed API_KEYS fails the start-up, and the error names no key', () => {
    const secret = 'VeryS3cretButTooWeird!!';
    expect(() => buildApp({ ...bindings, API_KEYS: `ops:read+write:${secret}` })).toThrow(/API_KEYS entry 1 \("ops"\)/);
    try {
      buildApp({ ...bindings, API_KEYS: `ops:read+write:${secret}` });
    } catch (error) {
      expect(String(error)).not.toContain(secret);
    }
  });
});

describe('rate limits (the Workers Rate Limiting binding, as miniflare runs it)', () => {
  // RATE_LIMIT_SMALL allows 3 requests per 60 s window (vitest.config.ts). Windows are aligned to the clock,
  // so 7 requests in a row meet the limit even if one window ends among them.
  it('429 problem+json with Retry-After once a key has used up its limit', async () => {
    const fetch = appWith({ RATE_LIMIT_KEY: bindings.RATE_LIMIT_SMALL });
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 7; i++) {
      const response = await fetch(request(`/v1/items?namespace=rl-${Date.now()}`));
      statuses.push(response.status);
      if (response.status === 429) refused ??= response;
      else await response.body?.cancel();
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(6);
    expect(refused, statuses.join(',')).toBeDefined();
    const problem = await expectProblem(refused!, 429);
    expect(problem.type).toMatch(/\/too-many-requests$/);
    expect(refused!.headers.get('retry-after')).toBe('60');
  });

  it('anonymous reads are counted per client IP', async () => {
    const fetch = appWith({ RATE_LIMIT_IP: bindings.RATE_LIMIT_SMALL });
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await fetch(new Request(`${BASE}/v1/items?namespace=rl`, { headers: { 'cf-connecting-ip': ip } }));
      statuses.push(response.status);
      await response.body?.cancel();
    }
    expect(statuses).toContain(429);
  });
});

describe('limits and headers', () => {
  it('413 for a write body over MAX_BODY_BYTES (4 MiB here), before reading it', async () => {
    const big = new Uint8Array(4 * 1024 * 1024 + 1);
    const problem = await expectProblem(
      await call('/v1/items/big', { method: 'PUT', body: big, headers: { 'content-type': 'image/png' } }),
      413,
    );
    expect(problem.limit).toBe(4 * 1024 * 1024);
  });

  it('security headers on answers and problems; CORS when CORS_ORIGINS is set', async () => {
    const health = await call('/healthz');
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('x-frame-options')).toBe('DENY');
    const fetch = appWith({ CORS_ORIGINS: 'https://app.example.com' });
    const preflight = await fetch(
      new Request(`${BASE}/v1/items/x`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT' },
      }),
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(() => buildApp({ ...bindings, CORS_ORIGINS: 'app.example.com' })).toThrow(/not an origin/);
  });

  it('a tampered model file is refused at load: 503 model-unavailable naming the file, with Retry-After', async () => {
    const tampering: Fetcher = {
      ...bindings.ASSETS,
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        const response = await bindings.ASSETS.fetch(input as Request, init);
        if (!new URL(typeof input === 'string' ? input : (input as Request).url).pathname.startsWith('/models/')) return response;
        const bytes = new Uint8Array(await response.arrayBuffer());
        const at = bytes.length >> 1;
        bytes[at] = bytes[at]! ^ 0xff;
        return new Response(bytes, response);
      },
    } as Fetcher;
    const fetch = appWith({ ASSETS: tampering });
    const response = await fetch(
      new Request(`${BASE}/v1/embed`, { method: 'POST', body: fixture('chelsea.png'), headers: { 'content-type': 'image/png' } }),
    );
    const problem = await expectProblem(response, 503);
    expect(problem.type).toMatch(/\/model-unavailable$/);
    expect(problem.detail).toMatch(/sha256/);
    expect(response.headers.get('retry-after')).toBe('30');
  });
});
