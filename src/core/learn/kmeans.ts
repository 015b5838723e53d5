/**
 * @module k-means over rows: greedy k-means++ initialisation (scikit-learn's: 2 + ⌊ln k⌋ candidates per
 * centre, the one that lowers the potential most wins), Lloyd iterations, several restarts keeping the
 * lowest inertia, all drawn from one seeded mulberry32 stream (same seed, same result; restart 1 of a run
 * with more restarts is the whole of a run with one, so more restarts are never worse).
 *
 * euclidean: cost = squared distance, centroids = means (inertia as scikit-learn's).
 * cosine: spherical k-means: unit rows, unit centroids (the normalised mean), cost = 1 − cosine.
 * Assignment uses rows.dot against the centroids (no row copies); only the update step reads rows.
 */

import { mulberry32, type Prng } from '../util/random.ts';
import { type LearnMetric, readFor, type Rows } from './rows.ts';
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
  maxIter?: number;
  /** Stop when an iteration lowers the inertia by less than this fraction. */
  tolerance?: number;
}

/** Cost of row i against centroid j, from x·c; `rowSquares` = ‖x‖² (euclidean) or the inverse norm (cosine). */
interface Space {
  readonly rows: Rows;
  readonly metric: LearnMetric;
  /** euclidean: ‖xᵢ‖²; cosine: 1/‖xᵢ‖ (0 for a zero row). */
  readonly rowTerm: Float64Array;
}

function space(rows: Rows, metric: LearnMetric): Space {
  const rowTerm = new Float64Array(rows.count);
  for (let i = 0; i < rows.count; i++) {
    const n = rows.norm(i);
    rowTerm[i] = metric === 'euclidean' ? n * n : n > 0 ? 1 / n : 0;
  }
  return { rows, metric, rowTerm };
}

function cost(sp: Space, i: number, centroid: Float32Array, centroidSquares: number): number {
  const xc = sp.rows.dot(i, centroid);
  if (sp.metric === 'cosine') return 1 - xc * sp.rowTerm[i]!;
  return Math.max(0, sp.rowTerm[i]! - 2 * xc + centroidSquares);
}

function squares(v: Float32Array): number {
  let s = 0;
  for (let t = 0; t < v.length; t++) s += v[t]! * v[t]!;
  return s;
}

/** Index drawn with probability proportional to weights (uniform when they are all 0). */
function draw(weights: Float64Array, total: number, prng: Prng): number {
  if (!(total > 0)) return Math.floor(prng.next() * weights.length);
  const target = prng.next() * total;
  let cumulative = 0;
  let last = 0;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i]! <= 0) continue;
    cumulative += weights[i]!;
    last = i;
    if (cumulative > target) return i;
  }
  return last;
}

function kmeansPlusPlus(sp: Space, k: number, prng: Prng, centroids: Float32Array): void {
  const { rows, metric } = sp;
  const n = rows.count;
  const d = rows.dims;
  const trials = 2 + Math.floor(Math.log(k));
  let closest = new Float64Array(n);
  let candidateCosts = new Float64Array(n);
  let bestCosts = new Float64Array(n);
  const candidate = new Float32Array(d);
  const first = centroids.subarray(0, d);
  readFor(rows, Math.floor(prng.next() * n), metric, first);
  const firstSquares = squares(first);
  let potential = 0;
  for (let i = 0; i < n; i++) potential += closest[i] = cost(sp, i, first, firstSquares);
  for (let c = 1; c < k; c++) {
    let bestPotential = Number.POSITIVE_INFINITY;
    let bestIndex = 0;
    for (let t = 0; t < trials; t++) {
      const index = draw(closest, potential, prng);
      readFor(rows, index, metric, candidate);
      const candidateSquares = squares(candidate);
      let next = 0;
      for (let i = 0; i < n; i++) next += candidateCosts[i] = Math.min(closest[i]!, cost(sp, i, candidate, candidateSquares));
      if (next < bestPotential) {
        bestPotential = next;
        bestIndex = index;
        [bestCosts, candidateCosts] = [candidateCosts, bestCosts];
      }
    }
    readFor(rows, bestIndex, metric, centroids.subarray(c * d, c * d + d));
    [closest, bestCosts] = [bestCosts, closest];
    potential = bestPotential;
  }
}

