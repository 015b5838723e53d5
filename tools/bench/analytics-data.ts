/**
 * @module Synthetic data for the analytics bench: `n` rows of `dims` int8 codes (the KV store's codec:
 * per-row scale = max|x| / 127), drawn around 10 seeded cluster centres with ReLU-like (non-negative,
 * sparse) components like CNN features: the same cosine within a cluster ~0.84, across ~0.4. Every 100th
 * row is a near copy of the row before it (cosine ~0.99), so duplicate grouping has planted pairs to find.
 * Pure: runs in workerd and in Node.
 */
import { mulberry32 } from '../../src/core/util/random.ts';
import { quantize } from '../../src/store/kv/codec.ts';

export const CLUSTERS = 10;
/** Every DUPLICATE_EVERY-th row copies the previous one (plus a little noise). */
export const DUPLICATE_EVERY = 100;
const LABELS = Array.from({ length: CLUSTERS }, (_, c) => `class-${c}`);

export interface SyntheticRows {
  readonly n: number;
  readonly dims: number;
  readonly codes: Int8Array;
  readonly scales: Float32Array;
  /** Row i's cluster as a label (shared strings: no per-row allocation). */
  readonly labels: string[];
  /** The planted duplicate pairs' count. */
  readonly planted: number;
}

export function syntheticRows(n: number, dims: number, seed: number): SyntheticRows {
  const next = mulberry32(seed).next;
  const centres = Array.from({ length: CLUSTERS }, () => Float32Array.from({ length: dims }, () => (next() < 0.4 ? next() * 4 : 0)));
  const codes = new Int8Array(n * dims);
  const scales = new Float32Array(n);
  const labels: string[] = new Array(n);
  const row = new Float32Array(dims);
  let planted = 0;
  for (let i = 0; i < n; i++) {
    const copy = i > 0 && i % DUPLICATE_EVERY === 0;
    const cluster = copy ? (i - 1) % CLUSTERS : i % CLUSTERS;
    if (copy) {
      for (let d = 0; d < dims; d++) row[d] = Math.max(0, row[d]! + (next() - 0.5) * 0.3);
      planted++;
    } else {
      const centre = centres[cluster]!;
      for (let d = 0; d < dims; d++) row[d] = Math.max(0, centre[d]! + (next() - 0.5) * 3);
    }
    const { scale, code } = quantize(row);
    codes.set(code, i * dims);
    scales[i] = scale;
    labels[i] = LABELS[cluster]!;
  }
  return { n, dims, codes, scales, labels, planted };
}
