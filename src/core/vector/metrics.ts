/** @module Vector similarity, the same everywhere (workerd, Node, browsers). */

export type Metric = 'cosine' | 'euclidean' | 'dot';

export const METRICS: readonly Metric[] = ['cosine', 'euclidean', 'dot'];

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`vectors differ in length: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** Cosine similarity in [-1, 1]; 0 when either vector is all zeros. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const denominator = norm(a) * norm(b);
  return denominator === 0 ? 0 : dot(a, b) / denominator;
}

export function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`vectors differ in length: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/**
 * The score a search reports, as Vectorize reports it: cosine and dot are similarities (higher is
 * nearer), euclidean is a distance (lower is nearer).
 */
export function score(metric: Metric, a: ArrayLike<number>, b: ArrayLike<number>): number {
  switch (metric) {
    case 'cosine':
      return cosine(a, b);
    case 'dot':
      return dot(a, b);
    case 'euclidean':
      return euclidean(a, b);
  }
}

/** True when score `a` ranks before score `b` under the metric. */
export function better(metric: Metric, a: number, b: number): boolean {
  return metric === 'euclidean' ? a < b : a > b;
}
