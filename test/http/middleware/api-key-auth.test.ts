/** API keys: the API_KEYS format, 401 / 403, fail closed, open or required reads — on the app over fakes. */
import { describe, expect, it } from 'vitest';
import { accessOf, createApp, type AppOptions } from '../../../src/http/app.ts';
import { DEFAULT_LIMITS } from '../../../src/http/limits.ts';
import { ApiKeys, ApiKeysConfigError } from '../../../src/http/middleware/api-key-auth/index.ts';
import { MODELS } from '../../../src/models.ts';
import { MemoryStore } from '../../../src/store/memory.ts';
import { memoryThumbnails } from '../../../src/thumbnails/types.ts';
import { fixtureImage } from '../../setup/fixtures.ts';
import { TEST_API_KEYS, TEST_READ_KEY, TEST_WRITE_KEY, bearer, testAuth } from '../../support/auth.ts';

const model = MODELS.find((m) => m.id === 'vgg16-narrow-synthetic')!;
const extractor = async () => ({ manifest: model, embed: async () => new Float32Array(model.dims).fill(1) });
const png = new Uint8Array(fixtureImage('chelsea.png'));

function appWith(options: Partial<AppOptions> = {}) {
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

const putItem = (headers: Record<string, string> = {}) => ({
  method: 'PUT',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify({ vector: new Array(model.dims).fill(0.5), model: { id: model.id, version: model.version } }),
});

const embed = (headers: Record<string, string> = {}) => ({
  method: 'POST',
  body: png,
  headers: { 'content-type': 'image/png', ...headers },
});

async function problemOf(response: Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const text = await response.text();
  // No key, valid or presented, ever leaves in a response.
  for (const secret of [TEST_WRITE_KEY, TEST_READ_KEY, 'not-a-key-0123456789']) expect(text).not.toContain(secret);
  return JSON.parse(text) as { type: string; detail: string; scope?: string };
}

describe('API_KEYS', () => {
  it('reads name:scope+scope:key entries, separated by commas or newlines', () => {
    const keys = ApiKeys.parse(' ci:read+write:aaaaaaaaaaaaaaaa-1 ,\n site:read:bbbbbbbbbbbbbbbb/2== \n');
    expect(keys.identities).toEqual([
      { name: 'ci', scopes: ['read', 'write'] },
      { name: 'site', scopes: ['read'] },
    ]);
    expect(ApiKeys.parse(undefined).size).toBe(0);
    expect(ApiKeys.parse('  ').size).toBe(0);
  });

  it('refuses malformed entries without ever echoing a key', () => {
    const secret = 'Sup3rSecretKeyValue';
    const cases: Array<[string, RegExp]> = [
      [`nokey`, /entry 1 is not name:scope\+scope:key/],
      [`ci:read`, /entry 1 is not name:scope/],
      [`bad name:read:${secret}`, /the name must be/],
      [`ci:admin:${secret}`, /unknown scope "admin"/],
      [`ci:read:short`, /at least 16/],
      [`ci:read:${secret} with spaces`, /at least 16/],
      [`ci:read:${secret},ci:write:${secret}x`, /"ci"\): the name is used twice/],
      [`a:read:${secret},b:write:${secret}`, /"b"\): the same key is configured twice/],
    ];
    for (const [value, message] of cases) {
      const error = (() => {
        try {
          ApiKeys.parse(value);
        } catch (e) {
          return e as Error;
        }
        throw new Error(`accepted ${value}`);
      })();
      expect(error).toBeInstanceOf(ApiKeysConfigError);
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain(secret);
    }
  });

  it('finds the identity of a key, and none for another one', async () => {
    const keys = ApiKeys.parse(TEST_API_KEYS);
    expect(await keys.identify(TEST_WRITE_KEY)).toEqual({ name: 'writer', scopes: ['read', 'write'] });
    expect(await keys.identify(TEST_READ_KEY)).toEqual({ name: 'reader', scopes: ['read'] });
    expect(await keys.identify(TEST_WRITE_KEY.slice(0, -1))).toBeUndefined();
    expect(await keys.identify(`${TEST_WRITE_KEY}x`)).toBeUndefined();
    expect(await ApiKeys.none().identify(TEST_WRITE_KEY)).toBeUndefined();
  });
});

