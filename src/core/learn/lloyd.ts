/**
 * @module Lloyd's iterations with Hamerly's bounds (G. Hamerly, "Making k-means even faster", SDM 2010):
 * the same assignments as plain Lloyd, with most rows skipped once centres settle. Each row keeps an upper
 * bound on its distance to its own centre and a lower bound on its distance to any other; when the centres
 * move, the bounds move by as much. A row whose upper bound is below max(lower bound, half the distance from
 * its centre to the nearest other centre) cannot change cluster, so it is not looked at. Centroid sums are
 * kept up to date as rows move, so only rows that change cluster are read.
 *
 * Stops when no row changes cluster, or the centres move less than `tolerance` times the data's variance
 * per dimension (Σ shift² ≤ tol · mean variance: scikit-learn's rule), or after maxIter. The assignments
 * returned are always those of the nearest returned centroid; the inertia is recomputed exactly.
 */

import { cost, distance, type Space, squares } from './kmeans-space.ts';
import { readFor } from './rows.ts';

export interface Run {
  centroids: Float32Array;
  assignments: Int32Array;
  inertia: number;
  iterations: number;
}

export function lloyd(sp: Space, centroids: Float32Array, k: number, maxIter: number, tolerance: number): Run {
  const { rows, metric } = sp;
  const n = rows.count;
  const d = rows.dims;
  const views = Array.from({ length: k }, (_, j) => centroids.subarray(j * d, j * d + d));
  const centroidSquares = new Float64Array(k);
  const previous = new Float32Array(k * d);
  const shift = new Float64Array(k);
  const half = new Float64Array(k);
  const assignments = new Int32Array(n);
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  const sums = new Float64Array(k * d);
  const sizes = new Int32Array(k);
  const row = new Float32Array(d);
  // Distances come from ‖x‖² − 2x·c + ‖c‖²: skip a row only with this much to spare.
  const slack = 1e-7 * (1 + sp.magnitude);

  const refreshSquares = (): void => {
    for (let j = 0; j < k; j++) centroidSquares[j] = squares(views[j]!);
  };
  /** Nearest centre of row i, setting its bounds exactly. */
  const scan = (i: number): number => {
    let best = 0;
    let nearest = Number.POSITIVE_INFINITY;
    let second = Number.POSITIVE_INFINITY;
    for (let j = 0; j < k; j++) {
      const value = distance(sp, i, views[j]!, centroidSquares[j]!);
      if (value < nearest) {
        second = nearest;
        nearest = value;
        best = j;
      } else if (value < second) second = value;
    }
    upper[i] = nearest;
    lower[i] = second;
    return best;
  };
  const move = (i: number, from: number, to: number): void => {
    readFor(rows, i, metric, row);
    if (from >= 0) {
      const base = from * d;
      for (let t = 0; t < d; t++) sums[base + t] = sums[base + t]! - row[t]!;
      sizes[from]!--;
    }
    const base = to * d;
    for (let t = 0; t < d; t++) sums[base + t] = sums[base + t]! + row[t]!;
    sizes[to]!++;
    assignments[i] = to;
  };

  refreshSquares();
  for (let i = 0; i < n; i++) move(i, -1, scan(i));

  // scikit-learn's tolerance scale: the mean per-dimension variance of the rows.
  let total = 0;
  for (let i = 0; i < n; i++) total += sp.rowSquares[i]!;
  let meanSquares = 0;
  for (let t = 0; t < d; t++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += sums[j * d + t]!;
    meanSquares += (s / n) ** 2;
  }
  const shiftTolerance = (tolerance * Math.max(0, total / n - meanSquares)) / d;

  let iterations = 0;
  const relocated: number[] = [];
  while (iterations < maxIter) {
    iterations++;
    previous.set(centroids);
    // An empty cluster restarts at the row farthest (by its bound) from its centre, as scikit-learn relocates.
    relocated.length = 0;
    for (let j = 0; j < k; j++) {
      if (sizes[j] !== 0) continue;
      let far = -1;
      for (let i = 0; i < n; i++) if (sizes[assignments[i]!]! > 1 && (far < 0 || upper[i]! > upper[far]!)) far = i;
      if (far < 0) break;
      move(far, assignments[far]!, j);
      relocated.push(far);
    }
    for (let j = 0; j < k; j++) {
      const view = views[j]!;
      let scale = sizes[j]! > 0 ? 1 / sizes[j]! : 0;
      if (metric === 'cosine') {
        let q = 0;
        for (let t = 0; t < d; t++) q += sums[j * d + t]! ** 2;
        scale = q > 0 ? 1 / Math.sqrt(q) : 0;
      }
      if (sizes[j] === 0) continue; // k > distinct rows: the centre stays where it was
      for (let t = 0; t < d; t++) view[t] = sums[j * d + t]! * scale;
    }
    refreshSquares();
    let totalShift = 0;
    let largest = 0;
    let secondLargest = 0;
    let largestAt = -1;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += (centroids[j * d + t]! - previous[j * d + t]!) ** 2;
      totalShift += s;
      const value = Math.sqrt(s);
      shift[j] = value;
      if (value > largest) {
        secondLargest = largest;
        largest = value;
        largestAt = j;
      } else if (value > secondLargest) secondLargest = value;
    }
    for (let i = 0; i < n; i++) {
      const a = assignments[i]!;
      upper[i] = upper[i]! + shift[a]!;
      lower[i] = lower[i]! - (a === largestAt ? secondLargest : largest);
    }
    for (const i of relocated) {
      upper[i] = distance(sp, i, views[assignments[i]!]!, centroidSquares[assignments[i]!]!);
      lower[i] = 0;
    }
    for (let j = 0; j < k; j++) {
      let nearest = Number.POSITIVE_INFINITY;
      for (let other = 0; other < k; other++) {
        if (other === j) continue;
        let s = 0;
        for (let t = 0; t < d; t++) s += (centroids[j * d + t]! - centroids[other * d + t]!) ** 2;
        nearest = Math.min(nearest, s);
      }
      half[j] = Math.sqrt(nearest) / 2;
    }
    let changes = 0;
    for (let i = 0; i < n; i++) {
      const a = assignments[i]!;
      const bound = Math.max(half[a]!, lower[i]!);
      if (upper[i]! + slack <= bound) continue;
      upper[i] = distance(sp, i, views[a]!, centroidSquares[a]!);
      if (upper[i]! + slack <= bound) continue;
      const best = scan(i);
      if (best !== a) {
        move(i, a, best);
        changes++;
      }
    }
    if (changes === 0 || totalShift <= shiftTolerance) break;
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += cost(sp, i, views[assignments[i]!]!, centroidSquares[assignments[i]!]!);
  return { centroids, assignments, inertia, iterations };
}
