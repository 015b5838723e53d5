import { describe, expect, it } from 'vitest';
import { encodeLabels, float32Rows, int8Rows, readFor, subsetRows } from '../../../src/core/learn/rows.ts';

describe('rows', () => {
  it('reads float32 rows, their dot products and norms', () => {
    const rows = float32Rows(Float32Array.from([3, 4, 0, 1, 2, 2]), 3);
    expect(rows.count).toBe(2);
    const out = new Float32Array(3);
    rows.read(1, out);
    expect(Array.from(out)).toEqual([1, 2, 2]);
    expect(rows.dot(0, Float32Array.from([1, 1, 1]))).toBe(7);
    expect(rows.norm(0)).toBe(5);
    expect(rows.norm(1)).toBe(3);
  });

  it('reads int8 rows as scale times codes', () => {
    const rows = int8Rows(Int8Array.from([3, -4, 127, 0]), Float32Array.from([0.5, -2]), 2);
    const out = new Float32Array(2);
    rows.read(0, out);
    expect(Array.from(out)).toEqual([1.5, -2]);
    rows.read(1, out);
    expect(Array.from(out)).toEqual([-254, -0]);
    expect(rows.dot(0, Float32Array.from([2, 1]))).toBe(1);
    expect(rows.norm(0)).toBe(2.5);
    expect(rows.norm(1)).toBe(254);
  });

  it('refuses shapes that do not divide', () => {
    expect(() => float32Rows(new Float32Array(5), 2)).toThrow(RangeError);
    expect(() => int8Rows(new Int8Array(4), new Float32Array(3), 2)).toThrow(RangeError);
  });

  it('views a subset in the given order and normalises for cosine', () => {
    const rows = subsetRows(float32Rows(Float32Array.from([1, 0, 0, 2, 3, 4]), 2), [2, 0]);
    expect(rows.count).toBe(2);
    const out = new Float32Array(2);
    readFor(rows, 0, 'cosine', out);
    expect(Array.from(out)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    readFor(rows, 1, 'euclidean', out);
    expect(Array.from(out)).toEqual([1, 0]);
    expect(() => subsetRows(rows, [2])).toThrow(RangeError);
  });

  it('encodes labels in sorted order, as scikit-learn classes_', () => {
    const { classes, codes, counts } = encodeLabels(['dog', 'cat', 'dog', 'Zebra']);
    expect(classes).toEqual(['Zebra', 'cat', 'dog']);
    expect(Array.from(codes)).toEqual([2, 1, 2, 0]);
    expect(Array.from(counts)).toEqual([1, 1, 2]);
  });
});
