import { describe, expect, it } from 'vitest';
import { float32Rows } from '../../../src/core/learn/rows.ts';
import { silhouette, silhouetteSample } from '../../../src/core/learn/silhouette.ts';
import { blobs } from './synthetic.ts';

const rows2d = (...points: Array<[number, number]>) => float32Rows(Float32Array.from(points.flat()), 2);

describe('silhouette', () => {
  it('equals the hand computation on four points', () => {
    // x = 0, 1 | 4, 6: s = (5-1)/5, (4-1)/4, (3.5-2)/3.5, (5.5-2)/5.5; scikit-learn: 0.6537337662337662.
    const expected = (0.8 + 0.75 + 1.5 / 3.5 + 3.5 / 5.5) / 4;
    const score = silhouette(rows2d([0, 0], [1, 0], [4, 0], [6, 0]), Int32Array.from([0, 0, 1, 1]), 2, 'euclidean');
    expect(score).toBeCloseTo(expected, 12);
    expect(score).toBeCloseTo(0.6537337662337662, 12);
  });

  it('scores a row alone in its cluster 0', () => {
    // (0.9 + 8/9 + 0) / 3; scikit-learn: 0.5962962962962962.
    const score = silhouette(rows2d([0, 0], [1, 0], [10, 0]), Int32Array.from([0, 0, 1]), 2, 'euclidean');
    expect(score).toBeCloseTo(0.5962962962962962, 12);
  });

  it('uses 1 - cosine as the distance for cosine (scikit-learn metric="cosine")', () => {
    const rows = rows2d([1, 0], [0.9, 0.1], [0, 1], [0.2, 1], [-1, 0.1]);
    expect(silhouette(rows, Int32Array.from([0, 0, 1, 1, 2]), 3, 'cosine')).toBeCloseTo(0.7876123809293707, 6);
  });

  it('samples above `sample` rows: reproducible, close to the exact value', () => {
    const { data, truth, dims } = blobs([150, 150, 100], 8, 0.6, 3);
    const rows = float32Rows(data, dims);
    const exact = silhouette(rows, truth, 3, 'euclidean', { sample: 1000 });
    const sampled = silhouette(rows, truth, 3, 'euclidean', { sample: 120, seed: 5 });
    expect(sampled).toBe(silhouette(rows, truth, 3, 'euclidean', { sample: 120, seed: 5 }));
    expect(sampled).not.toBe(exact);
    expect(Math.abs(sampled - exact)).toBeLessThan(0.05);
    const picked = silhouetteSample(400, 120, 5);
    expect(new Set(picked).size).toBe(120);
  });

  it('needs at least two clusters', () => {
    expect(() => silhouette(rows2d([0, 0], [1, 0]), Int32Array.from([0, 0]), 1, 'euclidean')).toThrow(RangeError);
  });
});
