/**
 * The evaluation's metric plumbing (tools/eval) on inputs small enough to work out by hand: k-NN
 * leave-one-out, cross-validation, k-means scores, the near-duplicate pair scores and threshold choice, and
 * the scikit-learn pass rules (fed a made-up answer: no python here).
 */
import { describe, expect, it } from 'vitest';
import { float32Rows } from '../../src/core/learn/rows.ts';
import { chooseThreshold, separation, type SweepPoint, sweepDuplicates, truePairCount } from '../../tools/eval/duplicates.ts';
import { clusterScores, crossValidated, knnLeaveOneOut, type LabelledVectors, unitRows } from '../../tools/eval/quality.ts';
import { judge, type Ours, type SklearnAnswer } from '../../tools/eval/sklearn.ts';

/** Three tight groups of 2-D points on different directions, plus one point of `a` placed among the `c`s. */
function threeClasses(): LabelledVectors {
  const points: Array<[number, number, string]> = [
    [1, 0.02, 'a'],
    [1, 0.05, 'a'],
    [1, -0.03, 'a'],
    [0.02, 1, 'b'],
    [-0.04, 1, 'b'],
    [0.05, 1, 'b'],
    [-1, 0.01, 'c'],
    [-1, 0.04, 'c'],
    [-1, -0.02, 'c'],
    [-1, -0.2, 'a'], // an `a` that looks like a `c`
  ];
  const vectors = points.map(([x, y]) => Float32Array.of(x, y));
  return { ids: points.map((_, i) => `p${i}`), labels: points.map((p) => p[2]), dims: 2, data: unitRows(vectors) };
}

