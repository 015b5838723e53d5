/** @module Summary statistics of samples (timings, scores): median and nearest-rank quantiles. */

const ascending = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

/** The middle value (the mean of the two middle ones for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  const s = ascending(values);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The value at rank ⌊q·n⌋ of the sorted values (q in [0, 1], clamped to the largest): the benchmarks'
 * p90 is `quantile(times, 0.9)`. NaN for no values.
 */
export function quantile(values: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  const s = ascending(values);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}
