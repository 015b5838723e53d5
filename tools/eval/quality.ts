/**
 * @module The evaluation's metrics over labelled vectors, each computed with the project's own algorithms
 * (src/core/learn) exactly as the API runs them: k-NN leave-one-out (top k by cosine, distance-weighted vote),
 * logistic regression and nearest centroid under stratified k-fold cross-validation, k-means NMI / ARI /
 * purity against the labels.
 */
import { trainCentroid } from '../../src/core/learn/centroid.ts';
import { crossValidate, stratifiedFolds } from '../../src/core/learn/cross-validation.ts';
import { kmeans } from '../../src/core/learn/kmeans.ts';
import { knnVote } from '../../src/core/learn/knn.ts';
import { trainLogistic } from '../../src/core/learn/logistic.ts';
import { float32Rows, type Rows } from '../../src/core/learn/rows.ts';
import { ari, nmi, purity } from '../../src/core/learn/scores.ts';
import { topK } from './top-k.ts';

export interface LabelledVectors {
  readonly ids: readonly string[];
  readonly labels: readonly string[];
  readonly dims: number;
  /** Row-major, each row L2-normalised (cosine = dot). */
  readonly data: Float32Array;
}

/** Rows scaled to unit length (a zero row stays zero), row-major. */
export function unitRows(vectors: readonly Float32Array[]): Float32Array {
  const dims = vectors[0]?.length ?? 0;
  const out = new Float32Array(vectors.length * dims);
  vectors.forEach((v, i) => {
    let ss = 0;
    for (const x of v) ss += x * x;
    const scale = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let d = 0; d < dims; d++) out[i * dims + d] = v[d]! * scale;
  });
  return out;
}

export function rowsOf(set: LabelledVectors): Rows {
  return float32Rows(set.data, set.dims);
}

export interface KnnResult {
  readonly predictions: string[];
  readonly accuracy: number;
}

/** Each row classified by its k nearest others (itself left out). */
export function knnLeaveOneOut(set: LabelledVectors, k: number): KnnResult {
  const rows = rowsOf(set);
  const query = new Float32Array(set.dims);
  const predictions = set.labels.map((_, i) => {
    rows.read(i, query);
    const neighbours = topK(rows, query, k, i).map((r) => ({ id: set.ids[r.index]!, score: r.score, label: set.labels[r.index]! }));
    return knnVote(neighbours, 'cosine').label;
  });
  return { predictions, accuracy: agreement(predictions, set.labels) };
}

export function agreement(a: readonly string[], b: readonly string[]): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length === 0 ? 0 : same / a.length;
}

export interface CvResult {
  readonly accuracy: number;
  readonly perFold: number[];
  /** Fold of each row (seeded, stratified): the same folds go to scikit-learn. */
  readonly folds: number[];
}

export function crossValidated(set: LabelledVectors, method: 'logistic' | 'centroid', folds: number, seed: number): CvResult {
  const train =
    method === 'logistic'
      ? (rows: Rows, labels: string[]) => trainLogistic(rows, labels, { classWeight: 'balanced' })
      : (rows: Rows, labels: string[]) => trainCentroid(rows, labels, { metric: 'cosine' });
  const result = crossValidate(rowsOf(set), set.labels, train, { folds, seed });
  return { accuracy: result.accuracy, perFold: result.perFold, folds: stratifiedFolds(set.labels, folds, seed) };
}

export interface ClusterResult {
  readonly assignments: number[];
  readonly nmi: number;
  readonly ari: number;
  readonly purity: number;
  readonly inertia: number;
}

export function clusterScores(set: LabelledVectors, k: number, seed: number, restarts: number): ClusterResult {
  const result = kmeans(rowsOf(set), { k, metric: 'cosine', seed, restarts });
  const assignments = Array.from(result.assignments);
  return {
    assignments,
    nmi: nmi(set.labels, assignments),
    ari: ari(set.labels, assignments),
    purity: purity(set.labels, assignments),
    inertia: result.inertia,
  };
}

/** NMI and ARI of k-means for each seed: how far the local optimum moves with the seed. */
export function clusterSeeds(
  set: LabelledVectors,
  k: number,
  seeds: readonly number[],
  restarts: number,
): { seeds: number[]; nmi: number[]; ari: number[] } {
  const runs = seeds.map((seed) => clusterScores(set, k, seed, restarts));
  return { seeds: [...seeds], nmi: runs.map((r) => r.nmi), ari: runs.map((r) => r.ari) };
}
