/**
 * The KV store over a Map-backed KV stand-in: the contract, then exactness of the bounded search
 * against brute force, and the operations a search spends. (test/worker/store-kv.test.ts runs the
 * contract against miniflare's real KV inside workerd.)
 */
import { describe, expect, it } from 'vitest';
import { score, type Metric } from '../../src/core/vector/metrics.ts';
import { KvStore, SHARDS } from '../../src/store/kv.ts';
import { quantize } from '../../src/store/kv/codec.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { compareMatches } from '../../src/store/rank.ts';
import { StoreError, type Metadata } from '../../src/store/types.ts';
import { KvMap } from '../support/kv-map.ts';
import { hashOf, random, randomVector, scanAll, storeContract } from '../support/store-contract.ts';

storeContract('kv-map', () => {
  const kv = new KvMap();
  return { create: (model) => new KvStore(kv.binding(), model), settle: async () => {} };
});

describe('KV store search', () => {
  const model = { id: 'fuzz', version: '1', dims: 64 };

  for (const metric of ['cosine', 'euclidean', 'dot'] as Metric[]) {
    it(`is exact for ${metric}: the same ids and scores as brute force, cold and warm`, async () => {
      const next = random(metric.length);
      const kv = new KvMap();
      const store = new KvStore(kv.binding(), model);
      // Clustered data (near-ties are where bounds get tested), some positive-only like CNN features.
      const centres = Array.from({ length: 5 }, () => randomVector(64, next, true));
      const items = Array.from({ length: 600 }, (_, i) => {
        const centre = centres[i % 5]!;
        return { id: `f${i}`, vector: Float32Array.from(centre, (v) => v + (next() - 0.5) * 0.05), metadata: { i, odd: i % 2 === 1 } };
      });
      for (let i = 0; i < items.length; i += 100) await store.upsert(items.slice(i, i + 100));
      for (let round = 0; round < 12; round++) {
        const query = round % 3 === 0 ? items[round]!.vector : Float32Array.from(centres[round % 5]!, (v) => v + (next() - 0.5) * 0.05);
        const k = [1, 5, 20, 100][round % 4]!;
        const filter = round % 2 === 0 ? undefined : { odd: true };
        // A fresh store each time = a cold isolate cache; the shared one warms up.
        const cold = await new KvStore(kv.binding(), model).query(query, { topK: k, metric, ...(filter && { filter }) });
        const warm = await store.query(query, { topK: k, metric, ...(filter && { filter }) });
        const expected = items
          .filter((item) => !filter || item.metadata.odd)
          .map((item) => ({ id: item.id, score: score(metric, query, item.vector) }))
          .sort(compareMatches(metric))
          .slice(0, k);
        for (const result of [cold, warm]) {
          expect(result.matches.map((m) => m.id)).toEqual(expected.map((e) => e.id));
          result.matches.forEach((m, i) => expect(m.score).toBe(expected[i]!.score));
        }
        // Bounds prune: far fewer values read than items listed.
        expect(cold.stats!.scanned).toBe(filter ? 600 : 600);
        expect(cold.stats!.fetched).toBeLessThan(k + 150);
      }
    });
  }

  it('spends ⌈N/1000⌉ list calls per shard plus bulk gets, and refuses past its budget', async () => {
    const kv = new KvMap();
    const store = new KvStore(kv.binding(), model);
    const next = random(9);
    const items = Array.from({ length: 300 }, (_, i) => ({ id: `o${i}`, vector: randomVector(64, next) }));
    for (let i = 0; i < items.length; i += 100) await store.upsert(items.slice(i, i + 100));
    const before = { ...kv.calls };
    const result = await new KvStore(kv.binding(), model).query(items[0]!.vector, { topK: 10 });
    expect(kv.calls.list - before.list).toBe(SHARDS);
    expect(kv.calls.get - before.get).toBe(1); // the 10 winners (and near-ties) in one bulk get
    expect(result.stats!.operations).toBe(SHARDS + 1);
    const tight = new KvStore(kv.binding(), model, { operationBudget: 10 });
    const error = await tight.query(items[0]!.vector, { topK: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('capacity');
  });

  it('keeps working when metadata is too large for the list: it is read from the value', async () => {
    const kv = new KvMap();
    const store = new KvStore(kv.binding(), model);
    const next = random(4);
    const long = 'x'.repeat(900);
    const items = Array.from({ length: 30 }, (_, i) => ({
      id: `m${i}`,
      vector: randomVector(64, next),
      metadata: { long, i, even: i % 2 === 0 },
    }));
    await store.upsert(items);
    const listed = [...kv.entries.values()].map((e) => e.metadata as { q?: string; m?: unknown; x?: number });
    expect(listed.every((m) => m.q !== undefined && m.m === undefined && m.x === 1)).toBe(true);
    const result = await new KvStore(kv.binding(), model).query(items[3]!.vector, { topK: 3, filter: { even: false } });
    expect(result.matches[0]!.id).toBe('m3');
    expect(result.matches.every((m) => (m.metadata as { even: boolean }).even === false)).toBe(true);
    expect(result.matches[0]!.metadata).toEqual({ long, i: 3, even: false });
    // Without a filter, such items still prune by their code: only near-winners are read.
    const unfiltered = await new KvStore(kv.binding(), model).query(items[3]!.vector, { topK: 3 });
    expect(unfiltered.matches[0]!.metadata).toEqual({ long, i: 3, even: false });
    expect(unfiltered.stats!.fetched).toBeLessThan(30);
    const page = await store.list({ limit: 100 });
    expect(page.items).toHaveLength(30);
    expect(page.items.find((i) => i.id === 'm7')!.metadata).toEqual({ long, i: 7, even: false });
  });

  it('keeps codes of wide vectors (1792-d) in part keys: exact search reads only near-winners', async () => {
    const wide = { id: 'wide', version: '1', dims: 1792 };
    const kv = new KvMap();
    const store = new KvStore(kv.binding(), wide);
    const next = random(8);
    const items = Array.from({ length: 150 }, (_, i) => ({ id: `w${i}`, vector: randomVector(1792, next, true), metadata: { i } }));
    await store.upsert(items.slice(0, 100));
    await store.upsert(items.slice(100));
    expect(kv.entries.size).toBe(150 * 4); // the item key + 3 code parts each
    for (const [key, entry] of kv.entries) {
      const bytes = new TextEncoder().encode(JSON.stringify(entry.metadata)).byteLength;
      expect(bytes, key).toBeLessThanOrEqual(1024);
    }
    for (const metric of ['cosine', 'euclidean', 'dot'] as Metric[]) {
      const query = Float32Array.from(items[42]!.vector, (v) => v + (next() - 0.5) * 0.01);
      const result = await new KvStore(kv.binding(), wide).query(query, { topK: 5, metric });
      const expected = items
        .map((item) => ({ id: item.id, score: score(metric, query, item.vector) }))
        .sort(compareMatches(metric))
        .slice(0, 5);
      expect(
        result.matches.map((m) => m.id),
        metric,
      ).toEqual(expected.map((e) => e.id));
      expect(result.matches[0]!.metadata).toEqual({ i: Number(result.matches[0]!.id.slice(1)) });
      if (metric === 'cosine') {
        expect(result.matches[0]!.id).toBe('w42');
        expect(result.stats!.fetched).toBeLessThan(75); // uniform random vectors crowd together: the hard case
        expect(result.stats!.operations).toBe(SHARDS + 1); // 600 keys fit in one page per shard
      }
    }
    // list() gives items, never their code parts, and pages through them exactly once.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<KvStore['list']>> = await store.list({ limit: 7, cursor });
      expect(page.items.length).toBeLessThanOrEqual(7);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.cursor;
    } while (cursor);
    expect(seen.sort()).toEqual(items.map((i) => i.id).sort());
    await store.delete(items.map((i) => i.id).slice(0, 50));
    expect(kv.entries.size).toBe(100 * 4);
  });

  it('ranks a wide item exactly when its code parts are stale or missing (half-written, lagging list)', async () => {
    const wide = { id: 'wide', version: '1', dims: 1792 };
    const kv = new KvMap();
    const store = new KvStore(kv.binding(), wide);
    const next = random(13);
    const items = Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, vector: randomVector(1792, next, true) }));
    await store.upsert(items);
    // s5: a part from an older write; s6: a part missing.
    const part = (id: string, j: number) => [...kv.entries.keys()].find((k) => k.endsWith(`/${id}/${j}`))!;
    const stale = kv.entries.get(part('s5', 1))!;
    kv.entries.set(part('s5', 1), { ...stale, metadata: { ...(stale.metadata as object), t: 'older' } });
    kv.entries.delete(part('s6', 2));
    for (const target of ['s5', 's6']) {
      const vector = items.find((i) => i.id === target)!.vector;
      const result = await new KvStore(kv.binding(), wide).query(vector, { topK: 3 });
      expect(result.matches[0]!.id).toBe(target);
      const expected = items
        .map((item) => ({ id: item.id, score: score('cosine', vector, item.vector) }))
        .sort(compareMatches('cosine'))
        .slice(0, 3);
      expect(result.matches.map((m) => m.id)).toEqual(expected.map((e) => e.id));
    }
  });

  it('drops an item deleted between list and read, and still answers the exact top k', async () => {
    const kv = new KvMap();
    const store = new KvStore(kv.binding(), model);
    const next = random(12);
    const items = Array.from({ length: 50 }, (_, i) => ({ id: `g${i}`, vector: randomVector(64, next) }));
    await store.upsert(items);
    // Simulate KV's lagging list: the value is gone, the listed key is not.
    const victim = [...kv.entries.keys()].find((k) => k.endsWith('/g7'))!;
    const listed = kv.entries.get(victim)!;
    const realGet = kv.get.bind(kv);
    kv.get = (async (key: string | string[], type?: 'text' | 'json') => {
      const result = await realGet(key, type);
      if (result instanceof Map && result.has(victim)) result.set(victim, null);
      return result;
    }) as typeof kv.get;
    expect(listed).toBeDefined();
    const { matches } = await new KvStore(kv.binding(), model).query(items[7]!.vector, { topK: 5 });
    expect(matches.map((m) => m.id)).not.toContain('g7');
    const expected = items
      .filter((i) => i.id !== 'g7')
      .map((i) => ({ id: i.id, score: score('cosine', items[7]!.vector, i.vector) }))
      .sort(compareMatches('cosine'))
      .slice(0, 5);
    expect(matches.map((m) => m.id)).toEqual(expected.map((e) => e.id));
  });

  it('answers rate-limited when KV refuses a write with 429 (1 write per second per key)', async () => {
    const kv = new KvMap();
    kv.put = async () => {
      throw new Error('KV PUT failed: 429 Too Many Requests');
    };
    const error = await new KvStore(kv.binding(), model)
      .upsert([{ id: 'hot', vector: randomVector(64, random(1)) }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('rate-limited');
  });
});

