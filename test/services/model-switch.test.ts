/**
 * The served-model switch record (src/services/jobs/model-switch.ts): which model serves under each record,
 * when writes are mirrored, the per-isolate read cache, and the mirror's messages and deletions. The whole
 * switch through a re-index job runs inside workerd in test/worker/originals.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  cachedSwitch,
  kvModelSwitch,
  MODEL_SWITCH_KEY,
  migrationFrom,
  migrationMirror,
  type ModelSwitch,
  parseSwitch,
  servedModel,
} from '../../src/services/jobs/model-switch.ts';
import type { IngestQueueBody } from '../../src/services/jobs/types.ts';
import { MemoryStore } from '../../src/store/memory.ts';

const record = (over: Partial<ModelSwitch> = {}): ModelSwitch => ({
  configured: 'a',
  from: 'a',
  to: 'b',
  job: 'j1',
  state: 'migrating',
  at: '2026-12-07T00:00:00.000Z',
  ...over,
});
const known = (id: string) => ['a', 'b', 'c'].includes(id);

describe('servedModel', () => {
  it('serves MODEL_ID without a record, `from` while migrating, `to` once switched', () => {
    expect(servedModel('a', null, known)).toEqual({ id: 'a', reason: undefined });
    expect(servedModel('a', record(), known).id).toBe('a');
    const switched = servedModel('a', record({ state: 'switched' }), known);
    expect(switched.id).toBe('b');
    expect(switched.reason).toMatch(/re-index job j1 switched the served model at .* \(MODEL_ID is a\)/);
    // A switch back: migrating from b (served) to a, then switched to a.
    expect(servedModel('a', record({ from: 'b', to: 'a' }), known).id).toBe('b');
    expect(servedModel('a', record({ from: 'b', to: 'a', state: 'switched' }), known).id).toBe('a');
  });

  it('ignores a record made under another MODEL_ID (the operator deployed since) and a model this build lacks', () => {
    expect(servedModel('c', record({ state: 'switched' }), known).id).toBe('c');
    expect(servedModel('a', record({ state: 'switched', to: 'gone' }), known).id).toBe('a');
  });

  it('mirrors the served model only during a migration away from it, under the same MODEL_ID', () => {
    expect(migrationFrom('a', 'a', record())).toEqual(record());
    expect(migrationFrom('a', 'b', record())).toBeNull();
    expect(migrationFrom('a', 'a', record({ state: 'switched' }))).toBeNull();
    expect(migrationFrom('c', 'a', record())).toBeNull();
    expect(migrationFrom('a', 'a', null)).toBeNull();
  });
});

describe('the record', () => {
  it('round-trips through KV and refuses shapes it did not write', async () => {
    const values = new Map<string, string>();
    const kv = {
      get: async (key: string) => (values.has(key) ? JSON.parse(values.get(key)!) : null),
      put: async (key: string, value: string) => void values.set(key, value),
      delete: async (key: string) => void values.delete(key),
    };
    const store = kvModelSwitch(kv);
    expect(await store.read()).toBeNull();
    await store.write(record());
    expect([...values.keys()]).toEqual([MODEL_SWITCH_KEY]);
    expect(await store.read()).toEqual(record());
    await store.clear();
    expect(await store.read()).toBeNull();
    expect(parseSwitch({ ...record(), state: 'done' })).toBeNull();
    expect(parseSwitch({ ...record(), to: 3 })).toBeNull();
    expect(parseSwitch('switched')).toBeNull();
  });

  it('is read at most once per interval per isolate, and a failed read keeps the last value', async () => {
    let now = 0;
    let reads = 0;
    let value: ModelSwitch | null = record();
    let fail = false;
    const read = cachedSwitch(
      {
        read: async () => {
          reads++;
          if (fail) throw new Error('KV down');
          return value;
        },
        write: async () => {},
        clear: async () => {},
      },
      5000,
      () => now,
    );
    const [first, second] = await Promise.all([read(), read()]);
    expect(first).toEqual(record());
    expect(second).toEqual(record());
    expect(reads).toBe(1);
    value = record({ state: 'switched' });
    now = 4999;
    expect((await read())?.state).toBe('migrating');
    now = 5000;
    expect((await read())?.state).toBe('switched');
    fail = true;
    now = 20_000;
    expect((await read())?.state).toBe('switched');
    expect(reads).toBe(3);
  });
});

describe('migrationMirror', () => {
  it("queues each image item for `to` from its original and deletes `to`'s copy of a deleted item; nothing without a migration", async () => {
    const sent: IngestQueueBody[] = [];
    const queue = {
      send: async (body: IngestQueueBody) => void sent.push(body),
      sendBatch: async (messages: Iterable<{ body: IngestQueueBody }>) => void sent.push(...[...messages].map((m) => m.body)),
    };
    const next = new MemoryStore({ id: 'b', version: '1', dims: 2 });
    await next.upsert([{ id: 'x', namespace: 'p', vector: Float32Array.of(1, 0) }]);
    let current: ModelSwitch | null = null;
    const mirror = migrationMirror({
      configured: 'a',
      served: 'a',
      read: async () => current,
      queue,
      storeFor: (id) => (id === 'b' ? next : undefined),
    });
    await mirror.put('p', [{ id: 'x', contentHash: 'f'.repeat(64), metadata: {} }]);
    await mirror.remove('p', 'x');
    expect(sent).toEqual([]);
    expect(await next.get('x', { namespace: 'p' })).not.toBeNull();

    current = record();
    await mirror.put('p', [{ id: 'x', contentHash: 'f'.repeat(64), metadata: { k: 1 } }]);
    expect(sent).toEqual([{ namespace: 'p', id: 'x', origin: { r2: `originals/${'f'.repeat(64)}` }, metadata: { k: 1 }, model: 'b' }]);
    await mirror.remove('p', 'x');
    expect(await next.get('x', { namespace: 'p' })).toBeNull();
  });
});
