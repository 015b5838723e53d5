/**
 * Classify, classifiers, clusterings, duplicates and recommend, inside workerd against the Worker with its KV
 * store, on planted data whose outcomes are known (analytics-data.ts) and on a few real images.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { cosine } from '../../src/core/vector/metrics.ts';
import { KvResourceStore } from '../../src/store/resources.ts';
import { buildApp, type Env } from '../../src/worker.ts';
import { FakeVectorize } from '../support/vectorize-fake.ts';
import { DIMS, handKnn, json, MODEL, ok, plant, store } from './analytics-data.ts';
import { call, expectProblem, fixture, request, toBase64 } from './helpers.ts';

let n = 0;
const ns = () => `analytics-${++n}`;
const CLASSES = ['cat', 'cup', 'car'];

interface ClassifyAnswer {
  label: string;
  labels: Array<{ label: string; probability: number; count: number }>;
  neighbours: Array<{ id: string; score: number; label: string }>;
  k: number;
  field: string;
}

describe('POST /v1/classify (k-NN)', () => {
  it('votes as scikit-learn KNeighborsClassifier(weights=distance, metric=cosine) does, by hand', async () => {
    const namespace = ns();
    const { items } = plant(CLASSES, 6, 1, 0.6); // noisy enough that neighbours of other classes take part
    await store(namespace, [...items, { id: 'unlabelled', label: undefined, vector: items[0]!.vector }]);
    const query = items[3]!.vector.map((v, i) => v + 0.4 * (items[9]!.vector[i]! - v)); // between two classes
    const answer = await ok<ClassifyAnswer>(await call('/v1/classify', json({ vector: query, model: MODEL, namespace, k: 5 })));
    const expected = handKnn(query, items, 5);
    expect(answer.neighbours.map((x) => x.id)).toEqual(expected.neighbours.map((x) => x.id));
    expect(answer.neighbours.map((x) => x.id)).not.toContain('unlabelled');
    expect(answer.label).toBe(expected.label);
    for (const { label, probability, count } of answer.labels) {
      expect(probability, label).toBeCloseTo(expected.shares[label]!, 5);
      expect(count).toBe(expected.neighbours.filter((x) => x.label === label).length);
    }
    expect(answer.labels.reduce((sum, x) => sum + x.probability, 0)).toBeCloseTo(1, 6);
    expect(answer).toMatchObject({ k: 5, field: 'label', metric: 'cosine', namespace });
  });

  it('classifies a stored item by its neighbours without itself, and a real image by stored real images', async () => {
    const namespace = ns();
    const { items } = plant(CLASSES, 4, 2);
    await store(namespace, items);
    const byId = await ok<ClassifyAnswer>(await call('/v1/classify', json({ id: 'cup-1', namespace, k: 3 })));
    expect(byId.label).toBe('cup');
    expect(byId.neighbours.map((x) => x.id)).not.toContain('cup-1');
    expect(byId.neighbours.every((x) => x.label === 'cup')).toBe(true);

    const photos = ns();
    for (const [id, file, kind] of [
      ['chelsea', 'chelsea.png', 'cat'],
      ['coffee', 'coffee.png', 'cup'],
    ] as const) {
      await ok(await call(`/v1/items/${id}?namespace=${photos}`, json({ image: toBase64(fixture(file)), metadata: { kind } }, 'PUT')));
    }
    const raw = await call(`/v1/classify?namespace=${photos}&k=1&label=kind`, {
      method: 'POST',
      body: fixture('chelsea-q90.jpg'),
      headers: { 'content-type': 'image/jpeg' },
    });
    const answer = await ok<ClassifyAnswer>(raw);
    expect(answer).toMatchObject({ label: 'cat', field: 'kind', k: 1 });
    expect(answer.neighbours[0]!.id).toBe('chelsea');
  });

  it('refuses an unknown label field, k above the labelled items, and a vector of another model', async () => {
    const namespace = ns();
    await store(namespace, plant(CLASSES, 2, 3).items);
    const unknown = await expectProblem(await call('/v1/classify', json({ id: 'cat-0', namespace, label: 'species' })), 422);
    expect(unknown.type).toMatch(/label-not-found$/);
    expect(unknown.field).toBe('species');
    const tooMany = await expectProblem(await call('/v1/classify', json({ id: 'cat-0', namespace, k: 6 })), 422);
    expect(tooMany.type).toMatch(/too-few-items$/);
    expect(tooMany.count).toBe(5);
    const aboveStore = await expectProblem(await call('/v1/classify', json({ id: 'cat-0', namespace, k: 101 })), 422);
    expect(aboveStore.type).toMatch(/k-too-large$/);
    const vector = Array.from({ length: DIMS }, () => 0.1);
    const other = await expectProblem(await call('/v1/classify', json({ vector, model: { ...MODEL, version: '9' }, namespace })), 422);
    expect(other.type).toMatch(/model-mismatch$/);
    const missing = await expectProblem(await call('/v1/classify', json({ id: 'nobody', namespace })), 404);
    expect(missing.type).toMatch(/item-not-found$/);
    const both = await expectProblem(await call('/v1/classify', json({ id: 'cat-0', vector, model: MODEL, namespace })), 422);
    expect(both.type).toMatch(/invalid-field$/);
  });
});

interface ClassifierAnswer {
  id: string;
  version: number;
  method: string;
  label: string;
  model: { id: string; version: string };
  size: number;
  classes: Array<{ label: string; count: number }>;
  crossValidation: { folds: number; accuracy: number; perFold: number[] };
  trainedAt: string;
}

describe('/v1/classifiers', () => {
  it('trains logistic and centroid classifiers that predict the planted classes, with cross-validated accuracy', async () => {
    const namespace = ns();
    const { items, bases } = plant(CLASSES, 6, 4, 0.3);
    await store(namespace, [...items, { id: 'loose', label: undefined, vector: items[0]!.vector }], 'kind');
    for (const method of ['logistic', 'centroid'] as const) {
      const trained = await ok<ClassifierAnswer>(
        await call(`/v1/classifiers?namespace=${namespace}`, json({ method, label: 'kind', folds: 3 })),
        201,
      );
      expect(trained).toMatchObject({ id: `kind-${method}`, version: 1, method, label: 'kind', size: 18, model: MODEL });
      expect(trained.classes).toEqual(CLASSES.toSorted().map((label) => ({ label, count: 6 })));
      expect(trained.crossValidation.folds).toBe(3);
      expect(trained.crossValidation.perFold).toHaveLength(3);
      expect(trained.crossValidation.accuracy).toBeGreaterThanOrEqual(0.9);
      expect(Date.parse(trained.trainedAt)).not.toBeNaN();
      for (const label of CLASSES) {
        const vector = Array.from(bases[label]!);
        const predicted = await ok<{ label: string; probabilities: Array<{ label: string; probability: number }>; classifier: object }>(
          await call(`/v1/classifiers/kind-${method}/predict?namespace=${namespace}`, json({ vector, model: MODEL })),
        );
        expect(predicted.label, `${method} ${label}`).toBe(label);
        expect(predicted.probabilities[0]!.label).toBe(label);
        expect(predicted.probabilities.reduce((sum, p) => sum + p.probability, 0)).toBeCloseTo(1, 5);
        expect(predicted.classifier).toEqual({ id: `kind-${method}`, version: 1, method });
      }
      const byId = await ok<{ label: string }>(
        await call(`/v1/classifiers/kind-${method}/predict?namespace=${namespace}`, json({ id: 'car-2' })),
      );
      expect(byId.label).toBe('car');
    }
    const again = await ok<ClassifierAnswer>(
      await call(`/v1/classifiers?namespace=${namespace}`, json({ method: 'logistic', label: 'kind', folds: 3 })),
      201,
    );
    expect(again.version).toBe(2);
    expect(again.crossValidation).toEqual(
      (await ok<ClassifierAnswer>(await call(`/v1/classifiers/kind-logistic?namespace=${namespace}`))).crossValidation,
    );
    const listed = await ok<{ classifiers: ClassifierAnswer[] }>(await call(`/v1/classifiers?namespace=${namespace}`));
    expect(listed.classifiers.map((c) => [c.id, c.version])).toEqual([
      ['kind-centroid', 1],
      ['kind-logistic', 2],
    ]);
    expect((await call(`/v1/classifiers/kind-centroid?namespace=${namespace}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await expectProblem(await call(`/v1/classifiers/kind-centroid?namespace=${namespace}`), 404);
    expect(gone.type).toMatch(/classifier-not-found$/);
  });

  it('refuses too few labelled items, a single class, an unknown label field, and a classifier of another model', async () => {
    const namespace = ns();
    const { items } = plant(['a', 'b'], 3, 5);
    await store(namespace, [...items.slice(0, 3), items[3]!]); // a: 3, b: 1
    const few = await expectProblem(await call(`/v1/classifiers?namespace=${namespace}`, json({ method: 'logistic' })), 422);
    expect(few.type).toMatch(/too-few-labelled$/);
    expect(few.detail).toMatch(/"b" has 1/);
    const single = ns();
    await store(single, items.slice(0, 3));
    expect((await expectProblem(await call(`/v1/classifiers?namespace=${single}`, json({ method: 'centroid' })), 422)).type).toMatch(
      /too-few-labelled$/,
    );
    const unknown = await expectProblem(
      await call(`/v1/classifiers?namespace=${namespace}`, json({ method: 'centroid', label: 'nope' })),
      422,
    );
    expect(unknown.type).toMatch(/label-not-found$/);
    const badMethod = await expectProblem(await call(`/v1/classifiers?namespace=${namespace}`, json({ method: 'svm' })), 422);
    expect(badMethod.field).toBe('method');

    // Trained on this model's vectors: another model's deployment over the same KV never sees it ...
    const trainedNs = ns();
    await store(trainedNs, plant(['a', 'b'], 3, 6).items);
    await ok(await call(`/v1/classifiers?namespace=${trainedNs}`, json({ method: 'centroid', id: 'mine', folds: 2 })), 201);
    const wide = buildApp({ ...(env as unknown as Env), MODEL_ID: 'vgg16-synthetic' });
    const elsewhere = await wide.fetch(request(`/v1/classifiers/mine?namespace=${trainedNs}`), env);
    expect((await expectProblem(elsewhere, 404)).type).toMatch(/classifier-not-found$/);
    // ... and a stored classifier that names another model is refused, not applied.
    const resources = new KvResourceStore((env as unknown as Env).ITEMS!, MODEL);
    const stored = (await resources.get('classifier', trainedNs, 'mine')) as Record<string, unknown>;
    await resources.put('classifier', trainedNs, 'theirs', {
      ...stored,
      id: 'theirs',
      model: { id: 'vgg16-synthetic', version: '1', dims: 512 },
    });
    const vector = plant(['a'], 1, 6).items[0]!.vector;
    const refused = await expectProblem(
      await call(`/v1/classifiers/theirs/predict?namespace=${trainedNs}`, json({ vector, model: MODEL })),
      409,
    );
    expect(refused.type).toMatch(/resource-model-mismatch$/);
    expect(refused.found).toMatchObject({ id: 'vgg16-synthetic' });
    const otherVector = await expectProblem(
      await call(`/v1/classifiers/mine/predict?namespace=${trainedNs}`, json({ vector, model: { id: 'vgg16-synthetic', version: '1' } })),
      422,
    );
    expect(otherVector.type).toMatch(/model-mismatch$/);
  });
});

interface ClusteringAnswer {
  id: string;
  k: number;
  silhouette: number;
  size: number;
  clusters: Array<{ cluster: number; size: number; nearest: Array<{ id: string; score: number }> }>;
  tried?: Array<{ k: number; silhouette: number }>;
}

describe('/v1/clusterings', () => {
  it('seeded k-means recovers the planted clusters, reproducibly; lookups and assignment agree', async () => {
    const namespace = ns();
    const { items, bases } = plant(CLASSES, 7, 7, 0.15);
    await store(namespace, items);
    const body = { k: 3, seed: 11, restarts: 3 };
    const first = await ok<ClusteringAnswer>(await call(`/v1/clusterings?namespace=${namespace}`, json({ ...body, id: 'one' })), 201);
    const second = await ok<ClusteringAnswer>(await call(`/v1/clusterings?namespace=${namespace}`, json({ ...body, id: 'two' })), 201);
    expect(first).toMatchObject({ id: 'one', k: 3, size: 21 });
    expect(first.clusters.map((c) => c.size)).toEqual([7, 7, 7]);
    expect(first.silhouette).toBeGreaterThan(0.5);
    const { id: _a, createdAt: _c1, ...restFirst } = first as ClusteringAnswer & { createdAt: string };
    const { id: _b, createdAt: _c2, ...restSecond } = second as ClusteringAnswer & { createdAt: string };
    expect(restSecond).toEqual(restFirst);

    const clusterOf = new Map<string, number>();
    for (const item of items) {
      const found = await ok<{ cluster: number; score: number }>(await call(`/v1/clusterings/one/items/${item.id}?namespace=${namespace}`));
      clusterOf.set(item.id, found.cluster);
      expect(found.score).toBeGreaterThan(0.5);
    }
    for (const label of CLASSES) {
      const clusters = new Set(items.filter((item) => item.label === label).map((item) => clusterOf.get(item.id)));
      expect(clusters.size, label).toBe(1); // a planted class is one cluster ...
    }
    expect(new Set(clusterOf.values()).size).toBe(3); // ... and the three are different clusters
    const cat = clusterOf.get('cat-0')!;
    const members = await ok<{ ids: string[]; size: number; centroid: number[] }>(
      await call(`/v1/clusterings/one/clusters/${cat}?namespace=${namespace}`),
    );
    expect(members.ids.toSorted()).toEqual(
      items
        .filter((item) => item.label === 'cat')
        .map((item) => item.id)
        .toSorted(),
    );
    expect(members.centroid).toHaveLength(DIMS);
    expect(first.clusters[cat]!.nearest[0]!.id).toBe(members.ids[0]);
    const assigned = await ok<{ cluster: number; score: number }>(
      await call(`/v1/clusterings/one/assign?namespace=${namespace}`, json({ vector: Array.from(bases.cat!), model: MODEL })),
    );
    expect(assigned.cluster).toBe(cat);
    expect(assigned.score).toBeCloseTo(cosine(Array.from(bases.cat!), members.centroid), 5);
  });

  it('chooses k by silhouette in a range; refuses k above the namespace, a missing cluster and bad ranges', async () => {
    const namespace = ns();
    await store(namespace, plant(CLASSES, 5, 8, 0.15).items);
    const chosen = await ok<ClusteringAnswer>(await call(`/v1/clusterings?namespace=${namespace}`, json({ kMin: 2, kMax: 6 })), 201);
    expect(chosen.k).toBe(3);
    expect(chosen.tried!.map((t) => t.k)).toEqual([2, 3, 4, 5, 6]);
    expect(Math.max(...chosen.tried!.map((t) => t.silhouette))).toBe(chosen.silhouette);
    const tooMany = await expectProblem(await call(`/v1/clusterings?namespace=${namespace}`, json({ k: 16 })), 422);
    expect(tooMany.type).toMatch(/too-few-items$/);
    expect(tooMany.count).toBe(15);
    const both = await expectProblem(await call(`/v1/clusterings?namespace=${namespace}`, json({ k: 3, kMin: 2, kMax: 4 })), 422);
    expect(both.type).toMatch(/invalid-field$/);
    const missing = await expectProblem(await call(`/v1/clusterings/${chosen.id}/clusters/3?namespace=${namespace}`), 404);
    expect(missing.type).toMatch(/cluster-not-found$/);
    expect((await expectProblem(await call(`/v1/clusterings/nope?namespace=${namespace}`), 404)).type).toMatch(/clustering-not-found$/);
    const listed = await ok<{ clusterings: ClusteringAnswer[] }>(await call(`/v1/clusterings?namespace=${namespace}`));
    expect(listed.clusterings.map((c) => c.id)).toEqual([chosen.id]);
  });
});

interface DuplicatesAnswer {
  threshold: number;
  groups: Array<{ ids: string[]; kind: string; minScore: number }>;
}

describe('/v1/duplicates', () => {
  it('finds the same image stored twice (exact), and says so for an image checked against the store', async () => {
    const namespace = ns();
    for (const [id, file] of [
      ['chelsea-1', 'chelsea.png'],
      ['chelsea-2', 'chelsea.png'],
      ['coffee', 'coffee.png'],
    ] as const) {
      await ok(
        await call(`/v1/items/${id}?namespace=${namespace}`, {
          method: 'PUT',
          body: fixture(file),
          headers: { 'content-type': 'image/png' },
        }),
      );
    }
    // The synthetic test model's vectors of any two photos are close (~0.997 here): near-duplicates of real
    // photos are tested with the real model (analytics-photos.test.ts); this one is about the bytes.
    const exactOnly = await ok<DuplicatesAnswer>(await call(`/v1/duplicates?namespace=${namespace}&exact=true`));
    expect(exactOnly.groups).toEqual([{ ids: ['chelsea-1', 'chelsea-2'], kind: 'exact', minScore: 1 }]);
    const strict = await ok<DuplicatesAnswer>(await call(`/v1/duplicates?namespace=${namespace}&threshold=0.99999`));
    expect(strict.groups).toEqual([{ ids: ['chelsea-1', 'chelsea-2'], kind: 'exact', minScore: 1 }]);
    const check = await ok<{ exact: string[]; near: Array<{ id: string; score: number }>; sha256: string }>(
      await call(`/v1/duplicates/check?namespace=${namespace}`, json({ image: toBase64(fixture('chelsea.png')), threshold: 0.99999 })),
    );
    expect(check.exact).toEqual(['chelsea-1', 'chelsea-2']);
    expect(check.near).toEqual([]);
    expect(check.sha256).toMatch(/^[0-9a-f]{64}$/);
    const other = await ok<{ exact: string[] }>(
      await call(`/v1/duplicates/check?namespace=${namespace}&threshold=0.99999`, {
        method: 'POST',
        body: fixture('chelsea-q90.jpg'),
        headers: { 'content-type': 'image/jpeg' },
      }),
    );
    expect(other.exact).toEqual([]);
  });

  it('groups near copies of a vector transitively at the threshold, and leaves distinct items out', async () => {
    const namespace = ns();
    const { items } = plant(['x', 'y', 'z'], 1, 9);
    const base = items[0]!.vector;
    const copy = base.map((v, i) => Math.fround(v + 0.02 * Math.sin(i)));
    const copyOfCopy = copy.map((v, i) => Math.fround(v + 0.02 * Math.cos(i)));
    await store(namespace, [
      ...items,
      { id: 'x-copy', label: undefined, vector: copy },
      { id: 'x-copy-2', label: undefined, vector: copyOfCopy },
    ]);
    const found = await ok<DuplicatesAnswer>(await call(`/v1/duplicates?namespace=${namespace}&threshold=0.95`));
    expect(found.threshold).toBe(0.95);
    expect(found.groups).toHaveLength(1);
    expect(found.groups[0]).toMatchObject({ ids: ['x-0', 'x-copy', 'x-copy-2'], kind: 'near' });
    const pairs = [cosine(base, copy), cosine(copy, copyOfCopy), cosine(base, copyOfCopy)];
    expect(found.groups[0]!.minScore).toBeCloseTo(Math.min(...pairs), 2);
    expect(found.groups[0]!.minScore).toBeGreaterThanOrEqual(0.95);
    const byDefault = await ok<DuplicatesAnswer>(await call(`/v1/duplicates?namespace=${namespace}`));
    expect(byDefault.threshold).toBe(0.9);
    expect(byDefault.groups.map((g) => g.ids)).toEqual([['x-0', 'x-copy', 'x-copy-2']]);
    const bad = await expectProblem(await call(`/v1/duplicates?namespace=${namespace}&threshold=2`), 422);
    expect(bad.field).toBe('threshold');
  });
});

interface RecommendAnswer {
  results: Array<{ id: string; score: number; metadata: Record<string, unknown> }>;
  strategy: string;
  k: number;
}

describe('POST /v1/recommend', () => {
  it('both strategies recommend the positive class, never the examples; negatives and vectors count', async () => {
    const namespace = ns();
    const { items, bases } = plant(CLASSES, 5, 10, 0.2);
    await store(namespace, items);
    for (const strategy of ['average_vector', 'best_score'] as const) {
      const answer = await ok<RecommendAnswer>(
        await call('/v1/recommend', json({ positive: ['cat-0', 'cat-1'], negative: ['cup-0'], strategy, k: 3, namespace })),
      );
      expect(answer.strategy).toBe(strategy);
      expect(answer.results).toHaveLength(3);
      expect(
        answer.results.map((r) => r.id).every((id) => id.startsWith('cat-') && id !== 'cat-0' && id !== 'cat-1'),
        strategy,
      ).toBe(true);
      expect(answer.results[0]!.metadata).toEqual({ label: 'cat' });
      const all = await ok<RecommendAnswer>(await call('/v1/recommend', json({ positive: ['car-0'], strategy, k: 14, namespace })));
      expect(all.results.map((r) => r.id)).not.toContain('car-0');
      expect(all.results).toHaveLength(14);
      const byVector = await ok<RecommendAnswer>(
        await call(
          '/v1/recommend',
          json({ positive: [{ vector: Array.from(bases.cup!), model: MODEL }], strategy, k: 5, namespace, filter: { label: 'cup' } }),
        ),
      );
      expect(byVector.results.map((r) => r.id).toSorted()).toEqual(['cup-0', 'cup-1', 'cup-2', 'cup-3', 'cup-4']);
    }
    const missing = await expectProblem(await call('/v1/recommend', json({ positive: ['nobody'], namespace })), 404);
    expect(missing.type).toMatch(/item-not-found$/);
    const empty = await expectProblem(await call('/v1/recommend', json({ positive: [], namespace })), 422);
    expect(empty.field).toBe('positive');
  });
});

describe('limits and stores', () => {
  it('refuses a namespace over ANALYTICS_MAX_ITEMS with 413 before working on it', async () => {
    const small = buildApp({ ...(env as unknown as Env), ANALYTICS_MAX_ITEMS: '5' });
    const fetchSmall = async (path: string, init?: RequestInit) => small.fetch(request(path, init), env);
    const namespace = ns();
    await store(namespace, plant(['a', 'b'], 3, 12).items);
    for (const [path, init] of [
      [`/v1/clusterings?namespace=${namespace}`, json({ k: 2 })],
      [`/v1/classifiers?namespace=${namespace}`, json({ method: 'centroid' })],
      [`/v1/duplicates?namespace=${namespace}`, undefined],
      ['/v1/recommend', json({ positive: ['a-0'], strategy: 'best_score', namespace })],
    ] as const) {
      const refused = await expectProblem(await fetchSmall(path, init), 413);
      expect(refused.type, path).toMatch(/namespace-too-large$/);
      expect(refused.limit).toBe(5);
    }
    // k-NN and average_vector are searches: no limit.
    await ok(await fetchSmall('/v1/classify', json({ id: 'a-0', namespace, k: 2 })));
    await ok(await fetchSmall('/v1/recommend', json({ positive: ['a-0'], namespace })));
  });

  it('answers 501 on Vectorize where a namespace must be read whole, and classifies there by search', async () => {
    const index = new FakeVectorize({ dimensions: DIMS, metric: 'cosine' });
    const app = buildApp({
      ...(env as unknown as Env),
      VECTOR_STORE: 'vectorize',
      VECTORIZE_METRIC: 'cosine',
      VECTORIZE: index as unknown as Vectorize,
    });
    const fetchV = async (path: string, init?: RequestInit) => app.fetch(request(path, init), env);
    const namespace = ns();
    await store(namespace, plant(['a', 'b'], 3, 13).items, 'label', fetchV);
    index.flush();
    for (const [path, init] of [
      [`/v1/clusterings?namespace=${namespace}`, json({ k: 2 })],
      [`/v1/duplicates?namespace=${namespace}`, undefined],
    ] as const) {
      const refused = await expectProblem(await fetchV(path, init), 501);
      expect(refused.type).toMatch(/not-supported$/);
      expect(refused.detail).toMatch(/scan/);
    }
    const classified = await ok<ClassifyAnswer>(await fetchV('/v1/classify', json({ id: 'a-0', namespace, k: 2 })));
    expect(classified.label).toBe('a');
  });
});
