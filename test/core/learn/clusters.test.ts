import { describe, expect, it } from 'vitest';
import { clusterSummaries, nearestCentroid } from '../../../src/core/learn/clusters.ts';
import { kmeans } from '../../../src/core/learn/kmeans.ts';
import { float32Rows } from '../../../src/core/learn/rows.ts';
import { blobs } from './synthetic.ts';

describe('nearestCentroid', () => {
  it('answers the cluster k-means assigned, for every row (both metrics)', () => {
    const { data, dims } = blobs([40, 40, 40], 6, 0.8, 12);
    const rows = float32Rows(data, dims);
    for (const metric of ['cosine', 'euclidean'] as const) {
      const result = kmeans(rows, { k: 3, metric, seed: 1 });
      const stored = Array.from(result.centroids); // as JSON keeps it
      for (let i = 0; i < rows.count; i++) {
        expect(nearestCentroid(stored, 3, data.subarray(i * dims, i * dims + dims), metric).cluster).toBe(result.assignments[i]);
      }
    }
  });

  it('scores by cosine similarity or euclidean distance', () => {
    const centroids = [1, 0, 0, 1];
    expect(nearestCentroid(centroids, 2, [0, 2], 'cosine')).toEqual({ cluster: 1, score: 1 });
    expect(nearestCentroid(centroids, 2, [4, 3], 'euclidean')).toEqual({ cluster: 0, score: Math.sqrt(18) });
    expect(() => nearestCentroid(centroids, 3, [1, 0], 'cosine')).toThrow(RangeError);
  });
});

describe('clusterSummaries', () => {
  it('counts each cluster and lists the rows nearest its centroid, nearest first', () => {
    // Cluster 0: x = 0, 1, 3 (centroid 4/3); cluster 1: x = 10, 12 (centroid 11).
    const rows = float32Rows(Float32Array.from([0, 1, 3, 10, 12]), 1);
    const result = { k: 2, centroids: Float32Array.from([4 / 3, 11]), assignments: Int32Array.from([0, 0, 0, 1, 1]) };
    const summaries = clusterSummaries(rows, result, 'euclidean', 2);
    expect(summaries.map((s) => s.size)).toEqual([3, 2]);
    expect(summaries[0]!.nearest.map((n) => n.index)).toEqual([1, 0]);
    expect(summaries[0]!.nearest[0]!.score).toBeCloseTo(1 / 3, 6);
    expect(summaries[1]!.nearest.map((n) => n.index)).toEqual([3, 4]);
  });
});