describe('labelled metrics', () => {
  it('scales rows to unit length and leaves zero rows at zero', () => {
    const data = unitRows([Float32Array.of(3, 4), Float32Array.of(0, 0)]);
    expect(Array.from(data)).toEqual([Math.fround(0.6), Math.fround(0.8), 0, 0]);
  });

  it('k-NN leave-one-out: each point voted by its nearest others, the misplaced one wrong', () => {
    const set = threeClasses();
    const result = knnLeaveOneOut(set, 3);
    expect(result.predictions).toEqual(['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'c', 'c']);
    expect(result.accuracy).toBeCloseTo(0.9, 12);
  });

  it('cross-validates both classifiers on stratified folds', () => {
    const set = threeClasses();
    for (const method of ['logistic', 'centroid'] as const) {
      const result = crossValidated(set, method, 3, 1);
      expect(result.folds).toHaveLength(10);
      expect(new Set(result.folds)).toEqual(new Set([0, 1, 2]));
      expect(result.perFold).toHaveLength(3);
      // The misplaced `a` can never be right; everything else is separable.
      expect(result.accuracy).toBeCloseTo(0.9, 12);
    }
  });

  it('k-means scores: the three groups found again, the misplaced point costs purity 1/10', () => {
    const result = clusterScores(threeClasses(), 3, 0, 4);
    expect(result.assignments).toHaveLength(10);
    expect(result.assignments[9]).toBe(result.assignments[6]);
    expect(result.purity).toBeCloseTo(0.9, 12);
    expect(result.nmi).toBeGreaterThan(0.7);
    expect(result.nmi).toBeLessThan(1);
    expect(result.ari).toBeGreaterThan(0.6);
    expect(result.ari).toBeLessThan(1);
  });
});

describe('near-duplicate scores', () => {
  // Rows 0-2 are one photo (0-1 cosine 0.995, 1-2 0.983, 0-2 0.960), 3 and 4 distinct, 4 close to 2 (0.926).
  const angle = (degrees: number) => Float32Array.of(Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180));
  const vectors = [angle(0), angle(5.7), angle(16.3), angle(90), angle(38.5)];
  const rows = float32Rows(unitRows(vectors), 2);
  const groupOf = ['x', 'x', 'x', 'y', 'z'];

  it('counts the true pairs of a grouping', () => {
    expect(truePairCount(groupOf)).toBe(3);
    expect(truePairCount(['a', 'b'])).toBe(0);
  });

  it('scores pairs above a threshold and the pairs inside transitive groups', () => {
    const [high, low] = sweepDuplicates(rows, groupOf, [0.99, 0.92]);
    // 0.99: only 0-1 is called: precision 1, recall 1/3.
    expect(high!.pairs).toMatchObject({ truePositives: 1, falsePositives: 0, falseNegatives: 2, precision: 1 });
    expect(high!.pairs.recall).toBeCloseTo(1 / 3, 12);
    expect(high!.groupCount).toBe(1);
    // 0.92: 0-1, 0-2, 1-2 and 2-4: 3 true + 1 false (1-4 is 0.84).
    expect(low!.pairs).toMatchObject({ truePositives: 3, falsePositives: 1, falseNegatives: 0 });
    expect(low!.pairs.precision).toBeCloseTo(0.75, 12);
    // One transitive group {0, 1, 2, 4}: 6 pairs inside it, 3 of them true.
    expect(low!.groupCount).toBe(1);
    expect(low!.groups).toMatchObject({ truePositives: 3, falsePositives: 3, falseNegatives: 0, recall: 1 });
    expect(low!.groups.precision).toBeCloseTo(0.5, 12);
    expect(low!.groups.f1).toBeCloseTo(2 / 3, 12);
  });

  it('measures the lowest cosine within a group and the highest across groups', () => {
    const s = separation(rows, groupOf);
    expect(s.lowestWithin).toBeCloseTo(Math.cos((16.3 * Math.PI) / 180), 6);
    expect(s.highestAcross).toBeCloseTo(Math.cos((22.2 * Math.PI) / 180), 6);
  });

  it('chooses the best group F1 among thresholds with group precision >= 0.99, ties to the higher threshold', () => {
    const point = (threshold: number, precision: number, f1: number): SweepPoint => {
      const scores = { truePositives: 0, falsePositives: 0, falseNegatives: 0, precision, recall: 0, f1 };
      return { threshold, pairs: scores, groups: scores, groupCount: 0 };
    };
    expect(chooseThreshold([point(0.8, 0.9, 0.9), point(0.85, 1, 0.7), point(0.9, 1, 0.7), point(0.95, 1, 0.3)]).threshold).toBe(0.9);
    // None precise enough: the best F1 overall.
    expect(chooseThreshold([point(0.8, 0.5, 0.6), point(0.9, 0.9, 0.4)]).threshold).toBe(0.8);
  });
});

describe('the scikit-learn pass rules', () => {
  const set = threeClasses();
  const ours: Ours = {
    knn: knnLeaveOneOut(set, 3),
    logistic: { accuracy: 0.9, perFold: [], folds: [] },
    centroid: { accuracy: 0.9, perFold: [], folds: [] },
    clusters: { assignments: [], nmi: 0.8, ari: 0.7, purity: 0.9, inertia: 0 },
    seeds: { seeds: [0, 1], nmi: [0.8, 0.7], ari: [0.7, 0.6] },
  };
  const answer = (change: Partial<SklearnAnswer>): SklearnAnswer => ({
    versions: { sklearn: 'test', numpy: 'test' },
    knn: { predictions: [...ours.knn.predictions], accuracy: ours.knn.accuracy },
    logistic: { accuracy: 0.9, perFold: [] },
    centroid: { accuracy: 0.9, perFold: [] },
    kmeans: { nmi: [0.76, 0.76], ari: [0.6, 0.6] },
    ours: { nmi: 0.8, ari: 0.7 },
    ...change,
  });

  it('passes identical predictions, accuracy within 2 points, mean NMI within 0.05', () => {
    const result = judge(set, ours, answer({}));
    expect(result.pass).toBe(true);
    expect(result.knnSame).toBe(10);
    expect(result.checks.kmeansNmi.ours).toBeCloseTo(0.75, 12);
  });

  it('fails one differing k-NN prediction, accuracy 3 points off, NMI 0.06 off', () => {
    const predictions = [...ours.knn.predictions];
    predictions[9] = 'a';
    const knn = judge(set, ours, answer({ knn: { predictions, accuracy: 1 } }));
    expect(knn.pass).toBe(false);
    expect(knn.knnDiffering).toEqual([{ id: 'p9', ours: 'c', sklearn: 'a' }]);
    expect(judge(set, ours, answer({ logistic: { accuracy: 0.87, perFold: [] } })).checks.logistic.pass).toBe(false);
    expect(judge(set, ours, answer({ logistic: { accuracy: 0.88, perFold: [] } })).checks.logistic.pass).toBe(true);
    expect(judge(set, ours, answer({ kmeans: { nmi: [0.69, 0.69], ari: [0, 0] } })).checks.kmeansNmi.pass).toBe(false);
    expect(judge(set, ours, answer({ ours: { nmi: 0.8001, ari: 0.7 } })).checks.nmiFunction.pass).toBe(false);
  });
});
