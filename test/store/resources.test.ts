/** The resource store (classifiers, clusterings) over a Map and over the KV stand-in; workerd runs it over real KV. */
import { describe, expect, it } from 'vitest';
import { KvResourceStore, MemoryResourceStore, resourcePrefix } from '../../src/store/resources.ts';
import { KvMap } from '../support/kv-map.ts';
import { resourceContract } from '../support/store-contract.ts';

resourceContract('memory', () => {
  const entries = new Map<string, string>();
  return { create: (model) => new MemoryResourceStore(model, entries) };
});

resourceContract('kv-map', () => {
  const kv = new KvMap();
  return { create: (model) => new KvResourceStore(kv.binding(), model) };
});

describe('KV resource keys', () => {
  it('are resources/<model>@<version>/<kind>/<namespace>/<id>, beside the items and never among them', async () => {
    const kv = new KvMap();
    const store = new KvResourceStore(kv.binding(), { id: 'vgg16', version: '2024.1 beta' });
    await store.put('clustering', 'photos', 'by-colour', { k: 4 });
    expect([...kv.entries.keys()]).toEqual(['resources/vgg16@2024.1%20beta/clustering/photos/by-colour']);
    expect(resourcePrefix({ id: 'vgg16', version: '1' }, 'classifier', 'default')).toBe('resources/vgg16@1/classifier/default/');
    expect(JSON.parse(kv.entries.get('resources/vgg16@2024.1%20beta/clustering/photos/by-colour')!.value)).toEqual({ k: 4 });
  });

  it('lists past one KV page (1000 keys)', async () => {
    const kv = new KvMap();
    const store = new KvResourceStore(kv.binding(), { id: 'm', version: '1' });
    const ids = Array.from({ length: 1203 }, (_, i) => `c${String(i).padStart(4, '0')}`);
    await Promise.all(ids.map((id) => store.put('classifier', 'default', id, { id })));
    const before = kv.calls.list;
    expect(await store.list('classifier', 'default')).toEqual(ids);
    expect(kv.calls.list - before).toBe(2);
  });
});
