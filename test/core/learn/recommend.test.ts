import { describe, expect, it } from 'vitest';
import { averageVectorQuery, bestScore, scaledFastSigmoid } from '../../../src/core/learn/recommend.ts';

const v = (...values: number[]) => Float32Array.from(values);

describe('average_vector (Qdrant)', () => {
  it('is avg(positive) + (avg(positive) - avg(negative))', () => {
    expect(Array.from(averageVectorQuery([v(1, 0), v(0, 1)], [v(0, 1)]))).toEqual([1, 0]);
    expect(Array.from(averageVectorQuery([v(2, 4)], [v(1, 1), v(3, 5)]))).toEqual([2, 5]);
  });

  it('is avg(positive) without negatives, and needs a positive', () => {
    expect(Array.from(averageVectorQuery([v(1, 0), v(0, 1)], []))).toEqual([0.5, 0.5]);
    expect(() => averageVectorQuery([], [v(1, 0)])).toThrow(RangeError);
    expect(() => averageVectorQuery([v(1, 0)], [v(1, 0, 0)])).toThrow(RangeError);
  });
});

describe('best_score (Qdrant)', () => {
  it('uses the scaled fast sigmoid 0.5 * (x / (1 + |x|) + 1)', () => {
    expect(scaledFastSigmoid(0)).toBe(0.5);
    expect(scaledFastSigmoid(1)).toBe(0.75);
    expect(scaledFastSigmoid(-1)).toBe(0.25);
  });

  it('scores sigmoid(best positive) when a positive is nearer, else -sigmoid(best negative)', () => {
    const positive = [v(1, 0), v(0.6, 0.8)];
    const negative = [v(0, 1)];
    expect(bestScore(v(1, 0), positive, negative, 'cosine')).toBe(0.75);
    expect(bestScore(v(0, 1), positive, negative, 'cosine')).toBe(-0.75);
    // candidate (0.8, 0.6): cosine 0.8 and 0.96 to the positives, 0.6 to the negative.
    expect(bestScore(v(0.8, 0.6), positive, negative, 'cosine')).toBeCloseTo(scaledFastSigmoid(0.96), 6);
    // candidate (0.6, 0.8) against positive (1, 0): 0.6 to it, 0.8 to the negative -> -sigmoid(0.8).
    expect(bestScore(v(0.6, 0.8), [v(1, 0)], negative, 'cosine')).toBeCloseTo(-scaledFastSigmoid(0.8), 6);
  });

  it('ranks anything nearer a positive above anything nearer a negative', () => {
    const nearNegative = bestScore(v(-1, 0.1), [v(1, 0)], [v(-1, 0)], 'cosine');
    expect(nearNegative).toBeLessThan(0);
    const weakPositive = bestScore(v(0, 1), [v(1, 0.01)], [v(-1, 0)], 'cosine');
    expect(weakPositive).toBeGreaterThan(0);
    expect(weakPositive).toBeGreaterThan(nearNegative);
  });

  it('uses minus the squared euclidean distance as the similarity', () => {
    // to the positive -1, to the negative -4: the positive wins, sigmoid(-1) = 0.25.
    expect(bestScore(v(0, 0), [v(1, 0)], [v(2, 0)], 'euclidean')).toBe(0.25);
    expect(bestScore(v(2, 0), [v(0, 0)], [v(3, 0)], 'euclidean')).toBeCloseTo(-scaledFastSigmoid(-1), 12);
  });

  it('works with negatives only, and needs some example', () => {
    expect(bestScore(v(1, 0), [], [v(1, 0)], 'cosine')).toBe(-0.75);
    expect(() => bestScore(v(1, 0), [], [], 'cosine')).toThrow(RangeError);
  });
});
