/** KV list cursors: their format, refusals, and paging that never hands out a cursor to an empty page. */
import { describe, expect, it } from 'vitest';
import { formatCursor, parseCursor, readPage } from '../../../src/store/kv/cursor.ts';
import { NamespaceKeys, SHARDS } from '../../../src/store/kv/keys.ts';
import { StoreError } from '../../../src/store/types.ts';
import { KvMap } from '../../support/kv-map.ts';

describe('KV list cursors', () => {
  it('round-trip a position, query-string safe', () => {
    for (const position of [
      { shard: 0, cursor: undefined, skip: 0 },
      { shard: 15, cursor: 'kv+cursor/é', skip: 999 },
      { shard: 3, cursor: undefined, skip: 2 },
    ]) {
      const text = formatCursor(position);
      expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(parseCursor(text)).toEqual(position);
    }
  });

  it('read cursors in the format given out before (btoa of the JSON, base64url, unpadded)', () => {
    const old = btoa(JSON.stringify({ s: 4, c: 'abc', k: 7 }))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    expect(parseCursor(old)).toEqual({ shard: 4, cursor: 'abc', skip: 7 });
    expect(formatCursor({ shard: 4, cursor: 'abc', skip: 7 })).toBe(old);
  });

  it('start at the beginning without one, and refuse one this store did not give out', () => {
    expect(parseCursor(null)).toEqual({ shard: 0, cursor: undefined, skip: 0 });
    const forged = (value: unknown) => btoa(JSON.stringify(value));
    for (const text of [
      'not base64!',
      btoa('not json'),
      forged({ s: SHARDS }),
      forged({ s: -1 }),
      forged({ s: 1.5 }),
      forged({ s: 0, k: -1 }),
      forged({}),
    ]) {
      expect(() => parseCursor(text), text).toThrow(StoreError);
    }
  });
});

describe('readPage', () => {
  const keys = new NamespaceKeys('items/m@1', 'default');

  async function kvWith(ids: string[], parts = 0): Promise<KvMap> {
    const kv = new KvMap();
    for (const id of ids) {
      await kv.put(keys.item(id), '{}', { metadata: { t: 't' } });
      for (let j = 0; j < parts; j++) await kv.put(`${keys.item(id)}/${j}`, '', { metadata: { t: 't', q: '' } });
    }
    return kv;
  }

  it('pages through every item once, skipping code parts, with no cursor after the last', async () => {
    const ids = Array.from({ length: 37 }, (_, i) => `i${i}`);
    const kv = await kvWith(ids, 2);
    for (const limit of [1, 5, 36, 37, 100]) {
      const seen: string[] = [];
      let from = parseCursor(null);
      for (;;) {
        const page = await readPage(kv.binding(), keys, from, limit);
        expect(page.keys.length, `limit ${limit}`).toBeGreaterThan(0);
        expect(page.keys.length).toBeLessThanOrEqual(limit);
        seen.push(...page.keys.map((k) => keys.rest(k.name)));
        if (!page.next) break;
        from = page.next;
      }
      expect(seen.sort(), `limit ${limit}`).toEqual([...ids].sort());
    }
  });

  it('looks past a full page: more items give a cursor, none gives null', async () => {
    const kv = await kvWith(['only']);
    const full = await readPage(kv.binding(), keys, parseCursor(null), 1);
    expect(full.keys.map((k) => keys.rest(k.name))).toEqual(['only']);
    expect(full.next).toBeNull();
    const empty = await readPage((await kvWith([])).binding(), keys, parseCursor(null), 10);
    expect(empty).toEqual({ keys: [], next: null });
  });

  it("follows KV's own cursor through a shard of more than 1000 keys", async () => {
    const kv = new KvMap();
    // All in shard 0 (readPage does not hash ids), so that shard spans two KV pages.
    const ids = Array.from({ length: 1500 }, (_, i) => `k${String(i).padStart(4, '0')}`);
    for (const id of ids) await kv.put(`${keys.shard(0)}${id}`, '{}', { metadata: { t: 't' } });
    for (const [limit, sizes] of [
      [1000, [1000, 500]],
      [700, [700, 700, 100]],
      [1500, [1500]],
    ] as const) {
      const got: number[] = [];
      const seen: string[] = [];
      let from = parseCursor(null);
      for (;;) {
        const page = await readPage(kv.binding(), keys, from, limit);
        got.push(page.keys.length);
        seen.push(...page.keys.map((k) => keys.rest(k.name)));
        if (!page.next) break;
        from = parseCursor(formatCursor(page.next));
      }
      expect(got, `limit ${limit}`).toEqual(sizes);
      expect(seen).toEqual(ids);
    }
  });
});
