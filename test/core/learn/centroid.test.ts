import { describe, expect, it } from 'vitest';
import { trainCentroid } from '../../../src/core/learn/centroid.ts';
import { classProbabilities, predict } from '../../../src/core/learn/classifier.ts';
import { float32Rows } from '../../../src/core/learn/rows.ts';
import { blobs } from './synthetic.ts';

const row = (data: Float32Array, dims: number, i: number) => data.slice(i * dims, i * dims + dims);

describe('trainCentroid', () => {
  it('uses normalised means for cosine and plain means for euclidean', () => {
    const rows = float32Rows(Float32Array.from([2, 0, 0, 1, 0, -3, -1, -1]), 2);
    const labels = ['a', 'a', 'b', 'b'];
    const cosine = trainCentroid(rows, labels, { metric: 'cosine' });
    // mean of unit rows (1, 0) and (0, 1) is (0.5, 0.5); normalised (√½, √½).
    expect(cosine.centroids[0]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(cosine.centroids[1]).toBeCloseTo(Math.SQRT1_2, 12);
    const euclidean = trainCentroid(rows, labels, { metric: 'euclidean' });
    expect(euclidean.centroids).toEqual([1, 0.5, -0.5, -2]);
    expect(euclidean.metric).toBe('euclidean');
  });

  it.each(['cosine', 'euclidean'] as const)('classifies separable clusters (%s) with probabilities summing to 1', (metric) => {
    const easy = blobs([20, 30, 25], 10, 0.3, 6, 2);
    const model = trainCentroid(float32Rows(easy.data, easy.dims), easy.labels, { metric });
    expect(model.temperature).toBeGreaterThan(0);
    expect(Number.isFinite(model.temperature)).toBe(true);
    for (let i = 0; i < easy.labels.length; i++) {
      const ranked = predict(model, row(easy.data, easy.dims, i));
      expect(ranked[0]!.label).toBe(easy.labels[i]);
      expect(ranked.reduce((s, r) => s + r.probability, 0)).toBeCloseTo(1, 12);
    }
    expect(JSON.parse(JSON.stringify(model))).toEqual(model);
  });

  it('is calibrated on overlapping classes: mean top probability near held-out accuracy', () => {
    const train = blobs([150, 150, 150], 6, 1.4, 17);
    const test = blobs([300, 300, 300], 6, 1.4, 17); // same centres (same seed draws them first), more points
    const model = trainCentroid(float32Rows(train.data, train.dims), train.labels, { metric: 'euclidean' });
    let confidence = 0;
    let right = 0;
    const n = test.labels.length;
    for (let i = 0; i < n; i++) {
      const ranked = predict(model, row(test.data, test.dims, i));
      confidence += ranked[0]!.probability;
      if (ranked[0]!.label === test.labels[i]) right++;
    }
    expect(right / n).toBeGreaterThan(0.5);
    expect(right / n).toBeLessThan(0.98);
    expect(Math.abs(confidence / n - right / n)).toBeLessThan(0.05);
  });

  it('sharpens with a lower temperature', () => {
    const overlapping = blobs([20, 20], 4, 1.5, 2);
    const model = trainCentroid(float32Rows(overlapping.data, overlapping.dims), overlapping.labels);
    const v = row(overlapping.data, overlapping.dims, 0);
    const fitted = Math.max(...classProbabilities(model, v));
    expect(fitted).toBeLessThan(0.999);
    expect(Math.max(...classProbabilities({ ...model, temperature: model.temperature / 4 }, v))).toBeGreaterThan(fitted);
  });
});
