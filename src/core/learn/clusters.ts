/**
 * @module What a stored clustering answers: the nearest centroid of a new vector, and per cluster its size
 * and the rows nearest its centroid. Scores are cosine similarity (higher is nearer) or euclidean distance
 * (lower is nearer), as searches report them; the nearest centroid is the one k-means would assign.
 */

import type { LearnMetric, Rows } from './rows.ts';

export interface ClusterSummary {
  cluster: number;
  size: number;
  /** Up to `nearest` rows of the cluster, nearest its centroid first. */
  nearest: Array<{ index: number; score: number }>;
}

function centroidSquares(centroids: ArrayLike<number>, k: number, dims: number): Float64Array {
  const out = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let t = 0; t < dims; t++) s += centroids[j * dims + t]! ** 2;
    out[j] = s;
  }
  return out;
}

/** The cluster k-means would assign `vector` to (centroids row-major k x dims, as stored: unit rows for cosine). */
export function nearestCentroid(
  centroids: ArrayLike<number>,
  k: number,
  vector: ArrayLike<number>,
  metric: LearnMetric,
): { cluster: number; score: number } {
  const dims = vector.length;
  if (centroids.length !== k * dims)
    throw new RangeError(`${k} centroids of ${dims} dims need ${k * dims} values, got ${centroids.length}`);
  let vv = 0;
  for (let t = 0; t < dims; t++) vv += vector[t]! ** 2;
  const squares = centroidSquares(centroids, k, dims);
  let best = 0;
  let bestScore = metric === 'cosine' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  for (let j = 0; j < k; j++) {
    let vc = 0;
    for (let t = 0; t < dims; t++) vc += vector[t]! * centroids[j * dims + t]!;
    const score = metric === 'cosine' ? (vv > 0 ? vc / Math.sqrt(vv) : 0) : Math.sqrt(Math.max(0, vv - 2 * vc + squares[j]!));
    if (metric === 'cosine' ? score > bestScore : score < bestScore) {
      bestScore = score;
      best = j;
    }
  }
  return { cluster: best, score: bestScore };
}

/** Score of row i against its own centroid j (cosine similarity or euclidean distance). */
export function rowScore(rows: Rows, i: number, centroid: Float32Array, squares: number, metric: LearnMetric): number {
  const xc = rows.dot(i, centroid);
  const norm = rows.norm(i);
  if (metric === 'cosine') return norm > 0 ? xc / norm : 0;
  return Math.sqrt(Math.max(0, norm * norm - 2 * xc + squares));
}

/** Per cluster: size and the `nearest` rows nearest its centroid (one pass, a small sorted list per cluster). */
export function clusterSummaries(
  rows: Rows,
  result: { k: number; centroids: Float32Array; assignments: Int32Array },
  metric: LearnMetric,
  nearest = 5,
): ClusterSummary[] {
  const { k, centroids, assignments } = result;
  const d = rows.dims;
  if (assignments.length !== rows.count) throw new RangeError(`${rows.count} rows but ${assignments.length} assignments`);
  const views = Array.from({ length: k }, (_, j) => centroids.subarray(j * d, j * d + d));
  const squares = centroidSquares(centroids, k, d);
  const better = (a: number, b: number) => (metric === 'cosine' ? a > b : a < b);
  const summaries: ClusterSummary[] = Array.from({ length: k }, (_, cluster) => ({ cluster, size: 0, nearest: [] }));
  for (let i = 0; i < rows.count; i++) {
    const j = assignments[i]!;
    const summary = summaries[j]!;
    summary.size++;
    if (nearest <= 0) continue;
    const list = summary.nearest;
    const score = rowScore(rows, i, views[j]!, squares[j]!, metric);
    if (list.length === nearest && !better(score, list[list.length - 1]!.score)) continue;
    let at = list.length;
    while (at > 0 && better(score, list[at - 1]!.score)) at--;
    list.splice(at, 0, { index: i, score });
    if (list.length > nearest) list.pop();
  }
  return summaries;
}
