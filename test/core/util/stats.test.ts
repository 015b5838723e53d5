import { describe, expect, it } from 'vitest';
import { mean, median, quantile } from '../../../src/core/util/stats.ts';

describe('stats', () => {
  it('takes the middle value, or the mean of the two middle ones, without sorting the input in place', () => {
    const odd = [5, 1, 3];
    expect(median(odd)).toBe(3);
    expect(odd).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([10, 9])).toBe(9.5);
    expect(median([])).toBeNaN();
  });

  it('sorts numerically, not as text', () => {
    expect(median([100, 9, 20])).toBe(20);
  });

  it('takes quantiles at rank floor(q n), clamped to the largest', () => {
    const xs = Array.from({ length: 10 }, (_, i) => 10 - i); // 10..1
    expect(quantile(xs, 0)).toBe(1);
    expect(quantile(xs, 0.5)).toBe(6);
    expect(quantile(xs, 0.9)).toBe(10);
    expect(quantile(xs, 1)).toBe(10);
    expect(quantile([], 0.5)).toBeNaN();
    expect(() => quantile(xs, 1.5)).toThrow(RangeError);
  });

  it('averages', () => {
    expect(mean([1, 2, 6])).toBe(3);
    expect(mean([])).toBeNaN();
  });
});
