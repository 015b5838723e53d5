/** @module Scores of a row or a vector against a centroid, in the metric's sense (cosine: similarity; euclidean: distance). */
import type { LearnMetric, Rows } from '../../core/learn/rows.ts';
import { cosine, euclidean } from '../../core/vector/metrics.ts';

/** Row i against `centroid` (whose norm is `centroidNorm`). */
export function rowScore(rows: Rows, i: number, centroid: Float32Array, centroidNorm: number, metric: LearnMetric): number {
  const d = rows.dot(i, centroid);
  const n = rows.norm(i);
  if (metric === 'cosine') return n === 0 || centroidNorm === 0 ? 0 : d / (n * centroidNorm);
  return Math.sqrt(Math.max(0, n * n - 2 * d + centroidNorm * centroidNorm));
}

export function vectorScore(vector: Float32Array, centroid: Float32Array, metric: LearnMetric): number {
  return metric === 'cosine' ? cosine(vector, centroid) : euclidean(vector, centroid);
}

/** Whether score a is nearer than b. */
export const nearer = (metric: LearnMetric, a: number, b: number): boolean => (metric === 'cosine' ? a > b : a < b);

/** Sorts best first (ties by id). */
export function byScore(metric: LearnMetric) {
  return (a: { id: string; score: number }, b: { id: string; score: number }): number =>
    a.score !== b.score ? (nearer(metric, a.score, b.score) ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
