import { describe, expect, it } from 'vitest';
import { knnVote, type Neighbour } from '../../../src/core/learn/knn.ts';

const hits = (...pairs: Array<[number, string]>): Neighbour[] => pairs.map(([score, label], i) => ({ id: `item-${i}`, score, label }));

describe('knnVote (scikit-learn weights="distance")', () => {
  it('weighs each neighbour by 1 / (1 - cosine)', () => {
    // d = 0.1, 0.2, 0.3 -> weights 10 (a), 5 + 10/3 (b): a wins 10 / (55/3) = 6/11.
    const vote = knnVote(hits([0.9, 'a'], [0.8, 'b'], [0.7, 'b']), 'cosine');
    expect(vote.label).toBe('a');
    expect(vote.labels.map((l) => l.label)).toEqual(['a', 'b']);
    expect(vote.labels[0]!.probability).toBeCloseTo(6 / 11, 12);
    expect(vote.labels[1]!.probability).toBeCloseTo(5 / 11, 12);
    expect(vote.labels.map((l) => l.count)).toEqual([1, 2]);
  });

  it('gives the whole vote to neighbours at distance 0 (scores >= 1 clip to it)', () => {
    const vote = knnVote(hits([0.99, 'a'], [1, 'c'], [1.0000001, 'b'], [0.98, 'a']), 'cosine');
    expect(vote.labels).toEqual([
      { label: 'b', probability: 0.5, count: 1 },
      { label: 'c', probability: 0.5, count: 1 },
      { label: 'a', probability: 0, count: 2 },
    ]);
    // The tie between b and c goes to the one first in sorted order.
    expect(vote.label).toBe('b');
  });

  it('breaks an exact tie towards the label first in sorted order', () => {
    expect(knnVote(hits([0.5, 'zebra'], [0.5, 'yak']), 'cosine').label).toBe('yak');
    expect(knnVote(hits([0.5, 'yak'], [0.5, 'zebra']), 'cosine').label).toBe('yak');
  });

  it('uses the euclidean distance as reported', () => {
    // weights 1/1 (a), 1/2 + 1/4 (b) -> a 4/7, b 3/7.
    const vote = knnVote(hits([1, 'a'], [2, 'b'], [4, 'b']), 'euclidean');
    expect(vote.label).toBe('a');
    expect(vote.labels[0]!.probability).toBeCloseTo(4 / 7, 12);
    expect(knnVote(hits([1, 'a'], [0, 'b']), 'euclidean').label).toBe('b');
  });

  it('refuses an empty neighbourhood', () => {
    expect(() => knnVote([], 'cosine')).toThrow(RangeError);
  });
});
