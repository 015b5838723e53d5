/**
 * @module Greedy k-means++ initialisation, as scikit-learn's: the first centre uniformly, then for each
 * next centre 2 + ⌊ln k⌋ candidates drawn with probability proportional to their cost to the nearest centre
 * so far, keeping the candidate that lowers the total cost most.
 */

import type { Prng } from '../util/random.ts';
import { cost, type Space, squares } from './kmeans-space.ts';
import { readFor } from './rows.ts';

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

/** Writes k initial centres into `centroids` (row-major k x dims). */
export function kmeansPlusPlus(sp: Space, k: number, prng: Prng, centroids: Float32Array): void {
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
