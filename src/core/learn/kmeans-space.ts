/**
 * @module The geometry k-means works in. euclidean: rows as they are, cost = squared distance. cosine
 * (spherical k-means): unit rows and unit centroids, cost = 1 − cosine. Both are computed from rows.dot
 * against a centroid, so no row is copied to find its cluster; `distance` is the euclidean distance in that
 * space (the chord for cosine), which the triangle-inequality bounds of lloyd.ts need.
 */

import type { LearnMetric, Rows } from './rows.ts';

export interface Space {
  readonly rows: Rows;
  readonly metric: LearnMetric;
  /** ‖xᵢ‖² in the space: ‖xᵢ‖² (euclidean), 1 or 0 for a zero row (cosine). */
  readonly rowSquares: Float64Array;
  /** What rows.dot is multiplied by: 1 (euclidean), 1/‖xᵢ‖ or 0 (cosine). */
  readonly rowScale: Float64Array;
  /** √ of the largest rowSquares: the scale of rounding in distances. */
  readonly magnitude: number;
}

export function space(rows: Rows, metric: LearnMetric): Space {
  const rowSquares = new Float64Array(rows.count);
  const rowScale = new Float64Array(rows.count);
  let largest = 0;
  for (let i = 0; i < rows.count; i++) {
    const n = rows.norm(i);
    if (metric === 'euclidean') {
      rowSquares[i] = n * n;
      rowScale[i] = 1;
    } else {
      rowSquares[i] = n > 0 ? 1 : 0;
      rowScale[i] = n > 0 ? 1 / n : 0;
    }
    largest = Math.max(largest, rowSquares[i]!);
  }
  return { rows, metric, rowSquares, rowScale, magnitude: Math.sqrt(largest) };
}

/** k-means cost of row i against a centroid (with ‖centroid‖² given). */
export function cost(sp: Space, i: number, centroid: Float32Array, centroidSquares: number): number {
  const xc = sp.rows.dot(i, centroid) * sp.rowScale[i]!;
  if (sp.metric === 'cosine') return 1 - xc;
  return Math.max(0, sp.rowSquares[i]! - 2 * xc + centroidSquares);
}

/** Euclidean distance of row i (in the space) to a centroid. */
export function distance(sp: Space, i: number, centroid: Float32Array, centroidSquares: number): number {
  const xc = sp.rows.dot(i, centroid) * sp.rowScale[i]!;
  return Math.sqrt(Math.max(0, sp.rowSquares[i]! - 2 * xc + centroidSquares));
}

export function squares(v: ArrayLike<number>): number {
  let s = 0;
  for (let t = 0; t < v.length; t++) s += v[t]! * v[t]!;
  return s;
}
