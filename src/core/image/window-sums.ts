/**
 * @module A resize pass fed one input line at a time: each arriving line is added into the int32 sums of
 * the output indices whose filter window covers it, and an output is handed over when its window is
 * complete. Integer sums do not depend on the order of their terms, so this gives exactly what a pass over
 * the whole input gives (resize.ts), while holding only the windows open at once.
 */

import { type Coefficients, ROUND } from './resize.ts';

/** Output windows covering each input index: [lo[x], hi[x]), contiguous because PIL's windows are monotone. */
function coverage(coeffs: Coefficients, inSize: number): { lo: Int32Array; hi: Int32Array; open: number } {
  const { start, count } = coeffs;
  const outSize = start.length;
  const lo = new Int32Array(inSize).fill(outSize);
  const hi = new Int32Array(inSize);
  for (let i = 0; i < outSize; i++) {
    for (let x = start[i]!, e = x + count[i]!; x < e; x++) {
      if (i < lo[x]!) lo[x] = i;
      if (i + 1 > hi[x]!) hi[x] = i + 1;
    }
  }
  let open = 1;
  for (let x = 0; x < inSize; x++) open = Math.max(open, hi[x]! - lo[x]!);
  return { lo, hi, open };
}

/** The most windows that cover one input index: how many sums a WindowSums holds at once. */
export function windowsOpenAtOnce(coeffs: Coefficients, inSize: number): number {
  return coverage(coeffs, inSize).open;
}

/** Called with a finished output: its `lineLength` sums are `sums[offset .. offset + lineLength)`. */
export type EmitSums = (index: number, sums: Int32Array, offset: number) => void;

export class WindowSums {
  readonly #coeffs: Coefficients;
  readonly #lineLength: number;
  readonly #descending: boolean;
  readonly #emit: EmitSums;
  readonly #lo: Int32Array;
  readonly #hi: Int32Array;
  readonly #slots: number;
  readonly #sums: Int32Array;

  /**
   * `coeffs` maps `inSize` input lines to outputs; lines arrive in increasing index order, or decreasing
   * when `descending`. Every line some window reads must be added exactly once.
   */
  constructor(coeffs: Coefficients, inSize: number, lineLength: number, descending: boolean, emit: EmitSums) {
    const { lo, hi, open } = coverage(coeffs, inSize);
    this.#coeffs = coeffs;
    this.#lineLength = lineLength;
    this.#descending = descending;
    this.#emit = emit;
    this.#lo = lo;
    this.#hi = hi;
    // The windows open at any moment all cover the line just added: `open` slots, indexed mod `open`, never collide.
    this.#slots = open;
    this.#sums = new Int32Array(open * lineLength);
  }

  /** Whether any window reads input line x (the others can be skipped). */
  needs(x: number): boolean {
    return this.#lo[x]! < this.#hi[x]!;
  }

  /** Adds input line x (`lineLength` bytes), handing over every window it completes. */
  add(x: number, line: Uint8Array): void {
    const { ksize, start, count, weights } = this.#coeffs;
    const n = this.#lineLength;
    const sums = this.#sums;
    for (let i = this.#lo[x]!, hi = this.#hi[x]!; i < hi; i++) {
      const slot = (i % this.#slots) * n;
      const first = start[i]!;
      const last = first + count[i]! - 1;
      if (x === (this.#descending ? last : first)) sums.fill(ROUND, slot, slot + n);
      const w = weights[i * ksize + (x - first)]!;
      for (let k = 0, a = slot; k < n; k++, a++) sums[a] = sums[a]! + line[k]! * w;
      if (x === (this.#descending ? first : last)) this.#emit(i, sums, slot);
    }
  }
}
