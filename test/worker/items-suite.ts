/**
 * The /v1/items, /v1/search and /v1/compare endpoints, as one suite run inside workerd against the
 * Worker with its KV store (items-kv.test.ts) and against a Worker built over the Vectorize
 * contract fake (items-vectorize.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { expectProblem, fixture, toBase64 } from './helpers.ts';
import { sha256Hex } from '../../src/core/util/sha256.ts';
import { random, randomVector } from '../support/store-contract.ts';

export const MODEL = { id: 'vgg16-narrow-synthetic', version: '1' };
export const DIMS = 64;

export interface Target {
  readonly kind: 'kv' | 'vectorize';
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Makes accepted writes visible (Vectorize applies mutations asynchronously). */
  settle(): Promise<void>;
  readonly maxTopK: number;
}

interface SearchAnswer {
  results: Array<{ id: string; score: number; metadata: Record<string, unknown> }>;
  model: { id: string; version: string; dims: number };
  metric: string;
  namespace: string;
  k: number;
}

const json = (body: unknown, method = 'POST'): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function ok<T>(response: Response, status = 200): Promise<T> {
  if (response.status !== status) expect.fail(`${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export function itemsSuite(target: Target): void {
  let n = 0;
  /** Each test works in its own namespace. */
  const ns = () => `${target.kind}-t${++n}`;
  const put = (id: string, namespace: string, init: RequestInit) =>
    target.fetch(`/v1/items/${id}?namespace=${namespace}`, { method: 'PUT', ...init });
  const putVector = (id: string, namespace: string, vector: ArrayLike<number>, metadata?: object) =>
    put(id, namespace, json({ vector: Array.from(vector), model: MODEL, ...(metadata && { metadata }) }, 'PUT'));
  const search = async (body: object, query = '') => ok<SearchAnswer>(await target.fetch(`/v1/search${query}`, json(body)));
  const embed = async (name: string, type: string) =>
    (
      await ok<{ vector: number[] }>(
        await target.fetch('/v1/embed', { method: 'POST', body: fixture(name), headers: { 'content-type': type } }),
      )
    ).vector;

  describe(`items, search and compare (${target.kind} store)`, () => {
    it('PUT stores a raw image under an id; GET returns it, with the vector /v1/embed gives', async () => {
      const namespace = ns();
      const answer = await ok<Record<string, unknown>>(
        await put('chelsea', namespace, { body: fixture('chelsea.png'), headers: { 'content-type': 'image/png' } }),
      );
      expect(answer).toMatchObject({ id: 'chelsea', namespace, model: MODEL, dims: DIMS });
      expect(answer.consistency).toBe('eventual');
      if (target.kind === 'vectorize') expect(answer.mutationId).toEqual(expect.any(String));
      await target.settle();
      const item = await ok<Record<string, unknown>>(await target.fetch(`/v1/items/chelsea?namespace=${namespace}`));
      // The image's sha256 is kept with an item stored from an image (exact duplicates are found by it).
      const contentHash = await sha256Hex(fixture('chelsea.png'));
      expect(item).toEqual({ id: 'chelsea', namespace, model: MODEL, dims: DIMS, metadata: {}, contentHash });
      const withVector = await ok<{ vector: number[] }>(await target.fetch(`/v1/items/chelsea?namespace=${namespace}&vector=true`));
      const embedded = await embed('chelsea.png', 'image/png');
      expect(withVector.vector).toEqual(embedded.map((v) => Math.fround(v)));
    });

    it('PUT takes multipart (image + metadata field) and JSON ({image, metadata}) with the same vector', async () => {
      const namespace = ns();
      const form = new FormData();
      form.append('image', new Blob([fixture('coffee.png')], { type: 'image/png' }), 'coffee.png');
      form.append('metadata', JSON.stringify({ title: 'coffee', year: 2020 }));
      await ok(await put('coffee-form', namespace, { body: form }));
      await ok(
        await put(
          'coffee-json',
          namespace,
          json({ image: toBase64(fixture('coffee.png')), metadata: { title: 'coffee', year: 2021 } }, 'PUT'),
        ),
      );
      await target.settle();
      const a = await ok<{ vector: number[]; metadata: object }>(
        await target.fetch(`/v1/items/coffee-form?namespace=${namespace}&vector=1`),
      );
      const b = await ok<{ vector: number[]; metadata: object }>(
        await target.fetch(`/v1/items/coffee-json?namespace=${namespace}&vector=1`),
      );
      expect(a.metadata).toEqual({ title: 'coffee', year: 2020 });
      expect(b.metadata).toEqual({ title: 'coffee', year: 2021 });
      expect(a.vector).toEqual(b.vector);
    });

    it('PUT with a raw image takes its metadata from ?metadata= (checked like any metadata)', async () => {
      const namespace = ns();
      const raw = (query: string) =>
        put('m', `${namespace}${query}`, { body: fixture('coffee.png'), headers: { 'content-type': 'image/png' } });
      await ok(await raw(`&metadata=${encodeURIComponent('{"title":"coffee","tags":["cup"]}')}`));
      await target.settle();
      expect(await ok(await target.fetch(`/v1/items/m?namespace=${namespace}`))).toMatchObject({
        metadata: { title: 'coffee', tags: ['cup'] },
      });
      expect((await expectProblem(await raw('&metadata=%7Bnope'), 422)).detail).toMatch(/^metadata: is not valid JSON/);
      expect((await expectProblem(await raw(`&metadata=${encodeURIComponent('{"_id":1}')}`), 422)).detail).toMatch(/metadata: .*reserved/);
      expect((await expectProblem(await raw('&metadata=%5B1%5D'), 422)).field).toBe('metadata');
      const twice = await put(
        'm',
        `${namespace}&metadata=${encodeURIComponent('{"a":1}')}`,
        json({ image: toBase64(fixture('coffee.png')), metadata: { b: 2 } }, 'PUT'),
      );
      expect((await expectProblem(twice, 422)).detail).toMatch(/metadata: given both/);
    });

    it('PUT takes a precomputed vector only from this model: id, version and dims must match', async () => {
      const namespace = ns();
      const vector = randomVector(DIMS, random(1));
      await ok(await putVector('v', namespace, vector, { from: 'browser' }));
      const card = await ok<{ model: object }>(
        await target.fetch('/v1/embed', { method: 'POST', body: fixture('chelsea.png'), headers: { 'content-type': 'image/png' } }),
      );
      // The full model card /v1/embed answers is accepted as it is.
      await ok(await put('v2', namespace, json({ vector: Array.from(vector), model: card.model }, 'PUT')));
      const other = await expectProblem(
        await put('x', namespace, json({ vector: Array.from(vector), model: { ...MODEL, version: '2' } }, 'PUT')),
        422,
      );
      expect(other.type).toMatch(/model-mismatch$/);
      expect(other.expected).toMatchObject({ ...MODEL, dims: DIMS });
      const wrongSha = await expectProblem(
        await put('x', namespace, json({ vector: Array.from(vector), model: { ...MODEL, sha256: '0'.repeat(64) } }, 'PUT')),
        422,
      );
      expect(wrongSha.type).toMatch(/model-mismatch$/);
      const short = await expectProblem(await put('x', namespace, json({ vector: [1, 2, 3], model: MODEL }, 'PUT')), 422);
      expect(short.type).toMatch(/dims-mismatch$/);
      const noModel = await expectProblem(await put('x', namespace, json({ vector: Array.from(vector) }, 'PUT')), 422);
      expect(noModel.detail).toMatch(/model/);
      const notFinite = await expectProblem(
        await put('x', namespace, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: `{"vector":[${'1,'.repeat(DIMS - 1)}"x"],"model":${JSON.stringify(MODEL)}}`,
        }),
        422,
      );
      expect(notFinite.detail).toMatch(/vector/);
      await expectProblem(
        await put('x', namespace, json({ image: toBase64(fixture('chelsea.png')), vector: Array.from(vector), model: MODEL }, 'PUT')),
        422,
      );
      await target.settle();
      const stored = await ok<{ vector: number[]; metadata: object }>(await target.fetch(`/v1/items/v?namespace=${namespace}&vector=true`));
      expect(stored.vector).toEqual(Array.from(vector));
      expect(stored.metadata).toEqual({ from: 'browser' });
      expect(stored).not.toHaveProperty('contentHash'); // stored as a vector: no image to hash
    });

    it('refuses bad ids, namespaces and metadata with a 422 problem naming the rule', async () => {
      const namespace = ns();
      const vector = Array.from(randomVector(DIMS, random(2)));
      const long = await expectProblem(await putVector('x'.repeat(65), namespace, vector), 422);
      expect(long.type).toMatch(/invalid-id$/);
      expect(long.detail).toMatch(/1-64 characters/);
      await expectProblem(await putVector('.hidden', namespace, vector), 422);
      await expectProblem(await putVector('sp%20ace', namespace, vector), 422);
      await expectProblem(await target.fetch('/v1/items/%C3%A9'), 422);
      expect((await expectProblem(await putVector('ok', 'bad/ns', vector), 422)).detail).toMatch(/namespace/);
      expect((await expectProblem(await putVector('ok', 'n'.repeat(49), vector), 422)).detail).toMatch(/namespace/);
      expect((await expectProblem(await putVector('ok', namespace, vector, { 'a.b': 1 }), 422)).detail).toMatch(/must not contain/);
      expect((await expectProblem(await putVector('ok', namespace, vector, { _id: 'x' }), 422)).detail).toMatch(/reserved/);
      expect((await expectProblem(await putVector('ok', namespace, vector, { big: 'x'.repeat(11_000) }), 422)).detail).toMatch(/bytes/);
      const form = new FormData();
      form.append('image', new Blob([fixture('coffee.png')]), 'c.png');
      form.append('metadata', '{not json');
      expect((await expectProblem(await put('ok', namespace, { body: form }), 422)).detail).toMatch(/metadata: is not valid JSON/);
      await expectProblem(await put('ok', namespace, { body: 'x', headers: { 'content-type': 'text/plain' } }), 415);
      await expectProblem(await put('ok', namespace, { body: new Uint8Array(0), headers: { 'content-type': 'image/png' } }), 400);
      await expectProblem(
        await put('ok', namespace, { body: new TextEncoder().encode('not an image'), headers: { 'content-type': 'image/png' } }),
        415,
      );
    });

    it('POST /v1/items upserts a batch of vectors and images; limits are problems', async () => {
      const namespace = ns();
      const next = random(3);
      const items = [
        { id: 'b1', vector: Array.from(randomVector(DIMS, next)), model: MODEL, metadata: { i: 1 } },
        { id: 'b2', vector: Array.from(randomVector(DIMS, next)), model: MODEL },
        { id: 'b3', image: toBase64(fixture('rocket.jpg')), metadata: { i: 3 } },
      ];
      const answer = await ok<Record<string, unknown>>(await target.fetch(`/v1/items?namespace=${namespace}`, json({ items })));
      expect(answer).toMatchObject({ ids: ['b1', 'b2', 'b3'], count: 3, namespace, model: MODEL, dims: DIMS });
      await target.settle();
      expect(await ok(await target.fetch(`/v1/items/b3?namespace=${namespace}`))).toMatchObject({ metadata: { i: 3 } });
      const fourImages = Array.from({ length: 4 }, (_, i) => ({ id: `img${i}`, image: toBase64(fixture('foo3x5x4indexed.png')) }));
      expect((await expectProblem(await target.fetch(`/v1/items?namespace=${namespace}`, json({ items: fourImages })), 413)).limit).toBe(3);
      const twice = await expectProblem(await target.fetch(`/v1/items?namespace=${namespace}`, json({ items: [items[0], items[0]] })), 422);
      expect(twice.detail).toMatch(/twice/);
      const tooMany = Array.from({ length: 1001 }, (_, i) => ({ id: `m${i}`, vector: items[0]!.vector, model: MODEL }));
      await expectProblem(await target.fetch(`/v1/items?namespace=${namespace}`, json({ items: tooMany })), 413);
      expect(
        (
          await expectProblem(
            await target.fetch(
              `/v1/items?namespace=${namespace}`,
              json({ items: [{ id: 'bad id', vector: items[0]!.vector, model: MODEL }] }),
            ),
            422,
          )
        ).detail,
      ).toMatch(/items\.0\.id/);
      await expectProblem(await target.fetch(`/v1/items?namespace=${namespace}`, json({ items: [] })), 422);
      const noSource = await expectProblem(await target.fetch(`/v1/items?namespace=${namespace}`, json({ items: [{ id: 'x' }] })), 422);
      expect(noSource).toMatchObject({ field: 'items.0.image' });
      expect(noSource.detail).toMatch(/give "image" \(base64\), or "vector" and "model"/);
      expect(
        (await expectProblem(await target.fetch(`/v1/items?namespace=${namespace}`, json({ items: [{ id: 'x', image: 7 }] })), 422)).detail,
      ).toBe('items.0.image: must be a base64 string');
      await expectProblem(
        await target.fetch(`/v1/items?namespace=${namespace}`, {
          method: 'POST',
          body: fixture('chelsea.png'),
          headers: { 'content-type': 'image/png' },
        }),
        415,
      );
    });

    it('GET /v1/items lists every item through the cursor (KV), or answers 501 (Vectorize)', async () => {
      const namespace = ns();
      const next = random(4);
      const ids = Array.from({ length: 12 }, (_, i) => `l${i}`);
      await ok(
        await target.fetch(
          `/v1/items?namespace=${namespace}`,
          json({ items: ids.map((id, i) => ({ id, vector: Array.from(randomVector(DIMS, next)), model: MODEL, metadata: { i } })) }),
        ),
      );
      await target.settle();
      if (target.kind === 'vectorize') {
        expect((await expectProblem(await target.fetch(`/v1/items?namespace=${namespace}`), 501)).detail).toMatch(/list-vectors/);
        return;
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: Array<{ id: string; metadata: { i: number } }>; cursor: string | null } = await ok(
          await target.fetch(`/v1/items?namespace=${namespace}&limit=5${cursor ? `&cursor=${cursor}` : ''}`),
        );
        expect(page.items.length).toBeLessThanOrEqual(5);
        page.items.forEach((item) => expect(item.metadata.i).toBe(Number(item.id.slice(1))));
        seen.push(...page.items.map((i) => i.id));
        cursor = page.cursor;
      } while (cursor);
      expect(seen.sort()).toEqual([...ids].sort());
      await expectProblem(await target.fetch(`/v1/items?namespace=${namespace}&limit=0`), 422);
      await expectProblem(await target.fetch(`/v1/items?namespace=${namespace}&cursor=bogus`), 422);
    });

    it('similar: neighbours of a stored item, best first, without itself; k, metric, filter, 404', async () => {
      const namespace = ns();
      const photos = [
        ['chelsea', 'chelsea.png', 'cat'],
        ['chelsea-q90', 'chelsea-q90.jpg', 'cat'],
        ['coffee', 'coffee.png', 'cup'],
        ['rocket', 'rocket.jpg', 'rocket'],
        ['astronaut', 'astronaut.png', 'person'],
      ] as const;
      for (const [id, file, kind] of photos) {
        const form = new FormData();
        form.append('image', new Blob([fixture(file)]), file);
        form.append('metadata', JSON.stringify({ kind }));
        await ok(await put(id, namespace, { body: form }));
      }
      await target.settle();
      const answer = await ok<SearchAnswer & { id: string }>(await target.fetch(`/v1/items/chelsea/similar?namespace=${namespace}&k=3`));
      expect(answer).toMatchObject({ id: 'chelsea', model: { ...MODEL, dims: DIMS }, metric: 'cosine', namespace, k: 3 });
      expect(answer.results).toHaveLength(3);
      expect(answer.results.map((r) => r.id)).not.toContain('chelsea');
      expect(answer.results[0]).toMatchObject({ id: 'chelsea-q90', metadata: { kind: 'cat' } });
      const scores = answer.results.map((r) => r.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      const filtered = await ok<SearchAnswer>(
        await target.fetch(`/v1/items/chelsea/similar?namespace=${namespace}&filter=${encodeURIComponent('{"kind":{"$ne":"cat"}}')}`),
      );
      expect(filtered.results.map((r) => r.id).sort()).toEqual(['astronaut', 'coffee', 'rocket']);
      expect((await expectProblem(await target.fetch(`/v1/items/nobody/similar?namespace=${namespace}`), 404)).type).toMatch(
        /item-not-found$/,
      );
      const tooMany = await expectProblem(
        await target.fetch(`/v1/items/chelsea/similar?namespace=${namespace}&k=${target.maxTopK + 1}`),
        422,
      );
      expect(tooMany.type).toMatch(/k-too-large$/);
      expect(tooMany.limit).toBe(target.kind === 'vectorize' ? 19 : target.maxTopK);
      await expectProblem(await target.fetch(`/v1/items/chelsea/similar?namespace=${namespace}&k=0`), 422);
      await expectProblem(await target.fetch(`/v1/items/chelsea/similar?namespace=${namespace}&metric=manhattan`), 422);
      if (target.kind === 'kv') {
        const euclid = await ok<SearchAnswer>(await target.fetch(`/v1/items/chelsea/similar?namespace=${namespace}&metric=euclidean&k=4`));
        expect(euclid.metric).toBe('euclidean');
        const distances = euclid.results.map((r) => r.score);
        expect([...distances].sort((a, b) => a - b)).toEqual(distances);
        expect(euclid.results[0]!.id).toBe('chelsea-q90');
        expect((await ok<SearchAnswer>(await target.fetch(`/v1/items/chelsea/similar?namespace=${namespace}&metric=dot&k=2`))).metric).toBe(
          'dot',
        );
      } else {
        const other = await expectProblem(await target.fetch(`/v1/items/chelsea/similar?namespace=${namespace}&metric=euclidean`), 422);
        expect(other.type).toMatch(/metric-not-supported$/);
        expect(other.supported).toEqual(['cosine']);
      }
    });

    it('search by image (raw, multipart, JSON) or by vector: the same photo first, with k, namespace and filter', async () => {
      const namespace = ns();
      for (const [id, file, year] of [
        ['chelsea', 'chelsea.png', 2019],
        ['coffee', 'coffee.png', 2020],
        ['rocket', 'rocket.jpg', 2021],
        ['camera', 'camera.png', 2022],
      ] as const) {
        await ok(await put(id, namespace, json({ image: toBase64(fixture(file)), metadata: { year } }, 'PUT')));
      }
      await target.settle();
      const raw = await ok<SearchAnswer>(
        await target.fetch(`/v1/search?namespace=${namespace}&k=2`, {
          method: 'POST',
          body: fixture('coffee.png'),
          headers: { 'content-type': 'image/png' },
        }),
      );
      expect(raw.results.map((r) => r.id)[0]).toBe('coffee');
      expect(raw.results[0]!.score).toBeCloseTo(1, 5);
      expect(raw.results[0]!.metadata).toEqual({ year: 2020 });
      expect(raw.results).toHaveLength(2);
      const form = new FormData();
      form.append('image', new Blob([fixture('rocket.jpg')]), 'r.jpg');
      form.append('k', '1');
      form.append('namespace', namespace);
      expect((await ok<SearchAnswer>(await target.fetch('/v1/search', { method: 'POST', body: form }))).results.map((r) => r.id)).toEqual([
        'rocket',
      ]);
      const viaJson = await search({ image: toBase64(fixture('camera.png')), k: 1, namespace });
      expect(viaJson.results[0]!.id).toBe('camera');
      const vector = await embed('chelsea.png', 'image/png');
      const byVector = await search({ vector, model: MODEL, namespace, k: 4 });
      expect(byVector.results[0]!.id).toBe('chelsea');
      expect(byVector.results).toHaveLength(4);
      const filtered = await search({ vector, model: MODEL, namespace, filter: { year: { $gte: 2020, $lt: 2022 } } });
      expect(filtered.results.map((r) => r.id).sort()).toEqual(['coffee', 'rocket']);
      expect((await search({ vector, model: MODEL, namespace: ns() })).results).toEqual([]);
      expect(
        (await search({ vector, model: MODEL, namespace, filter: { year: { $in: [2019, 2022] } } })).results.map((r) => r.id).sort(),
      ).toEqual(['camera', 'chelsea']);
    });

    it('search refuses bad k, metric, filter and bodies with problems', async () => {
      const namespace = ns();
      const vector = Array.from(randomVector(DIMS, random(5)));
      const post = (body: object) => target.fetch('/v1/search', json({ vector, model: MODEL, namespace, ...body }));
      const big = await expectProblem(await post({ k: target.maxTopK + 1 }), 422);
      expect(big.type).toMatch(/k-too-large$/);
      expect(big.limit).toBe(target.maxTopK);
      await expectProblem(await post({ k: 1.5 }), 422);
      expect((await expectProblem(await post({ metric: 'hamming' }), 422)).detail).toMatch(/metric/);
      const badFilter = await expectProblem(await post({ filter: { year: { $eq: 1, $gt: 0 } } }), 422);
      expect(badFilter.detail).toMatch(/cannot be combined/);
      expect(badFilter.operators).toContain('$nin');
      expect((await expectProblem(await post({ filter: { year: { $regex: 'x' } } }), 422)).detail).toMatch(/filter/);
      expect(
        (
          await expectProblem(
            await target.fetch(`/v1/search?filter=%7Bnope`, {
              method: 'POST',
              body: fixture('chelsea.png'),
              headers: { 'content-type': 'image/png' },
            }),
            422,
          )
        ).detail,
      ).toMatch(/not valid JSON/);
      await expectProblem(await target.fetch('/v1/search', json({ namespace })), 422);
      // A vector needs the model that made it.
      const noModel = await expectProblem(await target.fetch('/v1/search', json({ vector, namespace })), 422);
      expect(noModel).toMatchObject({ field: 'model' });
      expect(noModel.detail).toMatch(/^model: is missing: a vector needs the \{"id", "version"\} of the model that made it/);
      // Neither an image nor a vector: the answer names both.
      const neither = await expectProblem(await target.fetch('/v1/search', json({ namespace, k: 1 })), 422);
      expect(neither.detail).toMatch(/give "image" \(base64\), or "vector" and "model"/);
      await expectProblem(await target.fetch('/v1/search', json({ vector: [1, 2], model: MODEL })), 422);
      await expectProblem(await target.fetch('/v1/search', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }), 415);
    });

    it('DELETE removes an item: 204, then 404, and never again in similar or search', async () => {
      const namespace = ns();
      const next = random(6);
      const base = randomVector(DIMS, next, true);
      const items = Array.from({ length: 6 }, (_, i) => ({
        id: `d${i}`,
        vector: Array.from(base, (v) => v + next() * 0.01),
        model: MODEL,
      }));
      await ok(await target.fetch(`/v1/items?namespace=${namespace}`, json({ items })));
      await target.settle();
      const deleted = await target.fetch(`/v1/items/d2?namespace=${namespace}`, { method: 'DELETE' });
      expect(deleted.status).toBe(204);
      if (target.kind === 'vectorize') expect(deleted.headers.get('x-mutation-id')).toEqual(expect.any(String));
      expect((await target.fetch(`/v1/items/never?namespace=${namespace}`, { method: 'DELETE' })).status).toBe(204);
      await target.settle();
      await expectProblem(await target.fetch(`/v1/items/d2?namespace=${namespace}`), 404);
      await expectProblem(await target.fetch(`/v1/items/d2/similar?namespace=${namespace}`), 404);
      const similar = await ok<SearchAnswer>(await target.fetch(`/v1/items/d0/similar?namespace=${namespace}&k=10`));
      expect(similar.results.map((r) => r.id).sort()).toEqual(['d1', 'd3', 'd4', 'd5']);
      const found = await search({ vector: items[2]!.vector, model: MODEL, namespace, k: 10 });
      expect(found.results.map((r) => r.id)).not.toContain('d2');
    });

    it('200 concurrent upserts of distinct ids over HTTP: all retrievable and each found by search', async () => {
      const namespace = ns();
      const next = random(200);
      const vectors = Array.from({ length: 200 }, () => Array.from(randomVector(DIMS, next)));
      const answers = await Promise.all(vectors.map((vector, i) => putVector(`c${i}`, namespace, vector, { i })));
      expect(answers.map((r) => r.status)).toEqual(new Array(200).fill(200));
      await target.settle();
      const got = await Promise.all(vectors.map((_, i) => target.fetch(`/v1/items/c${i}?namespace=${namespace}`)));
      expect(got.map((r) => r.status)).toEqual(new Array(200).fill(200));
      const found = await Promise.all(vectors.map((vector) => search({ vector, model: MODEL, namespace, k: 1 })));
      expect(found.map((f) => f.results[0]?.id)).toEqual(vectors.map((_, i) => `c${i}`));
    });

    it('compare: two images as multipart a/b or JSON {a, b} -> cosine and euclidean', async () => {
      const form = new FormData();
      form.append('a', new Blob([fixture('chelsea.png')]), 'a.png');
      form.append('b', new Blob([fixture('chelsea-q90.jpg')]), 'b.jpg');
      const near = await ok<{ cosine: number; euclidean: number; model: object }>(
        await target.fetch('/v1/compare', { method: 'POST', body: form }),
      );
      expect(near.model).toEqual({ ...MODEL, dims: DIMS });
      const far = await ok<{ cosine: number; euclidean: number }>(
        await target.fetch('/v1/compare', json({ a: toBase64(fixture('chelsea.png')), b: toBase64(fixture('rocket.jpg')) })),
      );
      expect(near.cosine).toBeGreaterThan(far.cosine);
      expect(near.euclidean).toBeLessThan(far.euclidean);
      const same = await ok<{ cosine: number; euclidean: number }>(
        await target.fetch('/v1/compare', json({ a: toBase64(fixture('coffee.png')), b: toBase64(fixture('coffee.png')) })),
      );
      expect(same.cosine).toBeCloseTo(1, 6);
      expect(same.euclidean).toBe(0);
      const missing = await expectProblem(await target.fetch('/v1/compare', json({ a: toBase64(fixture('coffee.png')) })), 422);
      expect(missing.detail).toMatch(/^b:/);
      const onlyA = new FormData();
      onlyA.append('a', new Blob([fixture('coffee.png')]), 'a.png');
      expect((await expectProblem(await target.fetch('/v1/compare', { method: 'POST', body: onlyA }), 422)).detail).toMatch(/"b"/);
      await expectProblem(
        await target.fetch('/v1/compare', { method: 'POST', body: fixture('coffee.png'), headers: { 'content-type': 'image/png' } }),
        415,
      );
      await expectProblem(
        await target.fetch('/v1/compare', json({ a: toBase64(fixture('coffee.png')), b: toBase64(new TextEncoder().encode('nope')) })),
        415,
      );
    });
  });
}
