/**
 * @module k-means over rows: greedy k-means++ initialisation (scikit-learn's: 2 + ⌊ln k⌋ candidates per
 * centre, the one that lowers the potential most wins; kmeans-init.ts), Lloyd iterations with Hamerly's
 * bounds (lloyd.ts: plain Lloyd's answer, most rows skipped), several restarts keeping the
 * lowest inertia, all drawn from one seeded mulberry32 stream (same seed, same result; restart 1 of a run
 * with more restarts is the whole of a run with one, so more restarts are never worse).
 *
 * euclidean: cost = squared distance, centroids = means (inertia as scikit-learn's).
 * cosine: spherical k-means: unit rows, unit centroids (the normalised mean), cost = 1 − cosine.
 * Assignment uses rows.dot against the centroids (kmeans-space.ts); only rows that change cluster are read.
 */

import { mulberry32 } from '../util/random.ts';
import { kmeansPlusPlus } from './kmeans-init.ts';
import { space } from './kmeans-space.ts';
import { lloyd, type Run } from './lloyd.ts';
import type { LearnMetric, Rows } from './rows.ts';
import { sampleDistances, silhouetteFromDistances, silhouetteSample, SILHOUETTE_SAMPLE } from './silhouette.ts';

export { silhouette } from './silhouette.ts';

export interface KMeansResult {
  readonly k: number;
  /** Row-major k x dims (unit rows for cosine). */
  readonly centroids: Float32Array;
  readonly assignments: Int32Array;
  readonly inertia: number;
  readonly iterations: number;
}

export interface KMeansOptions {
  k: number;
  metric: LearnMetric;
  seed: number;
  restarts?: number;
  /** Default 100 (scikit-learn: 300): real embeddings settle well before; structureless data never does, and a request must end. */
  maxIter?: number;
  /** Stop when the centres move less than this times the mean per-dimension variance (scikit-learn's tol, 1e-4). */
  tolerance?: number;
}

export function kmeans(rows: Rows, options: KMeansOptions): KMeansResult {
  const { k, metric, seed, restarts = 4, maxIter = 100, tolerance = 1e-4 } = options;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  if (k > rows.count) throw new RangeError(`k = ${k} is more than the ${rows.count} rows`);
  if (!Number.isInteger(restarts) || restarts < 1) throw new RangeError(`restarts must be a positive integer, got ${restarts}`);
  const sp = space(rows, metric);
  const prng = mulberry32(seed);
  let best: Run | undefined;
  for (let r = 0; r < restarts; r++) {
    const centroids = new Float32Array(k * rows.dims);
    kmeansPlusPlus(sp, k, prng, centroids);
    const run = lloyd(sp, centroids, k, maxIter, tolerance);
    if (!best || run.inertia < best.inertia) best = run;
  }
  return { k, ...best! };
}

export interface ChosenK extends KMeansResult {
  readonly silhouette: number;
  readonly tried: Array<{ k: number; silhouette: number }>;
}

/** k in [min, max] with the highest silhouette (the smaller k on a tie), over one shared seeded sample. */
export function chooseK(
  rows: Rows,
  range: { min: number; max: number },
  options: { metric: LearnMetric; seed: number; restarts?: number },
): ChosenK {
  const { min, max } = range;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 2 || max < min || max > rows.count - 1) {
    throw new RangeError(`k range must satisfy 2 <= min <= max <= ${rows.count - 1}, got ${min}..${max}`);
  }
  const indices = silhouetteSample(rows.count, SILHOUETTE_SAMPLE, options.seed);
  const distances = sampleDistances(rows, indices, options.metric);
  const tried: Array<{ k: number; silhouette: number }> = [];
  let best: (KMeansResult & { silhouette: number }) | undefined;
  for (let k = min; k <= max; k++) {
    const result = kmeans(rows, { k, metric: options.metric, seed: options.seed, restarts: options.restarts });
    const clusters = Int32Array.from(indices, (i) => result.assignments[i]!);
    let score: number;
    try {
      score = silhouetteFromDistances(distances, clusters, k);
    } catch {
      score = -1; // fewer than two clusters in the sample: the lowest silhouette there is
    }
    tried.push({ k, silhouette: score });
    if (!best || score > best.silhouette) best = { ...result, silhouette: score };
  }
  return { ...best!, tried };
}
