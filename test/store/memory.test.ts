import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory.ts';
import { random, randomVector, scanAll, storeContract } from '../support/store-contract.ts';

storeContract('memory', () => ({ create: (model) => new MemoryStore(model), settle: async () => {} }));

describe('memory store scan', () => {
  it('makes codes page by page into int8 buffers of exactly the page: no float32 copy of the items', async () => {
    const dims = 512;
    const store = new MemoryStore({ id: 'scan', version: '1', dims });
    const next = random(5);
    for (let i = 0; i < 2500; i += 1000) {
      await store.upsert(
        Array.from({ length: Math.min(1000, 2500 - i) }, (_, j) => ({ id: `m${i + j}`, vector: randomVector(dims, next) })),
      );
    }
    const pages = await scanAll(store, { values: 'codes' });
    expect(pages.map((page) => page.ids.length)).toEqual([1000, 1000, 500]); // DEFAULT_SCAN_PAGE
    for (const page of pages) {
      expect(page.vectors).toBeUndefined();
      // Each page owns exactly its codes and scales (1 + 4/dims bytes per value), not a view of anything larger.
      expect(page.codes!.buffer.byteLength).toBe(page.ids.length * dims);
      expect(page.scales!.buffer.byteLength).toBe(page.ids.length * 4);
    }
    // Pages are in id order, each id once.
    const ids = pages.flatMap((page) => page.ids);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(2500);
  });
});
