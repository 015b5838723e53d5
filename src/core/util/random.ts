/**
 * @module Seeded pseudo-random numbers: the same sequence on every engine, for synthetic weights, test
 * data, fuzz corpora and benchmark orders.
 *
 * mulberry32: 32-bit state, integer operations only (Math.imul, shifts, xor). Floats are derived with exact
 * operations (an integer times 2^-32) plus IEEE-754 multiply/add, which are correctly rounded everywhere:
 * the bytes of what is drawn are identical on every machine.
 */

export interface Prng {
  /** Next unsigned 32-bit integer. */
  nextU32(): number;
  /** Uniform in [0, 1): nextU32() * 2^-32 (exact in float64). */
  next(): number;
  /** Uniform in [-limit, +limit). */
  symmetric(limit: number): number;
}

const TWO_POW_MINUS_32 = 1 / 4294967296;

/** A generator from a seed. Its methods are plain closures: `const next = mulberry32(1).next` works. */
export function mulberry32(seed: number): Prng {
  let state = seed >>> 0;
  const nextU32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const next = (): number => nextU32() * TWO_POW_MINUS_32;
  return {
    nextU32,
    next,
    symmetric: (limit: number): number => (next() * 2 - 1) * limit,
  };
}

/** FNV-1a over a string: a stable 32-bit seed derived from a name (e.g. a layer name). */
export function seedFromString(text: string, base = 0): number {
  let h = (0x811c9dc5 ^ base) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A shuffled copy (Fisher-Yates), drawn from `next` (uniform in [0, 1)). */
export function shuffle<T>(items: readonly T[], next: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
