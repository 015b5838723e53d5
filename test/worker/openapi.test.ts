/**
 * The Worker answers as its OpenAPI document says: a sample of every route (its success and the problems the
 * other tests exercise) is sent to the Worker inside workerd, and each answer's status must be documented for
 * the route, its content type too, and a JSON body must validate against the documented schema (JSON Schema
 * 2020-12 with @cfworker/json-schema, which runs without eval). Sample JSON request bodies are checked
 * against the documented request schema as well.
 */
import { Validator, type Schema } from '@cfworker/json-schema';
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { random, randomVector } from '../support/store-contract.ts';
import { BASE, bearer, fixture, request, TEST_READ_KEY, toBase64 } from './helpers.ts';

const MODEL = { id: 'vgg16-narrow-synthetic', version: '1' };
const DIMS = 64;
const NS = `contract-${Date.now().toString(36)}`;

interface MediaType {
  schema?: Schema;
}
interface Operation {
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

let doc: Document;

beforeAll(async () => {
  const response = await exports.default.fetch(new Request(`${BASE}/openapi.json`));
  expect(response.status).toBe(200);
  doc = (await response.json()) as Document;
});

/** The documented operation a request reaches. */
function operationOf(method: string, pathname: string): { template: string; op: Operation } {
  for (const [template, ops] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const op = ops[method.toLowerCase()];
    if (op && pattern.test(pathname)) return { template, op };
  }
  return expect.fail(`${method} ${pathname} is not in the document`);
}

/** A validator for a schema of the document, its component references resolved. */
function validatorFor(schema: Schema): Validator {
  const text = JSON.stringify({ ...schema, $defs: doc.components.schemas }).replaceAll('#/components/schemas/', '#/$defs/');
  return new Validator(JSON.parse(text) as Schema, '2020-12', false);
}

function expectValid(schema: Schema | undefined, value: unknown, where: string): void {
  expect(schema, `${where}: no schema`).toBeDefined();
  const result = validatorFor(schema!).validate(value);
  expect(result.valid, `${where}: ${JSON.stringify(result.errors.slice(-3))}`).toBe(true);
}

const mediaTypeOf = (value: string | null) => (value ?? '').split(';')[0]!.trim().toLowerCase();
const documented = (content: Record<string, MediaType>, type: string) =>
  Object.keys(content).find((range) => range === type || (range.endsWith('/*') && type.startsWith(range.slice(0, -1))));

/** Sends a sample and checks the answer (and a JSON request body, for a sample meant to succeed) against the document. */
async function sample(req: Request, status: number): Promise<Response> {
  const { pathname } = new URL(req.url);
  const { template, op } = operationOf(req.method, pathname);
  const where = `${req.method} ${template} -> ${status}`;
  if (status < 300 && mediaTypeOf(req.headers.get('content-type')) === 'application/json') {
    expectValid(op.requestBody?.content['application/json']?.schema, await req.clone().json(), `${where} (request)`);
  }
  const response = await exports.default.fetch(req);
  expect(response.status, `${where}: ${await response.clone().text()}`).toBe(status);
  const spec = op.responses[String(status)];
  expect(spec, `${where}: status not documented`).toBeDefined();
  if (status === 204 || status === 304) {
    expect(spec!.content, where).toBeUndefined();
    return response;
  }
  const type = mediaTypeOf(response.headers.get('content-type'));
  const range = documented(spec!.content ?? {}, type);
  expect(range, `${where}: ${type} not documented`).toBeDefined();
  if (type.endsWith('json')) expectValid(spec!.content![range!]!.schema, await response.clone().json(), where);
  return response;
}

const json = (body: unknown, method = 'POST'): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const png = (init: RequestInit = {}): RequestInit => ({
  method: 'POST',
  body: fixture('chelsea.png'),
  headers: { 'content-type': 'image/png' },
  ...init,
});
const vector = Array.from(randomVector(DIMS, random(7)));

describe('the Worker answers as /openapi.json documents', () => {
  it('the checks can fail: a body the schema does not describe is refused', () => {
    const ok = doc.paths['/v1/embed']!.post!.responses['200']!.content!['application/json']!.schema!;
    expect(validatorFor(ok).validate({ model: MODEL, dims: DIMS, vector: 'x' }).valid).toBe(false);
    const problem = doc.paths['/v1/embed']!.post!.responses['415']!.content!['application/problem+json']!.schema!;
    expect(validatorFor(problem).validate({ title: 'no type', status: 415, detail: 'x' }).valid).toBe(false);
    expect(() => operationOf('PATCH', '/v1/items/x')).toThrow(/not in the document/);
  });

  it('health, models, manifest and the document itself', async () => {
    await sample(request('/healthz'), 200);
    await sample(request('/v1/models'), 200);
    await sample(request(`/v1/models/${MODEL.id}/manifest`), 200);
    await sample(request('/v1/models/nope/manifest'), 404);
    await sample(request('/openapi.json'), 200);
  });

  it('POST /v1/embed', async () => {
    await sample(request('/v1/embed', png()), 200);
    await sample(request('/v1/embed', json({ images: [toBase64(fixture('coffee.png'))] })), 200);
    await sample(request('/v1/embed', png({ headers: { 'content-type': 'image/png', accept: 'application/octet-stream' } })), 200);
    await sample(request('/v1/embed', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }), 415);
    await sample(request('/v1/embed', png({ body: new TextEncoder().encode('not an image at all') })), 415);
    await sample(request('/v1/embed', png({ body: new Uint8Array(0) })), 400);
    await sample(request('/v1/embed', png({ body: fixture('chelsea.png').slice(0, 500) })), 400);
    await sample(request('/v1/embed', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"image":' }), 400);
    await sample(request('/v1/embed?resize=cubic', png()), 422);
    await sample(request('/v1/embed', json({ picture: 'abc' })), 422);
    const form = new FormData();
    for (let i = 0; i < 4; i++) form.append('image', new Blob([fixture('foo3x5x4indexed.png')]), `${i}.png`);
    await sample(request('/v1/embed', { method: 'POST', body: form }), 413);
    await sample(request('/v1/embed', png({ body: new Uint8Array(4 * 1024 * 1024 + 1) })), 413);
  });

  it('items: put, batch, list, get, similar, delete', async () => {
    await sample(
      request(`/v1/items/chelsea?namespace=${NS}&metadata=${encodeURIComponent('{"kind":"cat"}')}`, png({ method: 'PUT' })),
      200,
    );
    await sample(request(`/v1/items/v?namespace=${NS}`, json({ vector, model: MODEL, metadata: { kind: 'random' } }, 'PUT')), 200);
    await sample(request(`/v1/items/x?namespace=${NS}`, json({ vector, model: { ...MODEL, version: '2' } }, 'PUT')), 422);
    await sample(request(`/v1/items/.hidden?namespace=${NS}`, json({ vector, model: MODEL }, 'PUT')), 422);
    await sample(request(`/v1/items/x?namespace=${NS}`, { method: 'PUT', body: 'x', headers: { 'content-type': 'text/plain' } }), 415);
    await sample(new Request(`${BASE}/v1/items/x?namespace=${NS}`, json({ vector, model: MODEL }, 'PUT')), 401);
    await sample(
      request(`/v1/items/x?namespace=${NS}`, {
        ...json({ vector, model: MODEL }, 'PUT'),
        headers: { 'content-type': 'application/json', ...bearer(TEST_READ_KEY) },
      }),
      403,
    );

    const items = [
      { id: 'b1', vector, model: MODEL },
      { id: 'b2', image: toBase64(fixture('coffee.png')), metadata: { kind: 'cup' } },
    ];
    await sample(request(`/v1/items?namespace=${NS}`, json({ items })), 200);
    await sample(request(`/v1/items?namespace=${NS}`, json({ items: [] })), 422);
    await sample(request(`/v1/items?namespace=${NS}`, png()), 415);

    await sample(request(`/v1/items?namespace=${NS}&limit=2`), 200);
    await sample(request(`/v1/items?namespace=${NS}&limit=0`), 422);
    await sample(request(`/v1/items/chelsea?namespace=${NS}&vector=true`), 200);
    await sample(request(`/v1/items/nobody?namespace=${NS}`), 404);
    await sample(request(`/v1/items/chelsea/similar?namespace=${NS}&k=2`), 200);
    await sample(request(`/v1/items/chelsea/similar?namespace=${NS}&k=1000`), 422);
    await sample(request(`/v1/items/nobody/similar?namespace=${NS}`), 404);
    await sample(request(`/v1/items/b1?namespace=${NS}`, { method: 'DELETE' }), 204);
  });

  it('POST /v1/search and POST /v1/compare', async () => {
    await sample(request('/v1/search', json({ vector, model: MODEL, namespace: NS, k: 2, filter: { kind: { $ne: 'cup' } } })), 200);
    await sample(request(`/v1/search?namespace=${NS}&k=1`, png()), 200);
    await sample(request('/v1/search', json({ vector, namespace: NS })), 422);
    await sample(request('/v1/search', json({ vector: [1, 2], model: MODEL })), 422);
    await sample(request('/v1/search', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }), 415);

    await sample(request('/v1/compare', json({ a: toBase64(fixture('chelsea.png')), b: toBase64(fixture('coffee.png')) })), 200);
    await sample(request('/v1/compare', json({ a: toBase64(fixture('chelsea.png')) })), 422);
    await sample(request('/v1/compare', png()), 415);
  });

  it('thumbnails', async () => {
    const webp = fixture('chelsea.webp');
    await sample(
      request(`/v1/thumbnails/chelsea?namespace=${NS}`, { method: 'PUT', body: webp, headers: { 'content-type': 'image/webp' } }),
      200,
    );
    await sample(
      request(`/v1/thumbnails/nobody?namespace=${NS}`, { method: 'PUT', body: webp, headers: { 'content-type': 'image/webp' } }),
      404,
    );
    await sample(request(`/v1/thumbnails/x?namespace=${NS}`, { method: 'PUT', body: new TextEncoder().encode('<svg/>') }), 415);
    const got = await sample(request(`/v1/thumbnails/chelsea?namespace=${NS}`), 200);
    await sample(request(`/v1/thumbnails/chelsea?namespace=${NS}`, { headers: { 'if-none-match': got.headers.get('etag')! } }), 304);
    await sample(request(`/v1/thumbnails/nobody?namespace=${NS}`), 404);
    await sample(request(`/v1/thumbnails/chelsea?namespace=${NS}`, { method: 'DELETE' }), 204);
  });
  it('analytics: classify, classifiers, clusterings, duplicates, recommend', async () => {
    const ns = `${NS}-analytics`;
    const next = random(21);
    const items = ['a', 'b'].flatMap((label) =>
      [0, 1, 2].map((i) => ({ id: `${label}${i}`, vector: Array.from(randomVector(DIMS, next)), model: MODEL, metadata: { label } })),
    );
    await sample(request(`/v1/items?namespace=${ns}`, json({ items })), 200);
    await sample(request(`/v1/classify?namespace=${ns}&k=3`, png()), 200);
    await sample(request('/v1/classify', json({ id: 'a0', namespace: ns, k: 2, filter: { label: { $ne: 'c' } } })), 200);
    await sample(request('/v1/classify', json({ vector, model: MODEL, namespace: ns, label: 'nope' })), 422);
    await sample(request('/v1/classify', json({ id: 'nobody', namespace: ns })), 404);

    await sample(request(`/v1/classifiers?namespace=${ns}`, json({ method: 'logistic', id: 'lr', folds: 3 })), 201);
    await sample(request(`/v1/classifiers?namespace=${ns}`, json({ method: 'centroid', label: 'nope' })), 422);
    await sample(request(`/v1/classifiers?namespace=${ns}`, json({ method: 'svm' })), 422);
    await sample(request(`/v1/classifiers?namespace=${ns}`), 200);
    await sample(request(`/v1/classifiers/lr?namespace=${ns}`), 200);
    await sample(request(`/v1/classifiers/nope?namespace=${ns}`), 404);
    await sample(request(`/v1/classifiers/lr/predict?namespace=${ns}`, json({ vector, model: MODEL })), 200);
    await sample(request(`/v1/classifiers/lr/predict?namespace=${ns}`, png()), 200);
    await sample(request(`/v1/classifiers/lr/predict?namespace=${ns}`, json({ vector: [1], model: MODEL })), 422);

    await sample(request(`/v1/clusterings?namespace=${ns}`, json({ k: 2, id: 'km' })), 201);
    await sample(request(`/v1/clusterings?namespace=${ns}`, json({ kMin: 2, kMax: 3 })), 201);
    await sample(request(`/v1/clusterings?namespace=${ns}`, json({ k: 7 })), 422);
    await sample(request(`/v1/clusterings?namespace=${ns}`), 200);
    await sample(request(`/v1/clusterings/km?namespace=${ns}`), 200);
    await sample(request(`/v1/clusterings/km/clusters/1?namespace=${ns}`), 200);
    await sample(request(`/v1/clusterings/km/clusters/2?namespace=${ns}`), 404);
    await sample(request(`/v1/clusterings/km/items/a0?namespace=${ns}`), 200);
    await sample(request(`/v1/clusterings/km/items/nobody?namespace=${ns}`), 404);
    await sample(request(`/v1/clusterings/km/assign?namespace=${ns}`, json({ id: 'b1' })), 200);

    await sample(request(`/v1/duplicates?namespace=${ns}&threshold=0.5`), 200);
    await sample(request(`/v1/duplicates?namespace=${ns}&threshold=-1`), 422);
    await sample(request(`/v1/duplicates/check?namespace=${ns}`, png()), 200);
    await sample(request('/v1/duplicates/check', json({ image: toBase64(fixture('coffee.png')), namespace: ns, threshold: 0.99 })), 200);

    await sample(request('/v1/recommend', json({ positive: ['a0'], negative: ['b0'], namespace: ns, k: 2 })), 200);
    await sample(request('/v1/recommend', json({ positive: [{ vector, model: MODEL }], strategy: 'best_score', namespace: ns })), 200);
    await sample(request('/v1/recommend', json({ positive: [], namespace: ns })), 422);

    await sample(request(`/v1/classifiers/lr?namespace=${ns}`, { method: 'DELETE' }), 204);
    await sample(request(`/v1/clusterings/km?namespace=${ns}`, { method: 'DELETE' }), 204);
    await sample(new Request(`${BASE}/v1/clusterings?namespace=${ns}`, json({ k: 2 })), 401);
  });
});