describe('KV store scan', () => {
  const model = { id: 'scan', version: '1', dims: 64 };
  for (const dims of [512, 1792]) {
    it(`codes at ${dims}-d come from list metadata alone: no value read, the codec's own codes, hashes and metadata`, async () => {
      const wide = { id: `scan-${dims}`, version: '1', dims };
      const kv = new KvMap();
      const store = new KvStore(kv.binding(), wide);
      const memory = new MemoryStore(wide);
      const next = random(dims);
      const items = Array.from({ length: 250 }, (_, i) => ({
        id: `k${i}`,
        vector: randomVector(dims, next, i % 2 === 0),
        metadata: { label: `class-${i % 7}` },
        ...(i % 4 !== 0 && { contentHash: hashOf(i) }),
      }));
      for (let i = 0; i < items.length; i += 100) await store.upsert(items.slice(i, i + 100));
      await memory.upsert(items);
      const before = { ...kv.calls };
      const pages = await scanAll(new KvStore(kv.binding(), wide), { values: 'codes', pageSize: 64 });
      expect(kv.calls.get - before.get).toBe(0);
      // 250 items (1000 keys at 1792-d) over 16 shards: one list call each.
      expect(kv.calls.list - before.list).toBe(SHARDS);
      const byId = new Map(items.map((item) => [item.id, item]));
      const memoryCodes = new Map<string, Int8Array>();
      for (const page of await scanAll(memory, { values: 'codes', pageSize: 1000 })) {
        page.ids.forEach((id, i) => memoryCodes.set(id, page.codes!.subarray(i * dims, (i + 1) * dims)));
      }
      expect(pages.flatMap((page) => page.ids).sort()).toEqual([...byId.keys()].sort());
      for (const page of pages) {
        page.ids.forEach((id, i) => {
          const item = byId.get(id)!;
          const code = page.codes!.subarray(i * dims, (i + 1) * dims);
          const expected = quantize(item.vector);
          expect(Array.from(code), id).toEqual(Array.from(expected.code));
          expect(page.scales![i], id).toBe(Math.fround(expected.scale));
          expect(Array.from(memoryCodes.get(id)!), id).toEqual(Array.from(code)); // memory codes as KV does
          expect(page.metadata[i]).toEqual(item.metadata);
          expect(page.contentHashes[i]).toBe(item.contentHash);
        });
      }
      // Exact: every value, 100 per bulk get (a fresh store: no cache).
      const mid = { ...kv.calls };
      const exact = await scanAll(new KvStore(kv.binding(), wide), { values: 'exact', pageSize: 250 });
      expect(kv.calls.get - mid.get).toBe(3);
      expect(exact.flatMap((page) => page.ids).sort()).toEqual([...byId.keys()].sort());
      exact[0]!.ids.forEach((id, i) => {
        expect(Array.from(exact[0]!.vectors!.subarray(i * dims, (i + 1) * dims)), id).toEqual(Array.from(byId.get(id)!.vector));
      });
    });
  }

  it('reads values only where the list falls short: metadata too large, wide code parts stale or missing', async () => {
    const wide = { id: 'scan-fallback', version: '1', dims: 1792 };
    const kv = new KvMap();
    const store = new KvStore(kv.binding(), wide);
    const next = random(31);
    const big = 'y'.repeat(1000); // over the 1024 bytes of list metadata even at 1792-d
    const items = Array.from({ length: 30 }, (_, i) => ({
      id: `f${i}`,
      vector: randomVector(1792, next),
      metadata: (i < 3 ? { big, i } : { i }) as Metadata,
      contentHash: hashOf(i),
    }));
    await store.upsert(items);
    const part = (id: string, j: number) => [...kv.entries.keys()].find((k) => k.endsWith(`/${id}/${j}`))!;
    const stale = kv.entries.get(part('f5', 1))!;
    kv.entries.set(part('f5', 1), { ...stale, metadata: { ...(stale.metadata as object), t: 'older' } });
    kv.entries.delete(part('f6', 2));
    const read: string[] = [];
    const realGet = kv.get.bind(kv);
    kv.get = (async (key: string | string[], type?: 'text' | 'json') => {
      read.push(...(Array.isArray(key) ? key : [key]));
      return realGet(key, type);
    }) as typeof kv.get;
    const pages = await scanAll(new KvStore(kv.binding(), wide), { values: 'codes' });
    expect(read.map((key) => key.slice(key.lastIndexOf('/') + 1)).sort()).toEqual(['f0', 'f1', 'f2', 'f5', 'f6']);
    const rows = pages.flatMap((page) => page.ids.map((id, i) => ({ id, page, i })));
    expect(rows.map((r) => r.id).sort()).toEqual(items.map((item) => item.id).sort());
    for (const { id, page, i } of rows) {
      const item = items.find((x) => x.id === id)!;
      expect(Array.from(page.codes!.subarray(i * 1792, (i + 1) * 1792)), id).toEqual(Array.from(quantize(item.vector).code));
      expect(page.metadata[i], id).toEqual(item.metadata);
      expect(page.contentHashes[i], id).toBe(item.contentHash);
    }
  });

  it('leaves out an item deleted between list and read', async () => {
    const kv = new KvMap();
    const store = new KvStore(kv.binding(), model);
    const next = random(32);
    await store.upsert(Array.from({ length: 10 }, (_, i) => ({ id: `v${i}`, vector: randomVector(64, next) })));
    const victim = [...kv.entries.keys()].find((k) => k.endsWith('/v3'))!;
    const realGet = kv.get.bind(kv);
    kv.get = (async (key: string | string[], type?: 'text' | 'json') => {
      const result = await realGet(key, type);
      if (result instanceof Map && result.has(victim)) result.set(victim, null);
      return result;
    }) as typeof kv.get;
    const pages = await scanAll(new KvStore(kv.binding(), model), { values: 'exact', pageSize: 4 });
    const ids = pages.flatMap((page) => page.ids);
    expect(ids.sort()).toEqual(['v0', 'v1', 'v2', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9']);
    for (const page of pages) expect(page.vectors!.length).toBe(page.ids.length * 64);
  });

  it('refuses with capacity, saying what to do, past its operation budget', async () => {
    const kv = new KvMap();
    const store = new KvStore(kv.binding(), model);
    const next = random(33);
    await store.upsert(Array.from({ length: 100 }, (_, i) => ({ id: `b${i}`, vector: randomVector(64, next) })));
    const tight = new KvStore(kv.binding(), model, { operationBudget: 20 });
    expect((await scanAll(tight, { values: 'codes' })).flatMap((page) => page.ids)).toHaveLength(100); // 16 lists
    const error = await scanAll(tight, { values: 'exact', pageSize: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('capacity');
    expect((error as StoreError).message).toMatch(/scan codes/);
  });
});
