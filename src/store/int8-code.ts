/**
 * @module The int8 code of a vector (one scale per vector), shared by the KV store's list metadata and
 * every store's scan: x ≈ scale · code, each component within scale / 2.
 */

export interface Int8Code {
  readonly scale: number;
  readonly code: Int8Array;
  /** ‖x − scale·code‖, in float64. */
  readonly errorNorm: number;
}

/** Codes `vector` into `out` from `offset` (no allocation: scans fill one page buffer); returns scale and error norm. */
export function quantizeInto(vector: ArrayLike<number>, out: Int8Array, offset = 0): { scale: number; errorNorm: number } {
  let maxAbs = 0;
  for (let i = 0; i < vector.length; i++) maxAbs = Math.max(maxAbs, Math.abs(vector[i]!));
  if (maxAbs === 0) {
    out.fill(0, offset, offset + vector.length);
    return { scale: 0, errorNorm: 0 };
  }
  const scale = maxAbs / 127;
  let err2 = 0;
  for (let i = 0; i < vector.length; i++) {
    const c = Math.max(-127, Math.min(127, Math.round(vector[i]! / scale)));
    out[offset + i] = c;
    const d = vector[i]! - scale * c;
    err2 += d * d;
  }
  return { scale, errorNorm: Math.sqrt(err2) };
}

export function quantize(vector: ArrayLike<number>): Int8Code {
  const code = new Int8Array(vector.length);
  return { ...quantizeInto(vector, code), code };
}
