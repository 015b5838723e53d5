/**
 * @module The scikit-learn check: the evaluation's unit vectors, labels and folds go to tools/eval/sklearn-check.py;
 * its answers are set beside ours with the pass rules — identical k-NN predictions, accuracy within
 * 2 points, k-means NMI within 0.05 — plus our NMI / ARI functions against scikit-learn's on our own clusters.
 * k-means lands in a different local optimum per seed in either implementation (and scikit-learn's is
 * euclidean on the unit vectors, ours spherical), so NMI is compared as the mean over the same seeds.
 */
import { fileURLToPath } from 'node:url';
import { runPython } from './python.ts';
import type { ClusterResult, CvResult, KnnResult, LabelledVectors } from './quality.ts';

export const ACCURACY_TOLERANCE = 0.02;
export const NMI_TOLERANCE = 0.05;
/** Our score functions against scikit-learn's on the same assignments: the same formula, so float noise only. */
export const SCORE_TOLERANCE = 1e-9;

export interface SklearnAnswer {
  readonly versions: { sklearn: string; numpy: string };
  readonly knn: { predictions: string[]; accuracy: number };
  readonly logistic: { accuracy: number; perFold: number[] };
  readonly centroid: { accuracy: number; perFold: number[] };
  /** Per seed. */
  readonly kmeans: { nmi: number[]; ari: number[] };
  readonly ours: { nmi: number; ari: number };
}

export interface Check {
  readonly ours: number;
  readonly sklearn: number;
  readonly pass: boolean;
  readonly rule: string;
}

export interface SklearnResult {
  readonly versions: { sklearn: string; numpy: string };
  /** Rows whose k-NN prediction is the same in both. */
  readonly knnSame: number;
  readonly knnDiffering: Array<{ id: string; ours: string; sklearn: string }>;
  readonly checks: {
    knn: Check;
    logistic: Check;
    kmeansNmi: Check;
    kmeansAri: Check;
    centroid: Check;
    nmiFunction: Check;
    ariFunction: Check;
  };
  readonly pass: boolean;
}

export interface Ours {
  readonly knn: KnnResult;
  readonly logistic: CvResult;
  readonly centroid: CvResult;
  readonly clusters: ClusterResult;
  /** NMI and ARI of k-means per seed (the seeds scikit-learn gets). */
  readonly seeds: { seeds: number[]; nmi: number[]; ari: number[] };
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Judges scikit-learn's answer against ours (pure: the test feeds it a hand-made answer). */
export function judge(set: LabelledVectors, ours: Ours, answer: SklearnAnswer): SklearnResult {
  const differing = set.ids
    .map((id, i) => ({ id, ours: ours.knn.predictions[i]!, sklearn: answer.knn.predictions[i]! }))
    .filter((row) => row.ours !== row.sklearn);
  const within = (a: number, b: number, tolerance: number) => Math.abs(a - b) <= tolerance + 1e-12;
  const checks = {
    knn: { ours: ours.knn.accuracy, sklearn: answer.knn.accuracy, pass: differing.length === 0, rule: 'identical predictions' },
    logistic: {
      ours: ours.logistic.accuracy,
      sklearn: answer.logistic.accuracy,
      pass: within(ours.logistic.accuracy, answer.logistic.accuracy, ACCURACY_TOLERANCE),
      rule: 'within 2 points',
    },
    kmeansNmi: {
      ours: mean(ours.seeds.nmi),
      sklearn: mean(answer.kmeans.nmi),
      pass: within(mean(ours.seeds.nmi), mean(answer.kmeans.nmi), NMI_TOLERANCE),
      rule: `mean of ${ours.seeds.seeds.length} seeds within 0.05`,
    },
    kmeansAri: {
      ours: mean(ours.seeds.ari),
      sklearn: mean(answer.kmeans.ari),
      pass: true,
      rule: `mean of ${ours.seeds.seeds.length} seeds, reported`,
    },
    centroid: {
      ours: ours.centroid.accuracy,
      sklearn: answer.centroid.accuracy,
      pass: true,
      rule: 'reported (NearestCentroid is euclidean)',
    },
    nmiFunction: {
      ours: ours.clusters.nmi,
      sklearn: answer.ours.nmi,
      pass: within(ours.clusters.nmi, answer.ours.nmi, SCORE_TOLERANCE),
      rule: 'same clusters, 1e-9',
    },
    ariFunction: {
      ours: ours.clusters.ari,
      sklearn: answer.ours.ari,
      pass: within(ours.clusters.ari, answer.ours.ari, SCORE_TOLERANCE),
      rule: 'same clusters, 1e-9',
    },
  };
  return {
    versions: answer.versions,
    knnSame: set.ids.length - differing.length,
    knnDiffering: differing,
    checks,
    pass: Object.values(checks).every((c) => c.pass),
  };
}

export function compareWithSklearn(
  python: string,
  set: LabelledVectors,
  options: { k: number; folds: number[]; clusters: number; restarts: number; ours: Ours },
): SklearnResult {
  const vectors = set.labels.map((_, i) => Array.from(set.data.subarray(i * set.dims, (i + 1) * set.dims)));
  const input = JSON.stringify({
    vectors,
    labels: set.labels,
    folds: options.folds,
    k: options.k,
    clusters: options.clusters,
    seeds: options.ours.seeds.seeds,
    restarts: options.restarts,
    ourAssignments: options.ours.clusters.assignments,
  });
  const script = fileURLToPath(new URL('sklearn-check.py', import.meta.url));
  return judge(set, options.ours, JSON.parse(runPython(python, [script], input)) as SklearnAnswer);
}
