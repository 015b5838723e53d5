/** @module Rows scaled to unit length: logistic regression over cosine geometry (what image features are compared by). */
import type { Rows } from '../../core/learn/rows.ts';
import { norm } from '../../core/vector/metrics.ts';

export function unitRows(rows: Rows): Rows {
  const norms = new Float32Array(rows.count);
  for (let i = 0; i < rows.count; i++) norms[i] = rows.norm(i) || 1;
  return {
    count: rows.count,
    dims: rows.dims,
    read(i, out) {
      rows.read(i, out);
      const n = norms[i]!;
      for (let j = 0; j < out.length; j++) out[j] = out[j]! / n;
    },
    dot: (i, v) => rows.dot(i, v) / norms[i]!,
    norm: (i) => (rows.norm(i) === 0 ? 0 : 1),
  };
}

/** The vector scaled to unit length (unchanged if zero). */
export function unitVector(vector: Float32Array): Float32Array {
  const n = norm(vector);
  return n === 0 ? vector : vector.map((v) => v / n);
}