interface Run {
  centroids: Float32Array;
  assignments: Int32Array;
  inertia: number;
  iterations: number;
}

function lloyd(sp: Space, k: number, prng: Prng, maxIter: number, tolerance: number): Run {
  const { rows, metric } = sp;
  const n = rows.count;
  const d = rows.dims;
  const centroids = new Float32Array(k * d);
  kmeansPlusPlus(sp, k, prng, centroids);
  const views = Array.from({ length: k }, (_, j) => centroids.subarray(j * d, j * d + d));
  const centroidSquares = new Float64Array(k);
  const assignments = new Int32Array(n).fill(-1);
  const costs = new Float64Array(n);
  const sums = new Float64Array(k * d);
  const sizes = new Int32Array(k);
  const row = new Float32Array(d);

  const assign = (): { changes: number; inertia: number } => {
    for (let j = 0; j < k; j++) centroidSquares[j] = squares(views[j]!);
    let changes = 0;
    let inertia = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestCost = Number.POSITIVE_INFINITY;
      for (let j = 0; j < k; j++) {
        const value = cost(sp, i, views[j]!, centroidSquares[j]!);
        if (value < bestCost) {
          bestCost = value;
          best = j;
        }
      }
      if (assignments[i] !== best) changes++;
      assignments[i] = best;
      costs[i] = bestCost;
      inertia += bestCost;
    }
    return { changes, inertia };
  };

  const update = (): void => {
    sums.fill(0);
    sizes.fill(0);
    for (let i = 0; i < n; i++) {
      readFor(rows, i, metric, row);
      const base = assignments[i]! * d;
      sizes[assignments[i]!]!++;
      for (let t = 0; t < d; t++) sums[base + t] = sums[base + t]! + row[t]!;
    }
    for (let j = 0; j < k; j++) {
      const view = views[j]!;
      if (sizes[j] === 0) {
        // An empty cluster restarts at the row farthest from its centroid (as scikit-learn relocates).
        let far = 0;
        for (let i = 1; i < n; i++) if (costs[i]! > costs[far]!) far = i;
        costs[far] = -1;
        readFor(rows, far, metric, view);
        continue;
      }
      let scale = 1 / sizes[j]!;
      if (metric === 'cosine') {
        let q = 0;
        for (let t = 0; t < d; t++) q += sums[j * d + t]! ** 2;
        scale = q > 0 ? 1 / Math.sqrt(q) : 0;
      }
      for (let t = 0; t < d; t++) view[t] = sums[j * d + t]! * scale;
    }
  };

  let { inertia } = assign();
  let iterations = 0;
  while (iterations < maxIter) {
    update();
    iterations++;
    const step = assign();
    const improvement = inertia - step.inertia;
    inertia = step.inertia;
    if (step.changes === 0 || improvement <= tolerance * Math.abs(inertia)) break;
  }
  return { centroids, assignments, inertia, iterations };
}

export function kmeans(rows: Rows, options: KMeansOptions): KMeansResult {
  const { k, metric, seed, restarts = 4, maxIter = 100, tolerance = 1e-6 } = options;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  if (k > rows.count) throw new RangeError(`k = ${k} is more than the ${rows.count} rows`);
  if (!Number.isInteger(restarts) || restarts < 1) throw new RangeError(`restarts must be a positive integer, got ${restarts}`);
  const sp = space(rows, metric);
  const prng = mulberry32(seed);
  let best: Run | undefined;
  for (let r = 0; r < restarts; r++) {
    const run = lloyd(sp, k, prng, maxIter, tolerance);
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
