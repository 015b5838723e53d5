/** The typed client's analytics methods inside workerd, against this Worker: every answer parsed by the contract. */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createClient, type EdgeFeaturesError } from '../../src/client/index.ts';
import { MODEL, plant, store } from './analytics-data.ts';
import { BASE, bearer, fixture, TEST_WRITE_KEY } from './helpers.ts';

const namespace = 'analytics-client';
const client = createClient({
  baseUrl: BASE,
  namespace,
  headers: bearer(TEST_WRITE_KEY),
  fetch: (request) => exports.default.fetch(request),
});

describe('the client: classify, classifiers, clusterings, duplicates, recommend', () => {
  it('calls every analytics route and returns typed answers', async () => {
    const { items, bases } = plant(['cat', 'cup'], 4, 31, 0.2);
    await store(namespace, items);
    const vote = await client.classify({ vector: bases.cat!, model: MODEL }, { k: 3 });
    expect(vote.label).toBe('cat');
    expect((await client.classify({ id: 'cup-0' }, { k: 3 })).label).toBe('cup');

    const trained = await client.trainClassifier({ method: 'centroid', folds: 2 });
    expect(trained).toMatchObject({ id: 'label-centroid', size: 8, crossValidation: { folds: 2 } });
    expect((await client.classifiers()).map((c) => c.id)).toEqual(['label-centroid']);
    expect((await client.getClassifier('label-centroid'))?.version).toBe(1);
    expect((await client.predict('label-centroid', { vector: bases.cup!, model: MODEL })).label).toBe('cup');
    await client.deleteClassifier('label-centroid');
    expect(await client.getClassifier('label-centroid')).toBeNull();

    const clustering = await client.cluster({ k: 2, seed: 3, id: 'two' });
    expect(clustering.clusters.map((c) => c.size)).toEqual([4, 4]);
    const of = await client.itemCluster('two', 'cat-1');
    const members = await client.clusterItems('two', of.cluster);
    expect(members.ids.toSorted()).toEqual(['cat-0', 'cat-1', 'cat-2', 'cat-3']);
    expect((await client.assignCluster('two', { vector: bases.cat!, model: MODEL })).cluster).toBe(of.cluster);
    expect((await client.clusterings()).map((c) => c.id)).toEqual(['two']);
    await client.deleteClustering('two');
    expect(await client.getClustering('two')).toBeNull();

    await client.putItem('photo-1', { image: fixture('coffee.png') });
    await client.putItem('photo-2', { image: fixture('coffee.png') });
    expect((await client.duplicates({ exactOnly: true })).groups).toEqual([{ ids: ['photo-1', 'photo-2'], kind: 'exact', minScore: 1 }]);
    expect((await client.checkDuplicate(fixture('coffee.png'), { threshold: 0.99999 })).exact).toEqual(['photo-1', 'photo-2']);

    const recommended = await client.recommend(['cat-0'], { negative: ['cup-0'], k: 3, filter: { label: { $in: ['cat', 'cup'] } } });
    expect(recommended.results.map((r) => r.id).every((id) => id.startsWith('cat-') && id !== 'cat-0')).toBe(true);
    const best = await client.recommend([{ vector: bases.cup!, model: MODEL }], { strategy: 'best_score', k: 2 });
    expect(best.results.every((r) => r.id.startsWith('cup-'))).toBe(true);

    const refused = (await client.trainClassifier({ method: 'logistic', label: 'nope' }).catch((e: unknown) => e)) as EdgeFeaturesError;
    expect(refused).toMatchObject({ kind: 'http', status: 422, problemKind: 'label-not-found' });
  });
});
