/**
 * @module The behaviour every VectorStore promises, as one suite run against each adapter:
 * memory and Vectorize-over-the-fake in Node, KV against miniflare's KV inside workerd.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/core/util/random.ts';
import { score, type Metric } from '../../src/core/vector/metrics.ts';
import { compareMatches } from '../../src/store/rank.ts';
import { MAX_RESOURCE_BYTES, type ResourceStore } from '../../src/store/resources.ts';
import {
  StoreError,
  type ItemInput,
  type Metadata,
  type ScanOptions,
  type ScanPage,
  type StoreModel,
  type VectorStore,
} from '../../src/store/types.ts';

export interface StoreHarness {
  /** A store for `model` over the harness's one backend (two models share it). */
  create(model: StoreModel): VectorStore;
  /** Makes accepted writes visible (Vectorize applies mutations later). */
  settle(): Promise<void>;
}

/** Uniform numbers in [0, 1) from a seed (src/core/util/random.ts). */
export function random(seed: number): () => number {
  return mulberry32(seed).next;
}

export function randomVector(dims: number, next: () => number, positive = false): Float32Array {
  return Float32Array.from({ length: dims }, () => (positive ? next() : next() * 2 - 1));
}

async function expectStoreError(promise: Promise<unknown>, code: StoreError['code']): Promise<StoreError> {
  const error = await promise.then(
    () => expect.fail(`expected a StoreError ${code}`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  expect((error as StoreError).code, (error as Error).message).toBe(code);
  return error as StoreError;
}

/** Every page of a scan. */
export async function scanAll(store: VectorStore, options: ScanOptions): Promise<ScanPage[]> {
  const pages: ScanPage[] = [];
  for await (const page of store.scan(options)) pages.push(page);
  return pages;
}

/** A content hash (64 hex) that differs per n. */
export function hashOf(n: number): string {
  return n.toString(16).padStart(8, '0').repeat(8);
}

export function storeContract(name: string, harness: () => StoreHarness, options: { dims?: number } = {}): void {
  const dims = options.dims ?? 8;
  let modelCount = 0;
  /** Every test gets its own model id, so tests never see each other's items. */
  const fresh = (version = '1') => {
    const h = harness();
    const model = { id: `contract-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${++modelCount}`, version, dims };
    return { h, store: h.create(model), model };
  };

  describe(`${name} store contract`, () => {
    it('gets back what it stored: float32 vector, metadata, namespace, model', async () => {
      const { h, store, model } = fresh();
      const vector = Float32Array.from({ length: dims }, (_, i) => i / 3 - 1);
      const metadata = { title: 'a cat', year: 2024, tags: ['cat', 'photo'], nested: { ok: true } };
      const written = await store.upsert([{ id: 'cat-1', vector, metadata }]);
      expect(written.ids).toEqual(['cat-1']);
      await h.settle();
      const item = await store.get('cat-1');
      expect(item).not.toBeNull();
      expect(Array.from(item!.vector)).toEqual(Array.from(vector));
      expect(item!.metadata).toEqual(metadata);
      expect(item!).toMatchObject({ id: 'cat-1', namespace: 'default', model: { id: model.id, version: '1' } });
      expect(await store.get('cat-2')).toBeNull();
    });

    it('replaces an item in full on upsert (vector and metadata)', async () => {
      const { h, store } = fresh();
      await store.upsert([{ id: 'x', vector: new Float32Array(dims).fill(1), metadata: { a: 1, b: 2 } }]);
      await h.settle();
      await store.upsert([{ id: 'x', vector: new Float32Array(dims).fill(2), metadata: { c: 3 } }]);
      await h.settle();
      const item = await store.get('x');
      expect(Array.from(item!.vector)).toEqual(new Array(dims).fill(2));
      expect(item!.metadata).toEqual({ c: 3 });
      const { matches } = await store.query(new Float32Array(dims).fill(1), { topK: 5 });
      expect(matches.map((m) => m.id)).toEqual(['x']);
    });

    it('never returns a deleted item (get, query, queryById, list)', async () => {
      const { h, store } = fresh();
      const next = random(1);
      const items = Array.from({ length: 6 }, (_, i) => ({ id: `d${i}`, vector: randomVector(dims, next) }));
      await store.upsert(items);
      await h.settle();
      await store.delete(['d0', 'd3', 'never-existed']);
      await h.settle();
      expect(await store.get('d0')).toBeNull();
      const { matches } = await store.query(items[0]!.vector, { topK: 10 });
      expect(matches.map((m) => m.id).sort()).toEqual(['d1', 'd2', 'd4', 'd5']);
      expect(await store.queryById('d3', { topK: 5 })).toBeNull();
      const similar = await store.queryById('d1', { topK: 5 });
      expect(similar!.matches.map((m) => m.id)).not.toContain('d0');
      if (store.capabilities.list) {
        const page = await store.list({ limit: 100 });
        expect(page.items.map((i) => i.id).sort()).toEqual(['d1', 'd2', 'd4', 'd5']);
      }
    });

    it('keeps namespaces apart: the same id in two namespaces is two items', async () => {
      const { h, store } = fresh();
      await store.upsert([
        { id: 'same', namespace: 'alpha', vector: new Float32Array(dims).fill(1), metadata: { ns: 'alpha' } },
        { id: 'same', namespace: 'beta', vector: new Float32Array(dims).fill(-1), metadata: { ns: 'beta' } },
        { id: 'only-beta', namespace: 'beta', vector: new Float32Array(dims).fill(0.5) },
      ]);
      await h.settle();
      expect((await store.get('same', { namespace: 'alpha' }))!.metadata).toEqual({ ns: 'alpha' });
      expect((await store.get('same', { namespace: 'beta' }))!.metadata).toEqual({ ns: 'beta' });
      expect(await store.get('same')).toBeNull(); // the default namespace is a third one
      const alpha = await store.query(new Float32Array(dims).fill(1), { topK: 10, namespace: 'alpha' });
      expect(alpha.matches.map((m) => m.id)).toEqual(['same']);
      const beta = await store.query(new Float32Array(dims).fill(1), { topK: 10, namespace: 'beta' });
      expect(beta.matches.map((m) => m.id).sort()).toEqual(['only-beta', 'same']);
      await store.delete(['same'], { namespace: 'alpha' });
      await h.settle();
      expect(await store.get('same', { namespace: 'beta' })).not.toBeNull();
    });

    it('never mixes vectors of another model (or model version), even of equal dims, into results', async () => {
      const { h, store, model } = fresh('1');
      const other = h.create({ ...model, version: '2' });
      await store.upsert([{ id: 'v1-item', vector: new Float32Array(dims).fill(1) }]);
      await other.upsert([
        { id: 'v2-item', vector: new Float32Array(dims).fill(1) },
        { id: 'v1-item', vector: new Float32Array(dims).fill(-1) },
      ]);
      await h.settle();
      const mine = await store.query(new Float32Array(dims).fill(1), { topK: 10 });
      expect(mine.matches.map((m) => m.id)).toEqual(['v1-item']);
      expect(Array.from((await store.get('v1-item'))!.vector)).toEqual(new Array(dims).fill(1));
      expect(await store.get('v2-item')).toBeNull();
      const theirs = await other.queryById('v2-item', { topK: 5 });
      expect(theirs!.matches.map((m) => m.id)).toEqual(['v1-item']);
      const metric = other.capabilities.metrics[0]!;
      expect(theirs!.matches[0]!.score).toBeCloseTo(score(metric, new Float32Array(dims).fill(1), new Float32Array(dims).fill(-1)), 6);
    });

    it('ranks best first with the exact score for every metric it offers, ties broken by id', async () => {
      const { h, store } = fresh();
      const next = random(7);
      const items: ItemInput[] = Array.from({ length: 40 }, (_, i) => ({
        id: `r${String(i).padStart(2, '0')}`,
        vector: randomVector(dims, next),
      }));
      // Three identical vectors: equal scores, so the order is by id.
      const twin = randomVector(dims, next);
      items.push({ id: 'tie-b', vector: twin }, { id: 'tie-a', vector: twin }, { id: 'tie-c', vector: twin });
      await store.upsert(items);
      await h.settle();
      for (const metric of store.capabilities.metrics) {
        for (const query of [randomVector(dims, next), twin]) {
          const k = Math.min(10, store.capabilities.maxTopK);
          const { matches } = await store.query(query, { topK: k, metric });
          const expected = items
            .map((item) => ({ id: item.id, score: score(metric, query, item.vector) }))
            .sort(compareMatches(metric))
            .slice(0, k);
          expect(
            matches.map((m) => m.id),
            metric,
          ).toEqual(expected.map((m) => m.id));
          matches.forEach((m, i) => expect(m.score, `${metric} ${m.id}`).toBeCloseTo(expected[i]!.score, 5));
        }
        const top = await store.query(twin, { topK: 10, metric });
        const ties = top.matches.map((m) => m.id).filter((id) => id.startsWith('tie-'));
        expect(ties, metric).toEqual(['tie-a', 'tie-b', 'tie-c']);
        const at = top.matches.findIndex((m) => m.id === 'tie-a');
        expect(
          top.matches.slice(at, at + 3).map((m) => m.id),
          metric,
        ).toEqual(ties);
      }
    });

    it('queryById answers the neighbours without the item itself, or null for an unknown id', async () => {
      const { h, store } = fresh();
      const next = random(11);
      const items = Array.from({ length: 12 }, (_, i) => ({ id: `q${i}`, vector: randomVector(dims, next), metadata: { i } }));
      await store.upsert(items);
      await h.settle();
      const result = await store.queryById('q3', { topK: 5 });
      expect(result!.matches).toHaveLength(5);
      expect(result!.matches.map((m) => m.id)).not.toContain('q3');
      const expected = (await store.query(items[3]!.vector, { topK: 6 })).matches.filter((m) => m.id !== 'q3');
      expect(result!.matches.map((m) => m.id)).toEqual(expected.map((m) => m.id));
      expect(result!.matches[0]!.metadata).toEqual({ i: Number(result!.matches[0]!.id.slice(1)) });
      expect(await store.queryById('nope', { topK: 5 })).toBeNull();
    });

    it('filters on metadata with $eq $ne $in $nin $lt $lte $gt $gte, nesting and AND', async () => {
      const { h, store } = fresh();
      const next = random(5);
      const rows: Array<[string, Metadata]> = [
        ['a', { kind: 'cat', year: 2019, ok: true, owner: { name: 'ann' } }],
        ['b', { kind: 'dog', year: 2020, ok: false, owner: { name: 'bob' } }],
        ['c', { kind: 'cat', year: 2021, ok: true }],
        ['d', { kind: 'bird', year: 2022 }],
        ['e', { year: 2023, ok: false }],
      ];
      await store.upsert(rows.map(([id, metadata]) => ({ id, metadata, vector: randomVector(dims, next) })));
      await h.settle();
      const ids = async (filter: object) =>
        (await store.query(randomVector(dims, next), { topK: 10, filter: filter as never })).matches.map((m) => m.id).sort();
      expect(await ids({ kind: 'cat' })).toEqual(['a', 'c']);
      expect(await ids({ kind: { $eq: 'dog' } })).toEqual(['b']);
      expect(await ids({ kind: { $ne: 'cat' } })).toEqual(['b', 'd']); // e has no kind
      expect(await ids({ kind: { $in: ['dog', 'bird'] } })).toEqual(['b', 'd']);
      expect(await ids({ kind: { $nin: ['dog', 'bird'] } })).toEqual(['a', 'c']);
      expect(await ids({ year: { $lt: 2021 } })).toEqual(['a', 'b']);
      expect(await ids({ year: { $lte: 2021 } })).toEqual(['a', 'b', 'c']);
      expect(await ids({ year: { $gt: 2021 } })).toEqual(['d', 'e']);
      expect(await ids({ year: { $gte: 2020, $lt: 2022 } })).toEqual(['b', 'c']);
      expect(await ids({ ok: true })).toEqual(['a', 'c']);
      expect(await ids({ ok: false, year: { $gt: 2020 } })).toEqual(['e']);
      expect(await ids({ 'owner.name': 'bob' })).toEqual(['b']);
      expect(await ids({ kind: null })).toEqual(['e']);
      expect(await ids({ year: '2020' })).toEqual([]); // types never match across
      const byId = await store.queryById('a', { topK: 10, filter: { kind: 'cat' } });
      expect(byId!.matches.map((m) => m.id)).toEqual(['c']);
    });

    it(`bounds topK by the store's limit`, async () => {
      const { h, store } = fresh();
      await store.upsert([{ id: 'one', vector: new Float32Array(dims).fill(1) }]);
      await h.settle();
      const max = store.capabilities.maxTopK;
      await expect(store.query(new Float32Array(dims).fill(1), { topK: max })).resolves.toBeDefined();
      const error = await expectStoreError(store.query(new Float32Array(dims).fill(1), { topK: max + 1 }), 'limit');
      expect(error.limit).toBe(max);
      await expectStoreError(store.queryById('one', { topK: store.capabilities.maxTopKById + 1 }), 'limit');
      await expectStoreError(store.query(new Float32Array(dims).fill(1), { topK: 0 }), 'invalid');
    });

    it('refuses bad ids, namespaces, dimensions, metadata and metrics with a StoreError', async () => {
      const { store } = fresh();
      const vector = new Float32Array(dims).fill(1);
      for (const id of ['', '.hidden', 'a/b', 'x'.repeat(65), 'sp ace', 'é']) {
        await expectStoreError(store.upsert([{ id, vector }]), 'invalid');
        await expectStoreError(store.get(id), 'invalid');
      }
      await expect(store.upsert([{ id: 'x'.repeat(64), vector }])).resolves.toBeDefined();
      await expectStoreError(store.upsert([{ id: 'ok', namespace: 'bad/ns', vector }]), 'invalid');
      await expectStoreError(store.upsert([{ id: 'ok', namespace: 'n'.repeat(49), vector }]), 'invalid');
      await expectStoreError(store.upsert([{ id: 'ok', vector: new Float32Array(dims + 1) }]), 'invalid');
      await expectStoreError(store.upsert([{ id: 'ok', vector: new Float32Array(dims).fill(Number.NaN) }]), 'invalid');
      for (const metadata of [{ 'a.b': 1 }, { $x: 1 }, { _id: 'mine' }, { big: 'x'.repeat(11 * 1024) }, { deep: { deeper: { x: 1 } } }]) {
        await expectStoreError(store.upsert([{ id: 'ok', vector, metadata: metadata as never }]), 'invalid');
      }
      await expectStoreError(
        store.upsert([
          { id: 'twice', vector },
          { id: 'twice', vector },
        ]),
        'invalid',
      );
      await expectStoreError(store.query(new Float32Array(dims + 1), { topK: 1 }), 'invalid');
      const missing = (['cosine', 'euclidean', 'dot'] as Metric[]).find((m) => !store.capabilities.metrics.includes(m));
      if (missing) await expectStoreError(store.query(vector, { topK: 1, metric: missing }), 'invalid');
    });

    it('lists every item once through the cursor, or says it cannot', async () => {
      const { h, store } = fresh();
      const next = random(3);
      const ids = Array.from({ length: 23 }, (_, i) => `l-${i}`);
      await store.upsert(ids.map((id, i) => ({ id, vector: randomVector(dims, next), metadata: { i } })));
      await h.settle();
      if (!store.capabilities.list) {
        await expectStoreError(store.list({}), 'unsupported');
        return;
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Awaited<ReturnType<VectorStore['list']>> = await store.list({ limit: 5, cursor });
        expect(page.items.length).toBeLessThanOrEqual(5);
        for (const item of page.items) expect(item.metadata).toEqual({ i: Number(item.id.slice(2)) });
        seen.push(...page.items.map((i) => i.id));
        cursor = page.cursor;
        pages++;
      } while (cursor && pages < 50);
      expect(seen.sort()).toEqual([...ids].sort());
    });

    it('gives a cursor only when more items exist: a full last page ends the listing', async () => {
      const { h, store } = fresh();
      if (!store.capabilities.list) return;
      const next = random(17);
      const ids: string[] = [];
      // Growing one item at a time puts the last item of a page in different places (for KV: shards).
      for (let n = 1; n <= 5; n++) {
        const id = `p-${n}`;
        ids.push(id);
        await store.upsert([{ id, vector: randomVector(dims, next), metadata: { n } }]);
        await h.settle();
        const exact = await store.list({ limit: n });
        expect(exact.items.map((i) => i.id).sort(), `${n} of ${n}`).toEqual([...ids].sort());
        expect(exact.cursor, `${n} of ${n}`).toBeNull();
        if (n === 1) continue;
        const full = await store.list({ limit: n - 1 });
        expect(full.items, `${n - 1} of ${n}`).toHaveLength(n - 1);
        expect(full.cursor, `${n - 1} of ${n}`).not.toBeNull();
        const rest = await store.list({ limit: n - 1, cursor: full.cursor });
        expect(rest.items, `the rest of ${n}`).toHaveLength(1);
        expect(rest.items[0]!.metadata).toEqual({ n: Number(rest.items[0]!.id.slice(2)) });
        expect(rest.cursor, `the rest of ${n}`).toBeNull();
        expect([...full.items, ...rest.items].map((i) => i.id).sort()).toEqual([...ids].sort());
      }
      // One item a page: every cursor leads to a page with an item in it.
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<VectorStore['list']>> = await store.list({ limit: 1, cursor });
        expect(page.items).toHaveLength(1);
        seen.push(page.items[0]!.id);
        cursor = page.cursor;
      } while (cursor && seen.length <= ids.length);
      expect(seen.sort()).toEqual([...ids].sort());
    });

    it('200 concurrent upserts of distinct ids: all retrievable and each found by search', async () => {
      const { h, store } = fresh();
      const next = random(200);
      const items = Array.from({ length: 200 }, (_, i) => ({ id: `c${i}`, vector: randomVector(dims, next), metadata: { i } }));
      await Promise.all(items.map((item) => store.upsert([item])));
      await h.settle();
      const got = await Promise.all(items.map((item) => store.get(item.id)));
      expect(got.filter((item) => item === null)).toHaveLength(0);
      const top = await Promise.all(items.map((item) => store.query(item.vector, { topK: 1, metric: store.capabilities.metrics[0] })));
      const metric = store.capabilities.metrics[0]!;
      top.forEach(({ matches }, i) => {
        // The item itself is nearest (cosine 1, distance 0; for dot the largest product may be another).
        if (metric !== 'dot') expect(matches[0]!.id).toBe(items[i]!.id);
      });
      if (store.capabilities.list) {
        const ids: string[] = [];
        let cursor: string | null = null;
        do {
          const page: Awaited<ReturnType<VectorStore['list']>> = await store.list({ limit: 1000, cursor });
          ids.push(...page.items.map((i) => i.id));
          cursor = page.cursor;
        } while (cursor);
        expect(ids.sort()).toEqual(items.map((i) => i.id).sort());
      }
    });

    it('keeps the content hash of an item: get, replace without one, and refuses a malformed one', async () => {
      const { h, store } = fresh();
      const vector = new Float32Array(dims).fill(0.5);
      const hash = hashOf(7);
      await store.upsert([
        { id: 'hashed', vector, metadata: { a: 1 }, contentHash: hash },
        { id: 'plain', vector },
      ]);
      await h.settle();
      expect((await store.get('hashed'))!.contentHash).toBe(hash);
      expect((await store.get('plain'))!.contentHash).toBeUndefined();
      await store.upsert([{ id: 'hashed', vector, metadata: { a: 2 } }]);
      await h.settle();
      const replaced = await store.get('hashed');
      expect(replaced!.metadata).toEqual({ a: 2 });
      expect(replaced!.contentHash).toBeUndefined();
      for (const contentHash of ['', 'ABC', 'AB'.repeat(32), `${hash}0`, 'g'.repeat(64), hash.slice(1)]) {
        await expectStoreError(store.upsert([{ id: 'bad', vector, contentHash }]), 'invalid');
      }
    });

    it('scans every item of a namespace exactly once across pages, codes and exact, or says it cannot', async () => {
      const { h, store } = fresh();
      const next = random(21);
      // Some metadata too large for KV's list metadata (its value is read instead), some items without a hash.
      const long = 'x'.repeat(700);
      const items: ItemInput[] = Array.from({ length: 23 }, (_, i) => ({
        id: `s-${i}`,
        vector: randomVector(dims, next, i % 2 === 0),
        metadata: (i % 5 === 0 ? { i, long } : { i }) as Metadata,
        ...(i % 3 !== 0 && { contentHash: hashOf(i) }),
      }));
      await store.upsert(items);
      await store.upsert([{ id: 'elsewhere', namespace: 'other', vector: randomVector(dims, next) }]);
      await h.settle();
      if (!store.capabilities.scan) {
        const error = await expectStoreError(scanAll(store, { values: 'codes' }), 'unsupported');
        expect(error.message).toMatch(/cannot list or scan/);
        await expectStoreError(scanAll(store, { values: 'exact' }), 'unsupported');
        return;
      }
      const byId = new Map(items.map((item) => [item.id, item]));
      for (const values of ['codes', 'exact'] as const) {
        const pages = await scanAll(store, { values, pageSize: 7 });
        const ids = pages.flatMap((page) => page.ids);
        expect(ids.sort(), values).toEqual([...byId.keys()].sort());
        expect(new Set(ids).size).toBe(ids.length);
        for (const page of pages) {
          expect(page.ids.length, values).toBeGreaterThan(0);
          expect(page.ids.length, values).toBeLessThanOrEqual(7);
          expect(page.dims).toBe(dims);
          expect(page.metadata).toHaveLength(page.ids.length);
          expect(page.contentHashes).toHaveLength(page.ids.length);
          if (values === 'codes') {
            expect(page.codes).toBeInstanceOf(Int8Array);
            expect(page.codes!.length).toBe(page.ids.length * dims);
            expect(page.scales!.length).toBe(page.ids.length);
            expect(page.vectors).toBeUndefined();
          } else {
            expect(page.vectors).toBeInstanceOf(Float32Array);
            expect(page.vectors!.length).toBe(page.ids.length * dims);
            expect(page.codes).toBeUndefined();
          }
          page.ids.forEach((id, i) => {
            expect(page.metadata[i], id).toEqual(byId.get(id)!.metadata);
            expect(page.contentHashes[i], id).toBe(byId.get(id)!.contentHash);
          });
        }
      }
      const other = await scanAll(store, { namespace: 'other', values: 'codes' });
      expect(other.flatMap((page) => page.ids)).toEqual(['elsewhere']);
      expect(await scanAll(store, { namespace: 'empty', values: 'exact' })).toEqual([]);
    });

    it('scan codes dequantise within the int8 codec bound of the exact vectors; exact equals get()', async () => {
      const { h, store } = fresh();
      if (!store.capabilities.scan) return;
      const next = random(22);
      const items = Array.from({ length: 12 }, (_, i) => ({
        id: `e-${i}`,
        vector: i === 0 ? new Float32Array(dims) : randomVector(dims, next, i % 2 === 1),
        metadata: { i },
        contentHash: hashOf(100 + i),
      }));
      await store.upsert(items);
      await h.settle();
      const stored = new Map(await Promise.all(items.map(async (item) => [item.id, (await store.get(item.id))!] as const)));
      for (const page of await scanAll(store, { values: 'codes', pageSize: 5 })) {
        page.ids.forEach((id, i) => {
          const exact = stored.get(id)!.vector;
          const scale = page.scales![i]!;
          let maxAbs = 0;
          for (const v of exact) maxAbs = Math.max(maxAbs, Math.abs(v));
          expect(scale, id).toBeCloseTo(maxAbs / 127, 6);
          for (let j = 0; j < dims; j++) {
            const code = page.codes![i * dims + j]!;
            expect(Math.abs(code), id).toBeLessThanOrEqual(127);
            // Each component within half a step (and float32 rounding of the scale).
            expect(Math.abs(scale * code - exact[j]!), `${id}[${j}]`).toBeLessThanOrEqual(scale / 2 + 1e-6 * (maxAbs + 1));
          }
        });
      }
      for (const page of await scanAll(store, { values: 'exact', pageSize: 5 })) {
        page.ids.forEach((id, i) => {
          const item = stored.get(id)!;
          expect(Array.from(page.vectors!.subarray(i * dims, (i + 1) * dims)), id).toEqual(Array.from(item.vector));
          expect(page.metadata[i]).toEqual(item.metadata);
          expect(page.contentHashes[i]).toBe(item.contentHash);
        });
      }
    });

    it('never scans a deleted item, nor another model version of equal dims', async () => {
      const { h, store, model } = fresh('1');
      if (!store.capabilities.scan) return;
      const other = h.create({ ...model, version: '2' });
      const next = random(23);
      await store.upsert(Array.from({ length: 5 }, (_, i) => ({ id: `g${i}`, vector: randomVector(dims, next) })));
      await other.upsert([{ id: 'theirs', vector: randomVector(dims, next) }]);
      await h.settle();
      await store.delete(['g1', 'g4']);
      await h.settle();
      for (const values of ['codes', 'exact'] as const) {
        const pages = await scanAll(store, { values });
        expect(pages.flatMap((page) => page.ids).sort(), values).toEqual(['g0', 'g2', 'g3']);
      }
    });

    it("names the namespaces holding its model's items (none of another model version), or says it cannot", async () => {
      const { h, store, model } = fresh('1');
      if (!store.capabilities.scan) {
        await expectStoreError(store.namespaces(), 'unsupported');
        return;
      }
      expect(await store.namespaces()).toEqual([]);
      const next = random(29);
      await store.upsert([{ id: 'a', vector: randomVector(dims, next) }]);
      await store.upsert([
        { id: 'a', namespace: 'zeta', vector: randomVector(dims, next) },
        { id: 'b', namespace: 'zeta', vector: randomVector(dims, next) },
      ]);
      await store.upsert([{ id: 'c', namespace: 'alpha.1', vector: randomVector(dims, next) }]);
      await h.create({ ...model, version: '2' }).upsert([{ id: 'x', namespace: 'other', vector: randomVector(dims, next) }]);
      await h.settle();
      expect(await store.namespaces()).toEqual(['alpha.1', 'default', 'zeta']);
      await store.delete(['c'], { namespace: 'alpha.1' });
      await h.settle();
      expect(await store.namespaces()).toEqual(['default', 'zeta']);
    });

    it('refuses a bad scan: namespace, values mode, page size', async () => {
      const { store } = fresh();
      await expectStoreError(scanAll(store, { namespace: 'bad/ns', values: 'codes' }), 'invalid');
      await expectStoreError(scanAll(store, { values: 'floats' as never }), 'invalid');
      await expectStoreError(scanAll(store, { values: 'codes', pageSize: 0 }), 'invalid');
      await expectStoreError(scanAll(store, { values: 'codes', pageSize: 2.5 }), 'invalid');
      const error = await expectStoreError(scanAll(store, { values: 'codes', pageSize: 1_000_000 }), 'limit');
      expect(error.limit).toBe(10_000);
    });
  });
}

/** What every ResourceStore promises; `create` makes stores of several models over one backend. */
export function resourceContract(name: string, harness: () => { create(model: { id: string; version: string }): ResourceStore }): void {
  let count = 0;
  const fresh = () => {
    const h = harness();
    const model = { id: `resources-${name}-${++count}`, version: '1' };
    return { h, store: h.create(model), model };
  };

  describe(`${name} resource store`, () => {
    it('puts, gets, lists and deletes JSON resources by kind and namespace', async () => {
      const { store } = fresh();
      const classifier = { kind: 'logistic', classes: ['cat', 'dog'], dims: 3, weights: [0.5, -1.25, 3, 0, 1, -2], bias: [0.1, -0.1] };
      expect(await store.get('classifier', 'default', 'pets')).toBeNull();
      await store.put('classifier', 'default', 'pets', classifier);
      await store.put('classifier', 'default', 'birds', { kind: 'centroid' });
      await store.put('classifier', 'other', 'pets', { kind: 'other-namespace' });
      await store.put('clustering', 'default', 'pets', { k: 3 });
      expect(await store.get('classifier', 'default', 'pets')).toEqual(classifier);
      expect(await store.get('clustering', 'default', 'pets')).toEqual({ k: 3 });
      expect(await store.get('classifier', 'other', 'pets')).toEqual({ kind: 'other-namespace' });
      expect(await store.list('classifier', 'default')).toEqual(['birds', 'pets']);
      expect(await store.list('clustering', 'default')).toEqual(['pets']);
      expect(await store.list('clustering', 'empty')).toEqual([]);
      await store.put('classifier', 'default', 'pets', { replaced: true });
      expect(await store.get('classifier', 'default', 'pets')).toEqual({ replaced: true });
      await store.delete('classifier', 'default', 'pets');
      await store.delete('classifier', 'default', 'never-existed');
      expect(await store.get('classifier', 'default', 'pets')).toBeNull();
      expect(await store.list('classifier', 'default')).toEqual(['birds']);
      expect(await store.get('clustering', 'default', 'pets')).toEqual({ k: 3 });
    });

    it('keeps resources to their model: another model or version never sees them', async () => {
      const { h, store, model } = fresh();
      const nextVersion = h.create({ ...model, version: '2' });
      const otherModel = h.create({ id: `${model.id}-other`, version: '1' });
      await store.put('classifier', 'default', 'pets', { trainedOn: 'v1' });
      for (const other of [nextVersion, otherModel]) {
        expect(await other.get('classifier', 'default', 'pets')).toBeNull();
        expect(await other.list('classifier', 'default')).toEqual([]);
        await other.put('classifier', 'default', 'pets', { trainedOn: 'other' });
      }
      expect(await store.get('classifier', 'default', 'pets')).toEqual({ trainedOn: 'v1' });
      await nextVersion.delete('classifier', 'default', 'pets');
      expect(await store.get('classifier', 'default', 'pets')).toEqual({ trainedOn: 'v1' });
    });

    it('refuses bad kinds, namespaces, ids, values that are not JSON and values over 25 MiB', async () => {
      const { store } = fresh();
      await expectStoreError(store.put('model' as never, 'default', 'x', {}), 'invalid');
      await expectStoreError(store.get('classifier', 'bad/ns', 'x'), 'invalid');
      await expectStoreError(store.put('classifier', 'default', 'a/b', {}), 'invalid');
      await expectStoreError(store.list('clustering', ''), 'invalid');
      await expectStoreError(store.put('classifier', 'default', 'x', undefined), 'invalid');
      await expectStoreError(store.put('classifier', 'default', 'x', { n: 1n }), 'invalid');
      const tooBig = 'x'.repeat(MAX_RESOURCE_BYTES);
      const error = await expectStoreError(store.put('clustering', 'default', 'big', { tooBig }), 'limit');
      expect(error.limit).toBe(MAX_RESOURCE_BYTES);
      expect(await store.get('clustering', 'default', 'big')).toBeNull();
    });
  });
}
