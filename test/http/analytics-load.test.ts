/** Loading a namespace for the analytics: one int8 matrix equal to the store's codes, and the limit refused while scanning. */
import { describe, expect, it } from 'vitest';
import { ProblemError } from '../../src/contract/problems.ts';
import { findDuplicates, nearGroupingMaxItems } from '../../src/services/analytics/duplicates.ts';
import { loadNamespace } from '../../src/services/analytics/load.ts';
import { createEmbedder } from '../../src/services/embedder.ts';
import { MODELS } from '../../src/models.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import type { Metadata, ScanOptions, ScanPage, VectorStore } from '../../src/store/types.ts';
import { random, randomVector } from '../support/store-contract.ts';

const MODEL = { id: 'load-test', version: '1', dims: 16 };

async function filled(count: number): Promise<MemoryStore> {
  const store = new MemoryStore(MODEL);
  const next = random(5);
  const items = Array.from({ length: count }, (_, i) => ({
    id: `item-${String(i).padStart(4, '0')}`,
    vector: randomVector(MODEL.dims, next),
    metadata: (i % 3 === 0 ? {} : { label: i % 2 ? 'odd' : 'even' }) satisfies Metadata as Metadata,
  }));
  for (let start = 0; start < items.length; start += 500) await store.upsert(items.slice(start, start + 500));
  return store;
}

/** The store with its scan counted: how many pages were handed out. */
function counted(store: VectorStore): { store: VectorStore; pages: () => number } {
  let pages = 0;
  const scan = (options: ScanOptions): AsyncIterable<ScanPage> => ({
    async *[Symbol.asyncIterator]() {
      for await (const page of store.scan({ ...options, pageSize: 100 })) {
        pages++;
        yield page;
      }
    },
  });
  return { store: Object.assign(Object.create(store) as VectorStore, { scan }), pages: () => pages };
}

describe('loadNamespace', () => {
  it('holds every kept item as its int8 code, row for row with ids and metadata', async () => {
    const store = await filled(700);
    const loaded = await loadNamespace(store, 'default', 1000, { purpose: 'Testing', keep: (m) => m.label !== undefined });
    expect(loaded.rows.count).toBe(466);
    expect(loaded.ids).toHaveLength(466);
    const row = new Float32Array(MODEL.dims);
    for (const i of [0, 200, 465]) {
      const item = await store.get(loaded.ids[i]!);
      expect(loaded.metadata[i]).toEqual(item!.metadata);
      loaded.rows.read(i, row);
      const scale = Math.max(...item!.vector.map(Math.abs)) / 127;
      for (let j = 0; j < MODEL.dims; j++) expect(Math.abs(row[j]! - item!.vector[j]!)).toBeLessThanOrEqual(scale / 2 + 1e-6);
    }
  });

  it('refuses with namespace-too-large as soon as the scan passes the limit, without reading the rest', async () => {
    const { store, pages } = counted(await filled(1000));
    const refused = await loadNamespace(store, 'default', 250, { purpose: 'Testing' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProblemError);
    expect((refused as ProblemError).kind).toBe('namespace-too-large');
    expect((refused as ProblemError).extra).toMatchObject({ limit: 250 });
    expect(pages()).toBe(3); // 300 items seen of 1000: the fourth page is never asked for
  });
});

describe('near-duplicate grouping limit', () => {
  const wide = MODELS.find((m) => m.dims === 1792)!;
  const extractor = async () => {
    throw new Error('no image is embedded here');
  };

  it('is ANALYTICS_MAX_ITEMS at 512-d and shrinks as sqrt(512 / dims) for wider vectors', () => {
    expect(nearGroupingMaxItems(10_000, 512)).toBe(10_000);
    expect(nearGroupingMaxItems(10_000, 64)).toBe(10_000);
    expect(nearGroupingMaxItems(10_000, 1792)).toBe(5345);
  });

  it('refuses near grouping of a wide namespace above it, while exact grouping loads up to ANALYTICS_MAX_ITEMS', async () => {
    const store = new MemoryStore({ id: wide.id, version: wide.version, dims: wide.dims });
    const next = random(9);
    await store.upsert(Array.from({ length: 8 }, (_, i) => ({ id: `w${i}`, vector: randomVector(wide.dims, next) })));
    const context = { store, model: wide, maxItems: 10, embedder: createEmbedder({ extractor }) };
    // 10 x sqrt(512 / 1792) = 5 items for near grouping; the 8 stored pass the exact-only limit of 10.
    const refused = await findDuplicates(context, 'default', { exactOnly: false }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProblemError);
    expect((refused as ProblemError).extra).toMatchObject({ limit: 5 });
    expect((refused as ProblemError).message).toMatch(/sqrt\(512 \/ 1792\)/);
    expect(await findDuplicates(context, 'default', { exactOnly: true })).toMatchObject({ size: 8, groups: [] });
  });
});
