import { describe, expect, it } from 'vitest';
import { knnVote, type Neighbour } from '../../../src/core/learn/knn.ts';
import { cosine, euclidean } from '../../../src/core/vector/metrics.ts';
import { blobs } from './synthetic.ts';

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

// scikit-learn 1.2.1: KNeighborsClassifier(5, weights='distance', metric, algorithm='brute') fitted on
// blobs([8, 8, 8], 4, 1, 3), predict_proba for the six rows of blobs([2, 2, 2], 4, 1, 3) and training row 3.
const SKLEARN_PROBA = {
  cosine: [
    [1, 0, 0],
    [1, 0, 0],
    [0, 0.8827327957, 0.1172672043],
    [0, 1, 0],
    [0.105854768, 0, 0.894145232],
    [0, 0, 1],
    [1, 0, 0],
  ],
  euclidean: [
    [1, 0, 0],
    [1, 0, 0],
    [0, 0.6600501271, 0.3399498729],
    [0.1748773395, 0.8251226605, 0],
    [0.1509291821, 0, 0.8490708179],
    [0, 0, 1],
    [1, 0, 0],
  ],
};

describe('knnVote over a brute-force search', () => {
  const train = blobs([8, 8, 8], 4, 1, 3);
  const test = blobs([2, 2, 2], 4, 1, 3);
  const row = (data: Float32Array, i: number) => data.subarray(i * 4, i * 4 + 4);
  const queries = [...Array.from({ length: 6 }, (_, i) => row(test.data, i)), row(train.data, 3)];

  it.each(['cosine', 'euclidean'] as const)('gives scikit-learn predict_proba (%s)', (metric) => {
    queries.forEach((q, n) => {
      const hits = train.labels
        .map((label, i) => ({
          id: String(i),
          label,
          score: metric === 'cosine' ? cosine(q, row(train.data, i)) : euclidean(q, row(train.data, i)),
        }))
        .sort((a, b) => (metric === 'cosine' ? b.score - a.score : a.score - b.score))
        .slice(0, 5);
      const vote = knnVote(hits, metric);
      const probability = (label: string) => vote.labels.find((l) => l.label === label)?.probability ?? 0;
      SKLEARN_PROBA[metric][n]!.forEach((p, c) => expect(probability(`class-${c}`)).toBeCloseTo(p, 6));
    });
  });
});
