import { describe, expect, it } from 'vitest';
import { mulberry32, seedFromString, shuffle } from '../../../src/core/util/random.ts';

describe('seeded random numbers', () => {
  it('draws the reference mulberry32 sequence', () => {
    // The first outputs of the reference C implementation (Tommy Ettinger's mulberry32) for seed 1.
    const rng = mulberry32(1);
    expect([rng.nextU32(), rng.nextU32(), rng.nextU32()]).toEqual([2693262067, 11749833, 2265367787]);
  });

  it('repeats a sequence for a seed and differs between seeds', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const first = Array.from({ length: 8 }, () => a.next());
    expect(Array.from({ length: 8 }, () => b.next())).toEqual(first);
    expect(Array.from({ length: 8 }, () => c.next())).not.toEqual(first);
  });

  it('keeps next() in [0, 1) and symmetric(l) in [-l, l), spread over the range', () => {
    const rng = mulberry32(3);
    const xs = Array.from({ length: 2000 }, () => rng.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 1);
    const ys = Array.from({ length: 2000 }, () => rng.symmetric(2));
    expect(Math.min(...ys)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...ys)).toBeLessThan(2);
    expect(Math.min(...ys)).toBeLessThan(-1.9);
  });

  it('works with its methods detached', () => {
    const next = mulberry32(9).next;
    expect(next()).toBe(mulberry32(9).next());
  });

  it('derives stable seeds from names (FNV-1a)', () => {
    expect(seedFromString('')).toBe(0x811c9dc5);
    expect(seedFromString('a')).toBe(0xe40c292c);
    expect(seedFromString('block1_conv1', 5)).not.toBe(seedFromString('block1_conv1', 6));
  });

  it('shuffles a copy into a permutation, the same one for the same seed', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const once = shuffle(items, mulberry32(5).next);
    expect(once).not.toEqual(items);
    expect([...once].sort((a, b) => a - b)).toEqual(items);
    expect(shuffle(items, mulberry32(5).next)).toEqual(once);
    expect(items[0]).toBe(0);
  });
});
