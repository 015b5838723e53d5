/**
 * @module Multinomial logistic regression as scikit-learn's `LogisticRegression(solver='lbfgs')` fits it:
 * one weight vector and intercept per class (softmax), the objective
 *   Σᵢ sᵢ·(−log pᵢ,yᵢ) / Σᵢ sᵢ  +  ‖W‖² / (2·C·Σᵢ sᵢ)
 * (intercepts unpenalised; sᵢ = 1, or n / (classes · count of yᵢ's class) for class_weight='balanced'),
 * minimised by L-BFGS from zero. Features are used as given: callers L2-normalise for cosine models.
 */

import { lbfgs } from './lbfgs.ts';
import { encodeLabels, type Rows } from './rows.ts';

export interface LogisticModel {
  readonly kind: 'logistic';
  readonly classes: string[];
  readonly dims: number;
  /** Row-major classes x dims. */
  readonly weights: number[];
  readonly bias: number[];
}

export interface LogisticOptions {
  /** Inverse regularisation strength, as scikit-learn's C (default 1). */
  c?: number;
  classWeight?: 'balanced' | 'none';
  maxIter?: number;
  /** Stop when max |gradient| of the averaged objective falls below this (scikit-learn's `tol`, default 1e-4). */
  tolerance?: number;
}

export function trainLogistic(rows: Rows, labels: readonly string[], options: LogisticOptions = {}): LogisticModel {
  const { c = 1, classWeight = 'none', maxIter = 200, tolerance = 1e-4 } = options;
  if (labels.length !== rows.count) throw new RangeError(`${rows.count} rows but ${labels.length} labels`);
  if (!(c > 0)) throw new RangeError(`C must be positive, got ${c}`);
  const { classes, codes, counts } = encodeLabels(labels);
  if (classes.length < 2) throw new RangeError('logistic regression needs at least two classes');
  const k = classes.length;
  const d = rows.dims;
  const n = rows.count;
  const sampleWeight = new Float64Array(k);
  for (let j = 0; j < k; j++) sampleWeight[j] = classWeight === 'balanced' ? n / (k * counts[j]!) : 1;
  let weightSum = 0;
  for (let i = 0; i < n; i++) weightSum += sampleWeight[codes[i]!]!;
  const penalty = 1 / (c * weightSum);
  const row = new Float32Array(d);
  const logits = new Float64Array(k);

  const objective = (x: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      rows.read(i, row);
      let top = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < k; j++) {
        let z = x[k * d + j]!;
        const base = j * d;
        for (let t = 0; t < d; t++) z += x[base + t]! * row[t]!;
        logits[j] = z;
        if (z > top) top = z;
      }
      let sum = 0;
      for (let j = 0; j < k; j++) sum += Math.exp(logits[j]! - top);
      const logSum = top + Math.log(sum);
      const y = codes[i]!;
      const w = sampleWeight[y]! / weightSum;
      loss += w * (logSum - logits[y]!);
      for (let j = 0; j < k; j++) {
        const residual = w * (Math.exp(logits[j]! - logSum) - (j === y ? 1 : 0));
        const base = j * d;
        for (let t = 0; t < d; t++) grad[base + t] = grad[base + t]! + residual * row[t]!;
        grad[k * d + j] = grad[k * d + j]! + residual;
      }
    }
    let squares = 0;
    for (let p = 0; p < k * d; p++) {
      squares += x[p]! * x[p]!;
      grad[p] = grad[p]! + penalty * x[p]!;
    }
    return loss + 0.5 * penalty * squares;
  };

  const { x } = lbfgs(objective, new Float64Array(k * d + k), {
    maxIter,
    gradientTolerance: tolerance,
    valueTolerance: 64 * Number.EPSILON,
  });
  return { kind: 'logistic', classes, dims: d, weights: Array.from(x.subarray(0, k * d)), bias: Array.from(x.subarray(k * d)) };
}

/** Class probabilities for one vector, in `model.classes` order. */
export function logisticProbabilities(model: LogisticModel, vector: Float32Array): Float64Array {
  const { classes, dims, weights, bias } = model;
  if (vector.length !== dims) throw new RangeError(`the model takes ${dims} dims, got ${vector.length}`);
  const out = new Float64Array(classes.length);
  let top = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < classes.length; j++) {
    let z = bias[j]!;
    const base = j * dims;
    for (let t = 0; t < dims; t++) z += weights[base + t]! * vector[t]!;
    out[j] = z;
    if (z > top) top = z;
  }
  return softmaxInPlace(out, top);
}

/** exp(z - top) normalised; `top` = max z keeps it finite. */
export function softmaxInPlace(z: Float64Array, top: number): Float64Array {
  let sum = 0;
  for (let j = 0; j < z.length; j++) sum += z[j] = Math.exp(z[j]! - top);
  for (let j = 0; j < z.length; j++) z[j] = z[j]! / sum;
  return z;
}