describe('which requests need which scope', () => {
  it('classifies every route; anything unlisted under /v1 is a write', () => {
    const cases: Array<[string, string, string]> = [
      ['GET', '/healthz', 'public'],
      ['GET', '/demo/', 'public'],
      ['GET', '/v1/models', 'public'],
      ['GET', '/v1/models/x/manifest', 'public'],
      ['OPTIONS', '/v1/items/x', 'public'],
      ['POST', '/v1/embed', 'read'],
      ['POST', '/v1/search', 'read'],
      ['POST', '/v1/compare', 'read'],
      ['GET', '/v1/items', 'read'],
      ['GET', '/v1/items/x/similar', 'read'],
      ['HEAD', '/v1/thumbnails/x', 'read'],
      ['PUT', '/v1/items/x', 'write'],
      ['POST', '/v1/items', 'write'],
      ['DELETE', '/v1/items/x', 'write'],
      ['PUT', '/v1/thumbnails/x', 'write'],
      ['DELETE', '/v1/thumbnails/x', 'write'],
      ['POST', '/v1/models', 'write'],
      ['POST', '/v1/embed/', 'write'],
      ['PATCH', '/v1/items/x', 'write'],
      ['POST', '/v1/anything-new', 'write'],
    ];
    for (const [method, path, access] of cases) expect(`${method} ${path} ${accessOf(method, path)}`).toBe(`${method} ${path} ${access}`);
  });
});

describe('writes', () => {
  it('401 without a key, with a WWW-Authenticate challenge, before the body is read', async () => {
    let pulled = false;
    const body = new ReadableStream(
      {
        pull() {
          pulled = true;
          throw new Error('the body must not be read');
        },
      },
      { highWaterMark: 0 },
    );
    const response = await appWith().request('/v1/items/x', {
      method: 'PUT',
      body,
      headers: { 'content-type': 'image/png' },
      duplex: 'half',
    } as RequestInit);
    const problem = await problemOf(response, 401);
    expect(problem.type).toMatch(/\/unauthorized$/);
    expect(problem.detail).toMatch(/needs an API key with the "write" scope/);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="edge-features", scope="write"');
    expect(pulled).toBe(false);
  });

  it('401 for an unknown or malformed key, 403 for a key without the write scope, 200 with it', async () => {
    const app = appWith();
    const unknown = await app.request('/v1/items/x', putItem(bearer('not-a-key-0123456789')));
    expect((await problemOf(unknown, 401)).type).toMatch(/\/invalid-api-key$/);
    expect(unknown.headers.get('www-authenticate')).toBe('Bearer realm="edge-features", error="invalid_token"');
    expect((await problemOf(await app.request('/v1/items/x', putItem({ authorization: TEST_WRITE_KEY })), 401)).detail).toMatch(
      /not "Bearer <key>"/,
    );
    expect((await problemOf(await app.request('/v1/items/x', putItem({ authorization: `Basic ${btoa('a:b')}` })), 401)).type).toMatch(
      /invalid-api-key$/,
    );

    const readOnly = await app.request('/v1/items/x', putItem(bearer(TEST_READ_KEY)));
    const forbidden = await problemOf(readOnly, 403);
    expect(forbidden.type).toMatch(/\/insufficient-scope$/);
    expect(forbidden.detail).toBe('The API key "reader" has the scopes read; this request needs "write".');
    expect(readOnly.headers.get('www-authenticate')).toBe('Bearer realm="edge-features", error="insufficient_scope", scope="write"');

    expect((await app.request('/v1/items/x', putItem(bearer(TEST_WRITE_KEY)))).status).toBe(200);
    // The scheme is case-insensitive.
    expect((await app.request('/v1/items/x', putItem({ authorization: `bearer ${TEST_WRITE_KEY}` }))).status).toBe(200);
  });

  it('odd spellings of a path do not skip the check (percent-encoding, double slashes, trailing slash)', async () => {
    const app = appWith();
    for (const path of ['/v1/%69tems/x', '/v1/items/%78', '/v1/items/x/', '//v1/items/x', '/v1//items/x', '/V1/items/x']) {
      const anonymous = (await app.request(path, putItem())).status;
      const withKey = (await app.request(path, putItem(bearer(TEST_WRITE_KEY)))).status;
      // Either the check refused it, or no route takes it even with a key.
      expect(anonymous === 401 || withKey === 404, `${path}: ${anonymous} without a key, ${withKey} with one`).toBe(true);
    }
  });

  it('every write route needs the write scope: batch upsert, delete, thumbnails', async () => {
    const app = appWith();
    const writes: Array<[string, RequestInit]> = [
      ['/v1/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"items":[]}' }],
      ['/v1/items/x', { method: 'DELETE' }],
      ['/v1/thumbnails/x', { method: 'PUT', body: png }],
      ['/v1/thumbnails/x', { method: 'DELETE' }],
    ];
    for (const [path, init] of writes) {
      await problemOf(await app.request(path, init), 401);
      await problemOf(await app.request(path, { ...init, headers: { ...(init.headers as object), ...bearer(TEST_READ_KEY) } }), 403);
      expect((await app.request(path, { ...init, headers: { ...(init.headers as object), ...bearer(TEST_WRITE_KEY) } })).status).not.toBe(
        403,
      );
    }
  });

  it('fails closed: with no keys configured every write is refused, whatever key is sent', async () => {
    for (const app of [appWith({ auth: undefined }), appWith({ auth: { keys: ApiKeys.parse(''), readAuth: 'open' } })]) {
      const none = await problemOf(await app.request('/v1/items/x', putItem()), 401);
      expect(none.detail).toMatch(/no API keys configured \(the API_KEYS secret\)/);
      expect((await problemOf(await app.request('/v1/items/x', putItem(bearer(TEST_WRITE_KEY))), 401)).type).toMatch(/invalid-api-key$/);
      // Reads stay open.
      expect((await app.request('/v1/embed', embed())).status).toBe(200);
    }
  });
});

