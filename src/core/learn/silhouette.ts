/**
 * @module Mean silhouette coefficient, as scikit-learn's `silhouette_score`: per row s = (b − a) / max(a, b)
 * with a the mean distance to the other rows of its cluster and b the smallest mean distance to another
 * cluster's rows; 0 for a row alone in its cluster. Distances: 1 − cosine, or euclidean. Exact up to
 * `sample` rows; above, over a seeded random sample of that many rows (scikit-learn's `sample_size`),
 * since the exact value costs n² distances.
 */

import { mulberry32 } from '../util/random.ts';
import { type LearnMetric, readFor, type Rows } from './rows.ts';

export const SILHOUETTE_SAMPLE = 1000;

/** The rows silhouette looks at: all, or `sample` of them drawn without replacement, ascending. */
export function silhouetteSample(count: number, sample: number, seed: number): Int32Array {
  if (count <= sample) return Int32Array.from({ length: count }, (_, i) => i);
  const pool = Int32Array.from({ length: count }, (_, i) => i);
  const next = mulberry32(seed).next;
  for (let i = 0; i < sample; i++) {
    const j = i + Math.floor(next() * (count - i));
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, sample).sort();
}

/** Full s x s distance matrix of the sampled rows (s = indices.length; 4 MB at the default sample). */
export function sampleDistances(rows: Rows, indices: Int32Array, metric: LearnMetric): Float32Array {
  const s = indices.length;
  const d = rows.dims;
  const data = new Float32Array(s * d);
  for (let p = 0; p < s; p++) readFor(rows, indices[p]!, metric, data.subarray(p * d, p * d + d));
  const out = new Float32Array(s * s);
  for (let p = 0; p < s; p++) {
    for (let q = p + 1; q < s; q++) {
      let value = 0;
      if (metric === 'cosine') {
        for (let t = 0; t < d; t++) value += data[p * d + t]! * data[q * d + t]!;
        value = Math.min(2, Math.max(0, 1 - value));
      } else {
        for (let t = 0; t < d; t++) {
          const diff = data[p * d + t]! - data[q * d + t]!;
          value += diff * diff;
        }
        value = Math.sqrt(value);
      }
      out[p * s + q] = value;
      out[q * s + p] = value;
    }
  }
  return out;
}

/** Mean silhouette from a distance matrix and the cluster (0..k-1) of each of its rows. */
export function silhouetteFromDistances(distances: Float32Array, clusters: Int32Array, k: number): number {
  const s = clusters.length;
  const sizes = new Int32Array(k);
  for (let p = 0; p < s; p++) sizes[clusters[p]!]!++;
  let present = 0;
  for (let c = 0; c < k; c++) if (sizes[c]! > 0) present++;
  if (present < 2 || present > s - 1) throw new RangeError(`silhouette needs 2..${s - 1} clusters among the rows, got ${present}`);
  const sums = new Float64Array(k);
  let total = 0;
  for (let p = 0; p < s; p++) {
    sums.fill(0);
    for (let q = 0; q < s; q++) sums[clusters[q]!] = sums[clusters[q]!]! + distances[p * s + q]!;
    const own = clusters[p]!;
    if (sizes[own]! < 2) continue;
    const a = sums[own]! / (sizes[own]! - 1);
    let b = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) if (c !== own && sizes[c]! > 0) b = Math.min(b, sums[c]! / sizes[c]!);
    const denominator = Math.max(a, b);
    if (denominator > 0) total += (b - a) / denominator;
  }
  return total / s;
}

export function silhouette(
  rows: Rows,
  assignments: Int32Array,
  k: number,
  metric: LearnMetric,
  options: { sample?: number; seed?: number } = {},
): number {
  if (assignments.length !== rows.count) throw new RangeError(`${rows.count} rows but ${assignments.length} assignments`);
  const indices = silhouetteSample(rows.count, options.sample ?? SILHOUETTE_SAMPLE, options.seed ?? 0);
  const clusters = Int32Array.from(indices, (i) => assignments[i]!);
  for (const c of clusters) if (c < 0 || c >= k) throw new RangeError(`cluster ${c} outside 0..${k - 1}`);
  return silhouetteFromDistances(sampleDistances(rows, indices, metric), clusters, k);
}
