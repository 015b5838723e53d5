import { describe, expect, it } from 'vitest';
import { trainCentroid } from '../../../src/core/learn/centroid.ts';
import { crossValidate, stratifiedFolds } from '../../../src/core/learn/cross-validation.ts';
import { trainLogistic } from '../../../src/core/learn/logistic.ts';
import { float32Rows } from '../../../src/core/learn/rows.ts';
import { blobs } from './synthetic.ts';

describe('stratifiedFolds', () => {
  const labels = [...Array(13).fill('a'), ...Array(7).fill('b'), ...Array(5).fill('c')] as string[];

  it('spreads each class evenly over the folds and the folds evenly over the rows', () => {
    const folds = stratifiedFolds(labels, 5, 1);
    for (const label of ['a', 'b', 'c']) {
      const perFold = [0, 1, 2, 3, 4].map((f) => folds.filter((x, i) => x === f && labels[i] === label).length);
      expect(Math.max(...perFold) - Math.min(...perFold)).toBeLessThanOrEqual(1);
    }
    const sizes = [0, 1, 2, 3, 4].map((f) => folds.filter((x) => x === f).length);
    expect(sizes).toEqual([5, 5, 5, 5, 5]);
  });

  it('is reproducible for a seed and shuffles with another', () => {
    expect(stratifiedFolds(labels, 5, 1)).toEqual(stratifiedFolds(labels, 5, 1));
    expect(stratifiedFolds(labels, 5, 2)).not.toEqual(stratifiedFolds(labels, 5, 1));
  });

  it('refuses fewer than 2 folds or more folds than rows', () => {
    expect(() => stratifiedFolds(labels, 1, 0)).toThrow(RangeError);
    expect(() => stratifiedFolds(['a', 'b'], 3, 0)).toThrow(RangeError);
  });
});

describe('crossValidate', () => {
  it('scores separable data perfectly and reports each fold', () => {
    const easy = blobs([20, 20, 20], 8, 0.2, 3, 2);
    const result = crossValidate(float32Rows(easy.data, easy.dims), easy.labels, (rows, labels) => trainLogistic(rows, labels), {
      folds: 4,
      seed: 0,
    });
    expect(result).toEqual({ accuracy: 1, folds: 4, perFold: [1, 1, 1, 1] });
  });

  it('predicts each row with a model that did not see it', () => {
    // Every row has a twin of the other class at the same place: a model that saw a row would still fit it,
    // but held out, the nearest centroid of random labels is right about half the time.
    const noisy = blobs([40, 40], 5, 1, 8);
    const labels = noisy.labels.map((_, i) => (i % 2 === 0 ? 'even' : 'odd'));
    const seen: number[] = [];
    const result = crossValidate(
      float32Rows(noisy.data, noisy.dims),
      labels,
      (rows, train) => {
        seen.push(rows.count);
        return trainCentroid(rows, train, { metric: 'euclidean' });
      },
      { folds: 5, seed: 3 },
    );
    expect(seen).toEqual([64, 64, 64, 64, 64]);
    expect(result.perFold).toHaveLength(5);
    expect(result.accuracy).toBeLessThan(0.75);
    expect(result.accuracy).toBeCloseTo(result.perFold.reduce((a, b) => a + b, 0) / 5, 12);
  });
});
