/** The checked front: what reaches an adapter, and what never does. */
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../src/core/vector/metrics.ts';
import {
  checkedStore,
  DEFAULT_SCAN_PAGE,
  MAX_LIST_LIMIT,
  MAX_SCAN_PAGE,
  type CheckedItem,
  type CheckedList,
  type CheckedQuery,
  type CheckedScan,
  type StoreAdapter,
} from '../../src/store/checked.ts';
import { StoreError, type StoreModel } from '../../src/store/types.ts';

/** An adapter that records its calls and answers nothing in particular. */
function recorder() {
  const calls: Array<[string, unknown]> = [];
  const model: StoreModel = { id: 'm', version: '1', dims: 2 };
  const adapter: StoreAdapter = {
    model,
    capabilities: {
      kind: 'memory',
      exact: true,
      metrics: METRICS,
      maxTopK: 10,
      maxTopKById: 9,
      maxUpsertBatch: 2,
      list: true,
      scan: true,
      consistency: 'read-your-writes',
    },
    upsert: async (items: readonly CheckedItem[]) => (calls.push(['upsert', items]), { ids: items.map((i) => i.id) }),
    get: async (id: string, namespace: string) => (calls.push(['get', { id, namespace }]), null),
    delete: async (ids: readonly string[], namespace: string) => (calls.push(['delete', { ids, namespace }]), { ids: [...ids] }),
    list: async (request: CheckedList) => (calls.push(['list', request]), { items: [], cursor: null }),
    query: async (_vector: Float32Array, query: CheckedQuery) => (calls.push(['query', query]), { matches: [] }),
    queryById: async (id: string, query: CheckedQuery) => (calls.push(['queryById', { id, ...query }]), null),
    namespaces: async () => (calls.push(['namespaces', null]), []),
    async *scan(request: CheckedScan) {
      calls.push(['scan', request]);
      yield { ids: [], metadata: [], contentHashes: [], dims: 2 };
    },
  };
  return { calls, store: checkedStore(adapter) };
}

const vector = Float32Array.of(1, 2);

describe('checked store front', () => {
  it('fills in the defaults before the adapter sees a call', async () => {
    const { calls, store } = recorder();
    await store.upsert([{ id: 'a', vector }]);
    await store.get('a');
    await store.list();
    await store.query(vector, { topK: 3 });
    await store.queryById('a', { topK: 2, metric: 'dot', returnValues: true, returnMetadata: false, namespace: 'n' });
    expect(calls).toEqual([
      ['upsert', [{ id: 'a', namespace: 'default', vector, metadata: {} }]],
      ['get', { id: 'a', namespace: 'default' }],
      ['list', { namespace: 'default', cursor: null, limit: 100 }],
      ['query', { topK: 3, metric: 'cosine', namespace: 'default', filter: undefined, returnValues: false, returnMetadata: true }],
      ['queryById', { id: 'a', topK: 2, metric: 'dot', namespace: 'n', filter: undefined, returnValues: true, returnMetadata: false }],
    ]);
  });

  it('keeps list limits within 1 to 1000', async () => {
    const { calls, store } = recorder();
    await store.list({ limit: 0 });
    await store.list({ limit: 5000, cursor: 'c' });
    expect(calls.map(([, request]) => (request as CheckedList).limit)).toEqual([1, MAX_LIST_LIMIT]);
    expect((calls[1]![1] as CheckedList).cursor).toBe('c');
  });

  it('refuses bad input with a rejected promise and never calls the adapter', async () => {
    const { calls, store } = recorder();
    const refusals: Array<[Promise<unknown>, StoreError['code']]> = [
      [
        store.upsert([
          { id: 'a', vector },
          { id: 'b', vector },
          { id: 'c', vector },
        ]),
        'limit',
      ],
      [
        store.upsert([
          { id: 'a', vector },
          { id: 'a', vector },
        ]),
        'invalid',
      ],
      [store.upsert([{ id: 'a', vector: Float32Array.of(1) }]), 'invalid'],
      [store.upsert([{ id: 'a', vector, metadata: { _x: 1 } }]), 'invalid'],
      [store.get('.x'), 'invalid'],
      [store.delete(['ok', 'b/c']), 'invalid'],
      [store.list({ namespace: 'bad ns' }), 'invalid'],
      [store.query(vector, { topK: 11 }), 'limit'],
      [store.query(Float32Array.of(1, Number.NaN), { topK: 1 }), 'invalid'],
      [store.queryById('a', { topK: 10 }), 'limit'],
    ];
    for (const [promise, code] of refusals) {
      const error = await promise.then(
        () => expect.fail('accepted'),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe(code);
    }
    expect(calls).toEqual([]);
  });

  it('fills in scan defaults and passes the content hash; refuses a bad scan or hash before the adapter', async () => {
    const { calls, store } = recorder();
    const drain = async (iterable: AsyncIterable<unknown>) => {
      for await (const _ of iterable);
    };
    await drain(store.scan({ values: 'codes' }));
    await drain(store.scan({ values: 'exact', namespace: 'n', pageSize: MAX_SCAN_PAGE }));
    await store.upsert([{ id: 'h', vector, contentHash: 'f'.repeat(64) }]);
    expect(calls).toEqual([
      ['scan', { namespace: 'default', values: 'codes', pageSize: DEFAULT_SCAN_PAGE }],
      ['scan', { namespace: 'n', values: 'exact', pageSize: MAX_SCAN_PAGE }],
      ['upsert', [{ id: 'h', namespace: 'default', vector, metadata: {}, contentHash: 'f'.repeat(64) }]],
    ]);
    calls.length = 0;
    const refusals: Array<[Promise<unknown>, StoreError['code']]> = [
      [drain(store.scan({ values: 'codes', namespace: '.x' })), 'invalid'],
      [drain(store.scan({ values: 'vectors' as never })), 'invalid'],
      [drain(store.scan({ values: 'codes', pageSize: -1 })), 'invalid'],
      [drain(store.scan({ values: 'codes', pageSize: MAX_SCAN_PAGE + 1 })), 'limit'],
      [store.upsert([{ id: 'h', vector, contentHash: 'F'.repeat(64) }]), 'invalid'],
    ];
    for (const [promise, code] of refusals) {
      const error = await promise.then(
        () => expect.fail('accepted'),
        (e: unknown) => e,
      );
      expect((error as StoreError).code).toBe(code);
    }
    expect(calls).toEqual([]);
  });

  it('answers a delete of no ids itself', async () => {
    const { calls, store } = recorder();
    expect(await store.delete([])).toEqual({ ids: [] });
    expect(calls).toEqual([]);
  });
});