describe('reads', () => {
  it('open (the default): no key needed; a key sent must be valid, whatever its scopes', async () => {
    const app = appWith();
    expect((await app.request('/v1/embed', embed())).status).toBe(200);
    expect((await app.request('/v1/items')).status).toBe(200);
    expect((await app.request('/v1/embed', embed(bearer(TEST_READ_KEY)))).status).toBe(200);
    await problemOf(await app.request('/v1/embed', embed(bearer('not-a-key-0123456789'))), 401);
  });

  it('required: embed, search, compare, similar and GETs need the read scope', async () => {
    const writeOnly = ApiKeys.parse(`${TEST_API_KEYS},pusher:write:pusher-key-0123456789`);
    const app = appWith({ auth: { keys: writeOnly, readAuth: 'required' } });
    const reads: Array<[string, RequestInit]> = [
      ['/v1/embed', embed()],
      [
        '/v1/search',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ vector: new Array(model.dims).fill(1), model }),
        },
      ],
      [
        '/v1/compare',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: btoa('x'), b: btoa('y') }) },
      ],
      ['/v1/items', {}],
      ['/v1/items/x', {}],
      ['/v1/items/x/similar', {}],
      ['/v1/thumbnails/x', {}],
    ];
    for (const [path, init] of reads) {
      const problem = await problemOf(await app.request(path, init), 401);
      expect(problem.scope).toBe('read');
      await problemOf(
        await app.request(path, { ...init, headers: { ...(init.headers as object), ...bearer('pusher-key-0123456789') } }),
        403,
      );
      const allowed = await app.request(path, { ...init, headers: { ...(init.headers as object), ...bearer(TEST_READ_KEY) } });
      expect([401, 403]).not.toContain(allowed.status);
    }
    // Health, models and static files never need a key.
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/v1/models')).status).toBe(200);
  });
});
