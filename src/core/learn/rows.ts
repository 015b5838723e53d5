/**
 * @module Rows: the one shape every learning algorithm reads. A namespace of 100k x 512 vectors fits a
 * 128 MB isolate as int8 codes (51 MB) but not as float32 (205 MB), so algorithms never ask for a matrix,
 * only for one row at a time into a buffer they own.
 */

export interface Rows {
  readonly count: number;
  readonly dims: number;
  /** Row i as float32 into `out` (length dims). */
  read(i: number, out: Float32Array): void;
  /** Row i · v. */
  dot(i: number, v: Float32Array): number;
  /** ‖row i‖. */
  norm(i: number): number;
}

export type LearnMetric = 'cosine' | 'euclidean';

function checkShape(length: number, dims: number, what: string): number {
  if (!Number.isInteger(dims) || dims <= 0) throw new RangeError(`dims must be a positive integer, got ${dims}`);
  if (length % dims !== 0) throw new RangeError(`${what} length ${length} is not a multiple of dims ${dims}`);
  return length / dims;
}

/** Norms are computed on first use and kept: k-means and cosine ask for them on every pass. */
function normCache(count: number, compute: (i: number) => number): (i: number) => number {
  const norms = new Float64Array(count).fill(-1);
  return (i) => {
    let value = norms[i]!;
    if (value < 0) norms[i] = value = compute(i);
    return value;
  };
}

/** Row-major `n * dims` float32 values. */
export function float32Rows(data: Float32Array, dims: number): Rows {
  const count = checkShape(data.length, dims, 'data');
  return {
    count,
    dims,
    read(i, out) {
      // A copy loop, not out.set(data.subarray(…)): no view object per row in hot loops.
      const base = i * dims;
      for (let j = 0; j < dims; j++) out[j] = data[base + j]!;
    },
    dot(i, v) {
      const base = i * dims;
      let sum = 0;
      for (let j = 0; j < dims; j++) sum += data[base + j]! * v[j]!;
      return sum;
    },
    norm: normCache(count, (i) => {
      const base = i * dims;
      let sum = 0;
      for (let j = 0; j < dims; j++) sum += data[base + j]! * data[base + j]!;
      return Math.sqrt(sum);
    }),
  };
}

/** Row i = scales[i] * codes[i*dims .. (i+1)*dims] (the KV store's list-metadata codes). */
export function int8Rows(codes: Int8Array, scales: Float32Array, dims: number): Rows {
  const count = checkShape(codes.length, dims, 'codes');
  if (scales.length !== count) throw new RangeError(`expected ${count} scales, got ${scales.length}`);
  return {
    count,
    dims,
    read(i, out) {
      const base = i * dims;
      const scale = scales[i]!;
      for (let j = 0; j < dims; j++) out[j] = codes[base + j]! * scale;
    },
    dot(i, v) {
      const base = i * dims;
      let sum = 0;
      for (let j = 0; j < dims; j++) sum += codes[base + j]! * v[j]!;
      return sum * scales[i]!;
    },
    norm: normCache(count, (i) => {
      const base = i * dims;
      let sum = 0;
      for (let j = 0; j < dims; j++) sum += codes[base + j]! * codes[base + j]!;
      return Math.sqrt(sum) * Math.abs(scales[i]!);
    }),
  };
}

/** The rows at `indices` of `rows`, in that order, without copying (cross-validation folds, samples). */
export function subsetRows(rows: Rows, indices: ArrayLike<number>): Rows {
  const map = Int32Array.from(indices as ArrayLike<number>);
  for (const index of map) if (index < 0 || index >= rows.count) throw new RangeError(`row ${index} out of range 0..${rows.count - 1}`);
  return {
    count: map.length,
    dims: rows.dims,
    read: (i, out) => rows.read(map[i]!, out),
    dot: (i, v) => rows.dot(map[i]!, v),
    norm: (i) => rows.norm(map[i]!),
  };
}

/**
 * Row i into `out`, divided by its norm when the metric is cosine (all-zero rows stay zero): cosine
 * algorithms then work with plain dot products.
 */
export function readFor(rows: Rows, i: number, metric: LearnMetric, out: Float32Array): void {
  rows.read(i, out);
  if (metric !== 'cosine') return;
  const n = rows.norm(i);
  if (n === 0) return;
  const inverse = 1 / n;
  for (let j = 0; j < out.length; j++) out[j] = out[j]! * inverse;
}

/** The distinct labels in sorted order (as numpy's unique: scikit-learn's `classes_`) and each row's class index. */
export function encodeLabels(labels: ArrayLike<string>): { classes: string[]; codes: Int32Array; counts: Int32Array } {
  const classes = [...new Set(Array.from(labels))].sort(compareLabels);
  const index = new Map(classes.map((label, i) => [label, i]));
  const codes = new Int32Array(labels.length);
  const counts = new Int32Array(classes.length);
  for (let i = 0; i < labels.length; i++) {
    const code = index.get(labels[i]!)!;
    codes[i] = code;
    counts[code]!++;
  }
  return { classes, codes, counts };
}

/** Code-unit order, the order scikit-learn's `classes_` takes for strings. */
export function compareLabels(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
