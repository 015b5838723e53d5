import { describe, expect, it } from 'vitest';
import { chooseK, kmeans } from '../../../src/core/learn/kmeans.ts';
import { float32Rows, int8Rows } from '../../../src/core/learn/rows.ts';
import { ari } from '../../../src/core/learn/scores.ts';
import { blobs, quantise } from './synthetic.ts';

describe('kmeans', () => {
  const planted = blobs([40, 30, 50, 20], 12, 0.15, 21, 2);
  const rows = float32Rows(planted.data, planted.dims);

  it('is reproducible for a seed, and differs across seeds on ambiguous data', () => {
    const a = kmeans(rows, { k: 4, metric: 'euclidean', seed: 7 });
    const b = kmeans(rows, { k: 4, metric: 'euclidean', seed: 7 });
    expect(Array.from(b.assignments)).toEqual(Array.from(a.assignments));
    expect(Array.from(b.centroids)).toEqual(Array.from(a.centroids));
    expect(b.inertia).toBe(a.inertia);
    const noise = blobs([200], 6, 1, 2);
    const noiseRows = float32Rows(noise.data, noise.dims);
    const one = kmeans(noiseRows, { k: 5, metric: 'euclidean', seed: 1, restarts: 1 });
    const other = kmeans(noiseRows, { k: 5, metric: 'euclidean', seed: 2, restarts: 1 });
    expect(Array.from(other.assignments)).not.toEqual(Array.from(one.assignments));
  });

  it.each(['euclidean', 'cosine'] as const)('recovers planted well-separated clusters (%s, ARI 1)', (metric) => {
    const result = kmeans(rows, { k: 4, metric, seed: 3 });
    expect(ari(planted.truth, result.assignments)).toBe(1);
    expect(result.assignments.length).toBe(140);
    expect(result.centroids.length).toBe(4 * 12);
    expect(result.iterations).toBeGreaterThan(0);
  });

  it('keeps cosine centroids on the unit sphere and cosine inertia as Σ(1 - cos)', () => {
    const result = kmeans(rows, { k: 4, metric: 'cosine', seed: 3 });
    let inertia = 0;
    for (let j = 0; j < 4; j++) {
      const c = result.centroids.subarray(j * 12, j * 12 + 12);
      expect(Math.hypot(...c)).toBeCloseTo(1, 5);
    }
    for (let i = 0; i < rows.count; i++) {
      const j = result.assignments[i]!;
      inertia += 1 - rows.dot(i, result.centroids.subarray(j * 12, j * 12 + 12)) / rows.norm(i);
    }
    expect(result.inertia).toBeCloseTo(inertia, 6);
  });

  it('assigns every row to its nearest centroid and reports the euclidean inertia', () => {
    const noise = blobs([300], 4, 1, 9);
    const r = float32Rows(noise.data, noise.dims);
    const result = kmeans(r, { k: 6, metric: 'euclidean', seed: 4 });
    let inertia = 0;
    for (let i = 0; i < r.count; i++) {
      const distances = Array.from({ length: 6 }, (_, j) => {
        let s = 0;
        for (let t = 0; t < 4; t++) s += (noise.data[i * 4 + t]! - result.centroids[j * 4 + t]!) ** 2;
        return s;
      });
      const nearest = distances.indexOf(Math.min(...distances));
      expect(result.assignments[i]).toBe(nearest);
      inertia += distances[nearest]!;
    }
    expect(result.inertia).toBeCloseTo(inertia, 6);
  });

  it('ends at a fixed point with tolerance 0: every centroid is the mean of its rows', () => {
    const noise = blobs([400], 8, 1, 19);
    const r = float32Rows(noise.data, noise.dims);
    const result = kmeans(r, { k: 5, metric: 'euclidean', seed: 2, tolerance: 0, maxIter: 1000 });
    expect(result.iterations).toBeLessThan(1000);
    for (let j = 0; j < 5; j++) {
      const members = [...result.assignments.keys()].filter((i) => result.assignments[i] === j);
      expect(members.length).toBeGreaterThan(0);
      for (let t = 0; t < 8; t++) {
        const mean = members.reduce((sum, i) => sum + noise.data[i * 8 + t]!, 0) / members.length;
        expect(result.centroids[j * 8 + t]).toBeCloseTo(mean, 5);
      }
    }
  });

  it('reaches the inertia scikit-learn reaches on the same data', () => {
    // 10 overlapping blobs of 60 in 20-d; scikit-learn 1.2.1 KMeans(10, n_init=4), random_state 0..2:
    // inertia 11707.504434993803, 12305.47103149008, 11707.531016057335.
    const data = blobs(Array(10).fill(60), 20, 1, 5);
    const result = kmeans(float32Rows(data.data, data.dims), { k: 10, metric: 'euclidean', seed: 0 });
    expect(result.inertia).toBeLessThanOrEqual(11707.504434993803 * (1 + 1e-9));
  });

  it('is never worse with more restarts (the first restart is the single run)', () => {
    const noise = blobs([250], 5, 1, 13);
    const r = float32Rows(noise.data, noise.dims);
    let strictlyBetter = 0;
    for (let seed = 0; seed < 8; seed++) {
      const single = kmeans(r, { k: 7, metric: 'euclidean', seed, restarts: 1 });
      const several = kmeans(r, { k: 7, metric: 'euclidean', seed, restarts: 5 });
      expect(several.inertia).toBeLessThanOrEqual(single.inertia);
      if (several.inertia < single.inertia) strictlyBetter++;
    }
    expect(strictlyBetter).toBeGreaterThan(0);
  });

  it('works on int8 rows', () => {
    const { codes, scales } = quantise(planted.data, planted.dims);
    const result = kmeans(int8Rows(codes, scales, planted.dims), { k: 4, metric: 'cosine', seed: 3 });
    expect(ari(planted.truth, result.assignments)).toBe(1);
  });

  it('refuses k above the row count or below 1', () => {
    expect(() => kmeans(rows, { k: 141, metric: 'euclidean', seed: 0 })).toThrow(RangeError);
    expect(() => kmeans(rows, { k: 0, metric: 'euclidean', seed: 0 })).toThrow(RangeError);
  });
});

describe('chooseK', () => {
  it('picks the planted number of clusters by silhouette', () => {
    const planted = blobs([30, 30, 30, 30, 30], 8, 0.1, 5, 2);
    const result = chooseK(float32Rows(planted.data, planted.dims), { min: 2, max: 8 }, { metric: 'cosine', seed: 1, restarts: 2 });
    expect(result.k).toBe(5);
    expect(result.tried.map((t) => t.k)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(result.silhouette).toBe(Math.max(...result.tried.map((t) => t.silhouette)));
    expect(ari(planted.truth, result.assignments)).toBe(1);
  });

  it('refuses a range outside 2..n-1', () => {
    const rows = float32Rows(new Float32Array(20), 2);
    expect(() => chooseK(rows, { min: 1, max: 3 }, { metric: 'euclidean', seed: 0 })).toThrow(RangeError);
    expect(() => chooseK(rows, { min: 2, max: 10 }, { metric: 'euclidean', seed: 0 })).toThrow(RangeError);
  });
});
