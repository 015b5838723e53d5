/**
 * @module Qdrant's two recommend strategies, scoring candidates from positive and negative examples.
 * (https://qdrant.tech/documentation/concepts/explore/#recommendation-api, and its implementation,
 * qdrant/qdrant lib/segment/src/vector_storage/query/reco_query.rs.)
 *
 * average_vector: one query vector, avg(positive) + (avg(positive) − avg(negative)), or avg(positive)
 * alone without negatives; then an ordinary search.
 * best_score: each candidate's best similarity to a positive and to a negative; if the positive one is
 * higher the score is sigmoid(best positive), else −sigmoid(best negative), with Qdrant's "scaled fast
 * sigmoid" 0.5·(x / (1 + |x|) + 1). So anything nearer a positive outranks anything nearer a negative,
 * and among the latter the closer to a negative, the lower.
 * (The RecommendStrategy text of Qdrant's API schema still says the negative branch is "squared and negated";
 * the engine has used the sigmoid since, and this follows the engine.)
 * Similarity is what Qdrant uses internally: cosine, or minus the squared euclidean distance.
 * Neither excludes the examples themselves: callers do.
 */

import { cosine } from '../vector/metrics.ts';
import type { LearnMetric } from './rows.ts';

function average(vectors: readonly Float32Array[], dims: number): Float64Array {
  const sum = new Float64Array(dims);
  for (const v of vectors) {
    if (v.length !== dims) throw new RangeError(`examples differ in length: ${dims} vs ${v.length}`);
    for (let t = 0; t < dims; t++) sum[t] = sum[t]! + v[t]!;
  }
  for (let t = 0; t < dims; t++) sum[t] = sum[t]! / vectors.length;
  return sum;
}

export function averageVectorQuery(positive: readonly Float32Array[], negative: readonly Float32Array[]): Float32Array {
  if (positive.length === 0) throw new RangeError('average_vector needs at least one positive example');
  const dims = positive[0]!.length;
  const pos = average(positive, dims);
  if (negative.length === 0) return Float32Array.from(pos);
  const neg = average(negative, dims);
  return Float32Array.from(pos, (p, t) => p + (p - neg[t]!));
}

/** Qdrant's scaled fast sigmoid: (0, 1), monotonic, no exponent. */
export function scaledFastSigmoid(x: number): number {
  return 0.5 * (x / (1 + Math.abs(x)) + 1);
}

function similarity(a: Float32Array, b: Float32Array, metric: LearnMetric): number {
  if (a.length !== b.length) throw new RangeError(`vectors differ in length: ${a.length} vs ${b.length}`);
  if (metric === 'cosine') return cosine(a, b);
  let sum = 0;
  for (let t = 0; t < a.length; t++) {
    const diff = a[t]! - b[t]!;
    sum += diff * diff;
  }
  return -sum;
}

export function bestScore(
  candidate: Float32Array,
  positive: readonly Float32Array[],
  negative: readonly Float32Array[],
  metric: LearnMetric,
): number {
  if (positive.length === 0 && negative.length === 0) throw new RangeError('best_score needs at least one example');
  let bestPositive = Number.NEGATIVE_INFINITY;
  for (const p of positive) bestPositive = Math.max(bestPositive, similarity(candidate, p, metric));
  let bestNegative = Number.NEGATIVE_INFINITY;
  for (const q of negative) bestNegative = Math.max(bestNegative, similarity(candidate, q, metric));
  return bestPositive > bestNegative ? scaledFastSigmoid(bestPositive) : -scaledFastSigmoid(bestNegative);
}
