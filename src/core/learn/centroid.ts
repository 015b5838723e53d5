/**
 * @module Nearest-centroid classifier with calibrated probabilities.
 *
 * Centroids: per class the mean of its rows (euclidean), or the normalised mean of its unit rows (cosine).
 * Similarity: cosine to the unit centroid, or minus the euclidean distance. Probabilities:
 * softmax(similarity / temperature). The temperature is fitted by minimising the negative log-likelihood
 * of the training labels (convex in 1/temperature; golden-section search), with each row scored against its
 * own class's centroid *without that row* (leave-one-out, exact and cheap for means): against the full
 * centroids every training row looks nearer its class than a new one will, and the fitted temperature
 * would be overconfident. Above CALIBRATION_ROWS rows an evenly strided subset is used.
 */

import { type LearnMetric, encodeLabels, readFor, type Rows } from './rows.ts';

export interface CentroidModel {
  readonly kind: 'centroid';
  readonly classes: string[];
  readonly dims: number;
  /** Row-major classes x dims. */
  readonly centroids: number[];
  readonly temperature: number;
  readonly metric: LearnMetric;
}

const CALIBRATION_ROWS = 5000;
const GOLDEN_STEPS = 80;

export function trainCentroid(rows: Rows, labels: readonly string[], options: { metric?: LearnMetric } = {}): CentroidModel {
  const metric = options.metric ?? 'cosine';
  if (labels.length !== rows.count) throw new RangeError(`${rows.count} rows but ${labels.length} labels`);
  const { classes, codes, counts } = encodeLabels(labels);
  if (classes.length < 1) throw new RangeError('a centroid model needs at least one class');
  const k = classes.length;
  const d = rows.dims;
  const n = rows.count;
  const sums = new Float64Array(k * d);
  const row = new Float32Array(d);
  for (let i = 0; i < n; i++) {
    readFor(rows, i, metric, row);
    const base = codes[i]! * d;
    for (let t = 0; t < d; t++) sums[base + t] = sums[base + t]! + row[t]!;
  }
  const sumSquares = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let q = 0;
    for (let t = 0; t < d; t++) q += sums[j * d + t]! ** 2;
    sumSquares[j] = q;
  }
  const centroids = new Float64Array(k * d);
  for (let j = 0; j < k; j++) {
    const scale = metric === 'cosine' ? (sumSquares[j]! > 0 ? 1 / Math.sqrt(sumSquares[j]!) : 0) : 1 / counts[j]!;
    for (let t = 0; t < d; t++) centroids[j * d + t] = sums[j * d + t]! * scale;
  }

  // Leave-one-out similarities of a strided subset, for the temperature.
  const stride = Math.max(1, Math.ceil(n / CALIBRATION_ROWS));
  const picked: number[] = [];
  for (let i = 0; i < n; i += stride) if (counts[codes[i]!]! > 1) picked.push(i);
  const similarities = new Float64Array(picked.length * k);
  const truth = new Int32Array(picked.length);
  for (let p = 0; p < picked.length; p++) {
    const i = picked[p]!;
    readFor(rows, i, metric, row);
    const own = codes[i]!;
    truth[p] = own;
    let xx = 0;
    for (let t = 0; t < d; t++) xx += row[t]! * row[t]!;
    for (let j = 0; j < k; j++) {
      let xc = 0;
      let xs = 0;
      for (let t = 0; t < d; t++) {
        xc += row[t]! * centroids[j * d + t]!;
        xs += row[t]! * sums[j * d + t]!;
      }
      similarities[p * k + j] =
        j === own ? leaveOneOut(metric, xx, xs, sumSquares[j]!, counts[j]!) : fullSimilarity(metric, xx, xc, j, centroids, d);
    }
  }
  return {
    kind: 'centroid',
    classes,
    dims: d,
    centroids: Array.from(centroids),
    temperature: fitTemperature(similarities, truth, k),
    metric,
  };
}

function fullSimilarity(metric: LearnMetric, xx: number, xc: number, j: number, centroids: Float64Array, d: number): number {
  if (metric === 'cosine') return xc;
  let cc = 0;
  for (let t = 0; t < d; t++) cc += centroids[j * d + t]! ** 2;
  return -Math.sqrt(Math.max(0, xx - 2 * xc + cc));
}

/** Similarity of x to its class centroid with x itself taken out of the class sum `s` (count m > 1). */
function leaveOneOut(metric: LearnMetric, xx: number, xs: number, ss: number, m: number): number {
  const restSquares = Math.max(0, ss - 2 * xs + xx); // ‖s − x‖²
  if (metric === 'cosine') return restSquares > 0 ? (xs - xx) / Math.sqrt(restSquares) : 0;
  const xm = (xs - xx) / (m - 1);
  const mm = restSquares / (m - 1) ** 2;
  return -Math.sqrt(Math.max(0, xx - 2 * xm + mm));
}

function negativeLogLikelihood(similarities: Float64Array, truth: Int32Array, k: number, beta: number): number {
  let total = 0;
  for (let p = 0; p < truth.length; p++) {
    let top = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < k; j++) top = Math.max(top, beta * similarities[p * k + j]!);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(beta * similarities[p * k + j]! - top);
    total += top + Math.log(sum) - beta * similarities[p * k + truth[p]!]!;
  }
  return total;
}

/** 1 / the β minimising the NLL, searched in (0, 1000 / typical spread of similarities]. */
function fitTemperature(similarities: Float64Array, truth: Int32Array, k: number): number {
  let spread = 0;
  for (let p = 0; p < truth.length; p++) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < k; j++) {
      lo = Math.min(lo, similarities[p * k + j]!);
      hi = Math.max(hi, similarities[p * k + j]!);
    }
    spread += hi - lo;
  }
  spread = truth.length > 0 && spread > 0 ? spread / truth.length : 1;
  if (truth.length === 0 || k < 2) return spread;
  let lo = 1e-3 / spread;
  let hi = 1e3 / spread;
  const ratio = (Math.sqrt(5) - 1) / 2;
  let a = hi - ratio * (hi - lo);
  let b = lo + ratio * (hi - lo);
  let fa = negativeLogLikelihood(similarities, truth, k, a);
  let fb = negativeLogLikelihood(similarities, truth, k, b);
  for (let step = 0; step < GOLDEN_STEPS; step++) {
    if (fa <= fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - ratio * (hi - lo);
      fa = negativeLogLikelihood(similarities, truth, k, a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + ratio * (hi - lo);
      fb = negativeLogLikelihood(similarities, truth, k, b);
    }
  }
  return 1 / ((lo + hi) / 2);
}

/** Similarities of a vector to each centroid, in `model.classes` order (cosine normalises the vector). */
export function centroidSimilarities(model: CentroidModel, vector: Float32Array): Float64Array {
  const { classes, dims, centroids, metric } = model;
  if (vector.length !== dims) throw new RangeError(`the model takes ${dims} dims, got ${vector.length}`);
  let vv = 0;
  for (let t = 0; t < dims; t++) vv += vector[t]! * vector[t]!;
  const out = new Float64Array(classes.length);
  for (let j = 0; j < classes.length; j++) {
    let vc = 0;
    let cc = 0;
    for (let t = 0; t < dims; t++) {
      vc += vector[t]! * centroids[j * dims + t]!;
      cc += centroids[j * dims + t]! ** 2;
    }
    out[j] = metric === 'cosine' ? (vv > 0 ? vc / Math.sqrt(vv) : 0) : -Math.sqrt(Math.max(0, vv - 2 * vc + cc));
  }
  return out;
}
