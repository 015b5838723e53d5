import { describe, expect, it } from 'vitest';
import { accuracy, ari, nmi, purity } from '../../../src/core/learn/scores.ts';

// Expected values from scikit-learn 1.2.1 (normalized_mutual_info_score, adjusted_rand_score).
const CASES: Array<{ truth: Array<string | number>; predicted: number[]; nmi: number; ari: number; purity: number }> = [
  { truth: [0, 0, 0, 1, 1, 1], predicted: [0, 0, 1, 1, 2, 2], nmi: 0.5158037429793888, ari: 0.24242424242424243, purity: 5 / 6 },
  { truth: [0, 0, 1, 1], predicted: [0, 0, 1, 2], nmi: 0.7999999999999999, ari: 0.5714285714285714, purity: 1 },
  { truth: ['a', 'a', 'b', 'b', 'c', 'c', 'c'], predicted: [1, 1, 1, 2, 2, 3, 3], nmi: 0.5636355530993445, ari: 0.2125, purity: 5 / 7 },
  { truth: [0, 0, 0, 0], predicted: [0, 1, 2, 3], nmi: 0, ari: 0, purity: 1 },
  { truth: [0, 1, 2, 3], predicted: [0, 0, 0, 0], nmi: 0, ari: 0, purity: 0.25 },
  { truth: [0, 0, 1, 1], predicted: [1, 1, 0, 0], nmi: 1, ari: 1, purity: 1 },
  { truth: [1, 1, 1, 1], predicted: [2, 2, 2, 2], nmi: 1, ari: 1, purity: 1 },
  {
    truth: [0, 0, 1, 1, 2, 2, 0, 1, 2, 2],
    predicted: [0, 1, 1, 1, 2, 0, 0, 2, 2, 2],
    nmi: 0.44270128334605013,
    ari: 0.20454545454545456,
    purity: 0.7,
  },
];

describe('clustering scores', () => {
  it.each(CASES)('match scikit-learn on %j', ({ truth, predicted, nmi: n, ari: a, purity: p }) => {
    expect(nmi(truth, predicted)).toBeCloseTo(n, 12);
    expect(ari(truth, predicted)).toBeCloseTo(a, 12);
    expect(purity(truth, predicted)).toBeCloseTo(p, 12);
  });

  it('accept cluster ids as an Int32Array', () => {
    expect(ari(['x', 'x', 'y'], Int32Array.from([4, 4, 7]))).toBe(1);
  });

  it('refuse label lists of different lengths', () => {
    expect(() => nmi([0, 1], [0])).toThrow(RangeError);
    expect(() => accuracy([0, 1], [0])).toThrow(RangeError);
  });
});

describe('accuracy', () => {
  it('is the fraction of equal labels', () => {
    expect(accuracy(['a', 'b', 'c', 'a'], ['a', 'b', 'a', 'b'])).toBe(0.5);
    expect(accuracy([], [])).toBe(0);
  });
});
