import { describe, expect, it } from 'vitest';
import { classProbabilities, predict } from '../../../src/core/learn/classifier.ts';
import { trainLogistic } from '../../../src/core/learn/logistic.ts';
import { float32Rows } from '../../../src/core/learn/rows.ts';
import { blobs } from './synthetic.ts';

const row = (data: Float32Array, dims: number, i: number) => data.slice(i * dims, i * dims + dims);

// scikit-learn 1.2.1 on the same 60 points (blobs([30, 20, 10], 5, 1.2, 11), as float64):
// LogisticRegression(C, class_weight, tol=1e-12, max_iter=100000).predict_proba(X[[0, 35, 55]]) and score(X, y).
const SKLEARN = [
  {
    c: 1,
    classWeight: 'none' as const,
    accuracy: 0.8166666666666667,
    probabilities: [
      [0.84232091, 0.13613894, 0.02154015],
      [0.50072629, 0.45719096, 0.04208275],
      [0.03944688, 0.32537637, 0.63517676],
    ],
  },
  {
    c: 0.1,
    classWeight: 'none' as const,
    accuracy: 0.8,
    probabilities: [
      [0.73095325, 0.20820277, 0.06084399],
      [0.50271139, 0.40273027, 0.09455834],
      [0.12370086, 0.43129935, 0.44499978],
    ],
  },
  {
    c: 1,
    classWeight: 'balanced' as const,
    accuracy: 0.7833333333333333,
    probabilities: [
      [0.74901121, 0.19856953, 0.05241925],
      [0.42430616, 0.49891564, 0.0767782],
      [0.01763111, 0.20645426, 0.77591463],
    ],
  },
  {
    c: 0.1,
    classWeight: 'balanced' as const,
    accuracy: 0.8,
    probabilities: [
      [0.6138758, 0.27083558, 0.11528862],
      [0.39440534, 0.45499995, 0.15059471],
      [0.07173056, 0.28660952, 0.64165992],
    ],
  },
];

describe('trainLogistic', () => {
  const { data, labels, dims } = blobs([30, 20, 10], 5, 1.2, 11);
  const rows = float32Rows(data, dims);

  it.each(SKLEARN)('fits what scikit-learn fits (C=$c, class_weight=$classWeight)', ({ c, classWeight, accuracy, probabilities }) => {
    const model = trainLogistic(rows, labels, { c, classWeight, maxIter: 500, tolerance: 1e-9 });
    expect(model.classes).toEqual(['class-0', 'class-1', 'class-2']);
    [0, 35, 55].forEach((i, k) => {
      const p = Array.from(classProbabilities(model, row(data, dims, i)));
      p.forEach((value, j) => expect(value).toBeCloseTo(probabilities[k]![j]!, 4));
    });
    let right = 0;
    for (let i = 0; i < rows.count; i++) if (predict(model, row(data, dims, i))[0]!.label === labels[i]) right++;
    expect(right / rows.count).toBeCloseTo(accuracy, 10);
  });

  it('balanced class weights change the prediction of a minority-class row on imbalanced data', () => {
    const plain = trainLogistic(rows, labels);
    const balanced = trainLogistic(rows, labels, { classWeight: 'balanced' });
    // Row 35 is class-1 (20 rows) near class-0 (30 rows): plain says class-0, balanced class-1 (as scikit-learn).
    expect(predict(plain, row(data, dims, 35))[0]!.label).toBe('class-0');
    expect(predict(balanced, row(data, dims, 35))[0]!.label).toBe('class-1');
  });

  it('separates well-separated clusters, with probabilities that sum to 1', () => {
    const easy = blobs([25, 25, 25, 25], 16, 0.2, 4, 3);
    const model = trainLogistic(float32Rows(easy.data, easy.dims), easy.labels);
    for (let i = 0; i < easy.labels.length; i++) {
      const ranked = predict(model, row(easy.data, easy.dims, i));
      expect(ranked[0]!.label).toBe(easy.labels[i]);
      expect(ranked.reduce((sum, r) => sum + r.probability, 0)).toBeCloseTo(1, 12);
      expect(ranked[0]!.probability).toBeGreaterThan(ranked[1]!.probability);
    }
    expect(JSON.parse(JSON.stringify(model))).toEqual(model);
  });

  it('refuses one class, mismatched labels and a bad C', () => {
    expect(() =>
      trainLogistic(
        rows,
        labels.map(() => 'only'),
      ),
    ).toThrow(RangeError);
    expect(() => trainLogistic(rows, labels.slice(1))).toThrow(RangeError);
    expect(() => trainLogistic(rows, labels, { c: 0 })).toThrow(RangeError);
  });
});
