/** The item, search and compare endpoints of the Worker as deployed: its KV store (ITEMS) in workerd. */
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { buildApp, type Env } from '../../src/worker.ts';
import { call, expectProblem, request } from './helpers.ts';
import { DIMS, MODEL, itemsSuite } from './items-suite.ts';
import { random, randomVector } from '../support/store-contract.ts';

itemsSuite({ kind: 'kv', fetch: call, settle: async () => {}, maxTopK: 100 });

describe('KV store, Worker level', () => {
  it('never mixes another model into results: a second deployment (other model) sharing the ITEMS namespace', async () => {
    const wide = buildApp({ ...(env as unknown as Env), MODEL_ID: 'vgg16-synthetic' });
    const fetchWide = async (path: string, init?: RequestInit) => wide.fetch(request(path, init), env);
    const put = (fetcher: typeof call, id: string, vector: number[], model: object) =>
      fetcher(`/v1/items/${id}?namespace=shared`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ vector, model }),
      });
    const next = random(42);
    const narrowVector = Array.from(randomVector(DIMS, next));
    const wideVector = Array.from(randomVector(512, next));
    expect((await put(call, 'mine', narrowVector, MODEL)).status).toBe(200);
    expect((await put(fetchWide, 'theirs', wideVector, { id: 'vgg16-synthetic', version: '1' })).status).toBe(200);
    expect((await put(fetchWide, 'mine', wideVector, { id: 'vgg16-synthetic', version: '1' })).status).toBe(200);
    // A 512-d vector is refused by the 64-d deployment, and vice versa.
    expect((await expectProblem(await put(call, 'x', wideVector, { id: 'vgg16-synthetic', version: '1' }), 422)).type).toMatch(
      /model-mismatch$/,
    );
    const search = await call('/v1/search', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vector: narrowVector, model: MODEL, namespace: 'shared' }),
    });
    const { results } = (await search.json()) as { results: Array<{ id: string }> };
    expect(results.map((r) => r.id)).toEqual(['mine']);
    await expectProblem(await call('/v1/items/theirs?namespace=shared'), 404);
    const mine = (await (await call('/v1/items/mine?namespace=shared&vector=true')).json()) as { vector: number[]; dims: number };
    expect(mine.dims).toBe(DIMS);
    expect(mine.vector).toEqual(narrowVector.map(Math.fround));
  });

  it('reports the KV operations a search spent', async () => {
    const response = await call('/v1/search', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vector: Array.from(randomVector(DIMS, random(1))), model: MODEL, namespace: 'empty-ns' }),
    });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('x-store-operations'))).toBe(16); // one list() per shard
  });
});
