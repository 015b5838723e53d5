/**
 * The Vectorize store over the in-process contract implementation of the binding
 * (test/support/vectorize-fake.ts), and that implementation's own contract.
 */
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/types.ts';
import { VectorizeStore } from '../../src/store/vectorize.ts';
import { FakeVectorize } from '../support/vectorize-fake.ts';
import { random, randomVector, storeContract } from '../support/store-contract.ts';

for (const [metric, name] of [
  ['cosine', 'cosine'],
  ['euclidean', 'euclidean'],
  ['dot', 'dot-product'],
] as const) {
  storeContract(`vectorize-${metric}`, () => {
    const index = new FakeVectorize({ dimensions: 8, metric: name });
    return { create: (model) => new VectorizeStore(index, model, { metric }), settle: async () => void index.flush() };
  });
}

describe('Vectorize store', () => {
  const model = { id: 'vgg16-test', version: '1', dims: 8 };
  const ones = new Float32Array(8).fill(1);

  it('writes asynchronously: a mutation id now, visible after the index applies it', async () => {
    const index = new FakeVectorize({ dimensions: 8, metric: 'cosine' });
    const store = new VectorizeStore(index, model, { metric: 'cosine' });
    const written = await store.upsert([{ id: 'a', vector: ones, metadata: { k: 'v' } }]);
    expect(written.mutationId).toMatch(/\S/);
    expect(await store.get('a')).toBeNull();
    expect((await store.query(ones, { topK: 5 })).matches).toEqual([]);
    index.flush();
    expect((await store.get('a'))!.metadata).toEqual({ k: 'v' });
    const deleted = await store.delete(['a']);
    expect(deleted.mutationId).toMatch(/\S/);
    expect(await store.get('a')).not.toBeNull();
    index.flush();
    expect(await store.get('a')).toBeNull();
  });

  it('stores hashed vector ids and model-tagged namespaces within 64 bytes, the item id in metadata', async () => {
    const index = new FakeVectorize({ dimensions: 8, metric: 'cosine' });
    const store = new VectorizeStore(index, { ...model, id: 'm'.repeat(64) }, { metric: 'cosine' });
    const id = 'i'.repeat(64);
    const namespace = 'n'.repeat(48);
    await store.upsert([{ id, namespace, vector: ones, metadata: { a: 1 } }]);
    index.flush();
    const { matches } = await index.query(Array.from(ones), { topK: 1, returnMetadata: 'all' });
    const stored = matches[0]!;
    expect(new TextEncoder().encode(stored.id).byteLength).toBeLessThanOrEqual(64);
    expect(new TextEncoder().encode(stored.namespace!).byteLength).toBeLessThanOrEqual(64);
    expect(stored.namespace!.startsWith(`${namespace}@`)).toBe(true);
    expect(stored.metadata).toMatchObject({ _id: id, a: 1 });
    expect((await store.get(id, { namespace }))!.metadata).toEqual({ a: 1 });
  });

  it('reports dot products (Vectorize answers negated ones) and offers only the index metric', async () => {
    const index = new FakeVectorize({ dimensions: 8, metric: 'dot-product' });
    const store = new VectorizeStore(index, model, { metric: 'dot' });
    await store.upsert([
      { id: 'small', vector: new Float32Array(8).fill(0.5) },
      { id: 'big', vector: new Float32Array(8).fill(2) },
    ]);
    index.flush();
    const { matches } = await store.query(ones, { topK: 2 });
    expect(matches).toEqual([
      { id: 'big', score: 16, metadata: {} },
      { id: 'small', score: 4, metadata: {} },
    ]);
    expect(store.capabilities.metrics).toEqual(['dot']);
    const error = await store.query(ones, { topK: 2, metric: 'cosine' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('invalid');
  });

  it('caps topK at 20 (results carry metadata) and queryById at 19 (one slot is the item)', async () => {
    const index = new FakeVectorize({ dimensions: 8, metric: 'cosine' });
    const store = new VectorizeStore(index, model, { metric: 'cosine' });
    const next = random(2);
    await store.upsert(Array.from({ length: 30 }, (_, i) => ({ id: `t${i}`, vector: randomVector(8, next) })));
    index.flush();
    expect((await store.query(ones, { topK: 20 })).matches).toHaveLength(20);
    expect((await store.queryById('t0', { topK: 19 }))!.matches).toHaveLength(19);
    expect(store.capabilities).toMatchObject({ maxTopK: 20, maxTopKById: 19, exact: false, list: false });
  });

  it('refuses models wider than an index can be (1536), e.g. MobileNetV2 at 1792', () => {
    const index = new FakeVectorize({ dimensions: 8, metric: 'cosine' });
    expect(() => new VectorizeStore(index, { ...model, dims: 1792 }, { metric: 'cosine' })).toThrow(/at most 1536/);
    expect(() => new FakeVectorize({ dimensions: 1792, metric: 'cosine' })).toThrow(/1536/);
  });

  it('refuses to run against an index of other dimensions', async () => {
    const index = new FakeVectorize({ dimensions: 16, metric: 'cosine' });
    const store = new VectorizeStore(index, model, { metric: 'cosine' });
    const error = await store.query(ones, { topK: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('misconfigured');
    expect((error as Error).message).toMatch(/16 dimensions/);
  });
});

describe('Vectorize binding contract (the fake itself)', () => {
  const v = (id: string, values: number[], extra: Partial<VectorizeVector> = {}): VectorizeVector => ({ id, values, ...extra });
  const dims3 = (x: number) => [x, 1, 0];

  it('applies mutations only when flushed, in order, each with its own id', async () => {
    const index = new FakeVectorize({ dimensions: 3, metric: 'cosine' });
    const a = await index.upsert([v('1', dims3(1))]);
    const b = await index.deleteByIds(['1']);
    const c = await index.upsert([v('1', dims3(2))]);
    expect(new Set([a.mutationId, b.mutationId, c.mutationId]).size).toBe(3);
    expect(await index.getByIds(['1'])).toEqual([]);
    expect(index.pending).toBe(3);
    expect(index.flush()).toBe(3);
    expect((await index.getByIds(['1']))[0]!.values).toEqual(dims3(2));
    expect((await index.describe()).vectorCount).toBe(1);
    expect((await index.describe()).processedUpToMutation).toBe(c.mutationId);
  });

  it('insert keeps an existing id; upsert replaces it in full, moving it between namespaces', async () => {
    const index = new FakeVectorize({ dimensions: 3, metric: 'cosine' });
    await index.insert([v('1', dims3(1), { metadata: { a: 1 } })]);
    await index.insert([v('1', dims3(5), { metadata: { b: 2 } })]);
    index.flush();
    expect((await index.getByIds(['1']))[0]).toMatchObject({ values: dims3(1), metadata: { a: 1 } });
    await index.upsert([v('1', dims3(3), { namespace: 'ns' })]);
    index.flush();
    const [got] = await index.getByIds(['1']);
    expect(got).toEqual({ id: '1', values: dims3(3), namespace: 'ns' });
    expect((await index.query(dims3(3), { namespace: 'other' })).count).toBe(0);
    expect((await index.query(dims3(3), { namespace: 'ns' })).count).toBe(1);
  });

  it('rejects ids over 64 bytes, wrong dimensions, bad metadata keys and batches over 1000', async () => {
    const index = new FakeVectorize({ dimensions: 3, metric: 'cosine' });
    await expect(index.upsert([v('x'.repeat(65), dims3(1))])).rejects.toThrow(/64 bytes/);
    await expect(index.upsert([v('é'.repeat(33), dims3(1))])).rejects.toThrow(/64 bytes/);
    await expect(index.upsert([v('a', [1, 2])])).rejects.toThrow(/dimensions/);
    await expect(index.upsert([v('a', dims3(1), { metadata: { 'a.b': 1 } })])).rejects.toThrow(/not allowed/);
    await expect(index.upsert([v('a', dims3(1), { metadata: { big: 'x'.repeat(10 * 1024) } })])).rejects.toThrow(/10240/);
    await expect(index.upsert(Array.from({ length: 1001 }, (_, i) => v(`${i}`, dims3(i))))).rejects.toThrow(/1000/);
    await expect(index.query([1, 2])).rejects.toThrow(/dimensions/);
  });

  it('limits topK to 100, or 20 with values or all metadata; defaults to 5', async () => {
    const index = new FakeVectorize({ dimensions: 3, metric: 'euclidean' });
    await index.upsert(Array.from({ length: 120 }, (_, i) => v(`${i}`, dims3(i), { metadata: { i } })));
    index.flush();
    expect((await index.query(dims3(0))).count).toBe(5);
    expect((await index.query(dims3(0), { topK: 100 })).count).toBe(100);
    expect((await index.query(dims3(0), { topK: 100, returnMetadata: 'indexed' })).count).toBe(100);
    await expect(index.query(dims3(0), { topK: 101 })).rejects.toThrow(/100/);
    await expect(index.query(dims3(0), { topK: 21, returnValues: true })).rejects.toThrow(/20/);
    await expect(index.query(dims3(0), { topK: 21, returnMetadata: 'all' })).rejects.toThrow(/20/);
    await expect(index.query(dims3(0), { topK: 0 })).rejects.toThrow(/positive/);
    const { matches } = await index.query(dims3(0), { topK: 2, returnValues: true, returnMetadata: 'all' });
    expect(matches).toEqual([
      { id: '0', score: 0, values: dims3(0), metadata: { i: 0 } },
      { id: '1', score: 1, values: dims3(1), metadata: { i: 1 } },
    ]);
    expect((await index.query(dims3(0), { topK: 1 })).matches[0]).toEqual({ id: '0', score: 0 });
  });

  it('scores cosine as similarity, euclidean as distance, dot-product as the negated dot product', async () => {
    for (const [metric, expected] of [
      ['cosine', 1],
      ['euclidean', 0],
      ['dot-product', -2],
    ] as const) {
      const index = new FakeVectorize({ dimensions: 3, metric });
      await index.upsert([v('a', [1, 1, 0]), v('b', [-1, 0, 0])]);
      index.flush();
      const { matches } = await index.queryById('a', { topK: 2 });
      expect(matches[0]!.id).toBe('a');
      expect(matches[0]!.score).toBeCloseTo(expected, 12);
    }
    expect((await new FakeVectorize({ dimensions: 3, metric: 'cosine' }).queryById('none')).count).toBe(0);
  });

  it('filters through metadata indexes: unindexed properties and other types are absent, strings cut at 64 bytes', async () => {
    const index = new FakeVectorize({
      dimensions: 3,
      metric: 'cosine',
      metadataIndexes: { kind: 'string', year: 'number', 'owner.name': 'string' },
    });
    const long = 'y'.repeat(70);
    await index.upsert([
      v('a', dims3(1), { metadata: { kind: 'cat', year: 2020, colour: 'red', owner: { name: 'ann' } } }),
      v('b', dims3(2), { metadata: { kind: 'dog', year: '2021', colour: 'red' } }),
      v('c', dims3(3), { metadata: { kind: long, year: 2022 } }),
    ]);
    index.flush();
    const ids = async (filter: VectorizeVectorMetadataFilter) =>
      (await index.query(dims3(1), { topK: 10, filter })).matches.map((m) => m.id).sort();
    expect(await ids({ colour: 'red' })).toEqual([]); // no index on colour
    expect(await ids({ year: { $gte: 2000 } })).toEqual(['a', 'c']); // b's year is a string: not in the number index
    expect(await ids({ kind: 'y'.repeat(64) })).toEqual(['c']);
    expect(await ids({ 'owner.name': 'ann', kind: { $in: ['cat', 'dog'] } })).toEqual(['a']);
    const indexed = await index.query(dims3(1), { topK: 1, returnMetadata: 'indexed' });
    expect(indexed.matches[0]!.metadata).toEqual({ kind: 'cat', year: 2020, owner: { name: 'ann' } });
  });

  it('refuses malformed filters as the documentation describes', async () => {
    const index = new FakeVectorize({ dimensions: 3, metric: 'cosine' });
    const q = (filter: unknown) => index.query(dims3(1), { filter: filter as VectorizeVectorMetadataFilter });
    await expect(q({})).rejects.toThrow(/non-empty/);
    await expect(q({ $and: 1 })).rejects.toThrow(/not allowed/);
    await expect(q({ a: { $eq: 1, $ne: 2 } })).rejects.toThrow(/combines/);
    await expect(q({ a: { $lt: 1, $lte: 2 } })).rejects.toThrow(/combines/);
    await expect(q({ a: { $regex: 'x' } })).rejects.toThrow(/unknown operator/);
    await expect(q({ a: 'x'.repeat(2048) })).rejects.toThrow(/2048/);
    await expect(q({ a: { $gt: 1, $lt: 5 } })).resolves.toEqual({ matches: [], count: 0 });
  });
});
