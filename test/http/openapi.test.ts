/**
 * GET /openapi.json on the app as the Worker builds it (no stand-ins needed: the document is made from the
 * route declarations, nothing runs): a valid OpenAPI 3.1 document that lists every route the app answers,
 * with the statuses the guard adds, and nothing from the static files.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { PROBLEMS } from '../../src/contract/problems.ts';
import { accessOf, createApp } from '../../src/http/app.ts';
import { DEFAULT_LIMITS } from '../../src/http/limits.ts';
import { MODELS } from '../../src/models.ts';

const model = MODELS.find((m) => m.id === 'vgg16-narrow-synthetic')!;
const app = createApp({
  model,
  models: MODELS,
  extractor: () => Promise.reject(new Error('the document needs no model')),
  limits: DEFAULT_LIMITS,
  assets: async () => new Response('static', { headers: { 'content-type': 'text/plain' } }),
});

interface Operation {
  requestBody?: { required?: boolean; content: Record<string, unknown> };
  responses: Record<string, { description: string; content?: Record<string, unknown>; headers?: Record<string, unknown> }>;
  security?: unknown[];
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

async function openApi(): Promise<Document> {
  const response = await app.request('/openapi.json');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return (await response.json()) as Document;
}

/** `METHOD /path/{param}` of every operation. */
const operations = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));

describe('GET /openapi.json', () => {
  it('is public and a valid OpenAPI 3.1 document', async () => {
    expect(accessOf('GET', '/openapi.json')).toBe('public');
    const doc = await openApi();
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('lists exactly the routes the app answers (static files excepted)', async () => {
    const doc = await openApi();
    const answered = app.routes
      .filter((route) => route.method !== 'ALL' && route.path !== '/' && route.path !== '/*')
      .map((route) => `${route.method} ${route.path.replace(/:([^/]+)/g, '{$1}')}`);
    expect([...new Set(answered)].sort()).toEqual(operations(doc).sort());
    expect(operations(doc)).toEqual(
      expect.arrayContaining([
        'GET /healthz',
        'POST /v1/embed',
        'PUT /v1/items/{id}',
        'GET /v1/items/{id}/similar',
        'PUT /v1/thumbnails/{id}',
        'GET /openapi.json',
      ]),
    );
  });

  it('documents the guard: 401 and 403 wherever a key may be checked, 429 where requests are counted, 500 everywhere', async () => {
    const doc = await openApi();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method.toUpperCase()} ${path}`;
        const statuses = Object.keys(op.responses);
        const access = accessOf(method, path);
        expect(statuses, where).toContain('500');
        if (access === 'public') {
          expect(
            statuses.filter((s) => ['401', '403', '429'].includes(s)),
            where,
          ).toEqual([]);
          expect(op.security, where).toEqual([]);
          continue;
        }
        expect(statuses, where).toEqual(expect.arrayContaining(['401', '403']));
        expect(statuses.includes('429'), where).toBe(!(method === 'get' && path.startsWith('/v1/thumbnails')));
        expect(op.security, where).toContainEqual({ apiKey: [] });
        for (const status of statuses.filter((s) => Number(s) >= 400)) {
          expect(Object.keys(op.responses[status]!.content ?? {}), `${where} ${status}`).toEqual(['application/problem+json']);
        }
      }
    }
  });

  it('says which bodies each write takes (every form), and the headers that carry answers', async () => {
    const doc = await openApi();
    // Actions on a resource that take nothing but their path.
    const bodiless = new Set(['post /v1/jobs/{id}/cancel']);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of ['post', 'put'] as const) {
        if (!ops[method]) continue;
        if (bodiless.has(`${method} ${path}`)) expect(ops[method]!.requestBody, `${method} ${path}`).toBeUndefined();
        else expect(ops[method]!.requestBody?.required, `${method} ${path}`).toBe(true);
      }
    }
    expect(Object.keys(doc.paths['/v1/items/{id}']!.put!.requestBody!.content).sort()).toEqual([
      'application/json',
      'application/octet-stream',
      'image/*',
      'multipart/form-data',
    ]);
    expect(Object.keys(doc.paths['/v1/compare']!.post!.requestBody!.content).sort()).toEqual(['application/json', 'multipart/form-data']);
    expect(Object.keys(doc.paths['/v1/items']!.post!.requestBody!.content)).toEqual(['application/json']);
    for (const [path, method] of [
      ['/v1/embed', 'post'],
      ['/v1/search', 'post'],
      ['/v1/compare', 'post'],
      ['/v1/items/{id}', 'put'],
      ['/v1/items', 'post'],
    ] as const) {
      expect(doc.paths[path]![method]!.responses['200']!.headers, path).toHaveProperty('x-embed-cache');
    }
    expect(doc.paths['/v1/embed']!.post!.responses['503']!.headers).toHaveProperty('retry-after');
    expect(doc.paths['/v1/items/{id}']!.put!.responses['401']!.headers).toHaveProperty('www-authenticate');
  });

  it('names the problem kinds of each status, from the one catalogue', async () => {
    const doc = await openApi();
    const put = doc.paths['/v1/thumbnails/{id}']!.put!;
    expect(put.responses['404']!.description).toContain('`item-not-found`');
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) {
        for (const [status, response] of Object.entries(op.responses)) {
          for (const [, kind] of response.description.matchAll(/`([a-z-]+)`: /g)) {
            expect(PROBLEMS[kind as keyof typeof PROBLEMS]?.status, `${kind} under ${status}`).toBe(Number(status));
          }
        }
      }
    }
  });
});
