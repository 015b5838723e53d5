import { describe, expect, it } from 'vitest';
import { trainCentroid } from '../../../src/core/learn/centroid.ts';
import { predict } from '../../../src/core/learn/classifier.ts';
import { groups, similarPairs } from '../../../src/core/learn/duplicates.ts';
import { kmeans } from '../../../src/core/learn/kmeans.ts';
import { trainLogistic } from '../../../src/core/learn/logistic.ts';
import { float32Rows, int8Rows } from '../../../src/core/learn/rows.ts';

describe('degenerate inputs', () => {
  const same = float32Rows(
    Float32Array.from({ length: 8 * 4 }, (_, i) => (i % 4) + 1),
    4,
  );

  it('k-means on identical rows: every row assigned, inertia 0, finite centroids', () => {
    for (const metric of ['cosine', 'euclidean'] as const) {
      const result = kmeans(same, { k: 3, metric, seed: 0 });
      expect(result.inertia).toBeCloseTo(0, 6);
      expect(result.assignments.every((a) => a >= 0 && a < 3)).toBe(true);
      expect(result.centroids.every(Number.isFinite)).toBe(true);
    }
  });

  it('k-means on zero rows (cosine): no NaN', () => {
    const zeros = int8Rows(new Int8Array(6 * 3), new Float32Array(6).fill(0.1), 3);
    const result = kmeans(zeros, { k: 2, metric: 'cosine', seed: 1 });
    expect(Number.isFinite(result.inertia)).toBe(true);
    expect(result.centroids.every(Number.isFinite)).toBe(true);
  });

  it('similarPairs on identical rows pairs them all, into one group', () => {
    const pairs = similarPairs(same, 0.999, 'cosine');
    expect(pairs).toHaveLength((8 * 7) / 2);
    expect(groups(8, pairs)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7]]);
    expect(similarPairs(same, 0, 'euclidean')).toHaveLength(28);
  });

  it('classifiers on identical rows of two classes stay finite and undecided', () => {
    const labels = ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b'];
    const v = Float32Array.from([1, 2, 3, 4]);
    for (const model of [trainLogistic(same, labels), trainCentroid(same, labels), trainCentroid(same, labels, { metric: 'euclidean' })]) {
      const ranked = predict(model, v);
      expect(ranked[0]!.probability).toBeCloseTo(0.5, 6);
      expect(ranked.every((r) => Number.isFinite(r.probability))).toBe(true);
      expect(JSON.parse(JSON.stringify(model))).toEqual(model);
    }
  });
});
