import { describe, expect, it } from 'vitest';
import { groups, similarPairs } from '../../../src/core/learn/duplicates.ts';
import { float32Rows, int8Rows, type Rows } from '../../../src/core/learn/rows.ts';
import { cosine, euclidean } from '../../../src/core/vector/metrics.ts';
import { gaussian, quantise } from './synthetic.ts';

/** Random rows with planted near-copies: every fifth row is a slightly perturbed copy of an earlier one. */
function nearCopies(n: number, dims: number, seed: number): Float32Array {
  const draw = gaussian(seed);
  const data = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) {
    const source = i % 5 === 4 ? Math.floor(i / 2) : -1;
    for (let t = 0; t < dims; t++) data[i * dims + t] = source >= 0 ? data[source * dims + t]! + draw() * 0.05 : draw() + 0.3;
  }
  return data;
}

function bruteForce(rows: Rows, threshold: number, metric: 'cosine' | 'euclidean'): Array<[number, number]> {
  const a = new Float32Array(rows.dims);
  const b = new Float32Array(rows.dims);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < rows.count; i++) {
    rows.read(i, a);
    for (let j = i + 1; j < rows.count; j++) {
      rows.read(j, b);
      if (metric === 'cosine' ? cosine(a, b) >= threshold : euclidean(a, b) <= threshold) out.push([i, j]);
    }
  }
  return out;
}

describe('similarPairs', () => {
  const dims = 24;
  const data = nearCopies(600, dims, 8);
  const { codes, scales } = quantise(data, dims);

  it.each([
    ['float32', 'cosine', 0.95],
    ['float32', 'cosine', 0.5],
    ['float32', 'euclidean', 1.5],
    ['int8', 'cosine', 0.95],
    ['int8', 'cosine', 0.6],
    ['int8', 'euclidean', 4],
  ] as const)('equals brute force on %s rows (%s, threshold %d)', (kind, metric, threshold) => {
    const rows = kind === 'float32' ? float32Rows(data, dims) : int8Rows(codes, scales, dims);
    const pairs = similarPairs(rows, threshold, metric);
    const expected = bruteForce(rows, threshold, metric);
    expect(expected.length).toBeGreaterThan(100);
    expect(pairs.map(([i, j]) => [i, j])).toEqual(expected);
    const a = new Float32Array(dims);
    const b = new Float32Array(dims);
    for (const [i, j, score] of pairs.slice(0, 50)) {
      rows.read(i, a);
      rows.read(j, b);
      expect(score).toBeCloseTo(metric === 'cosine' ? cosine(a, b) : euclidean(a, b), 5);
    }
  });

  it('equals brute force in fewer dimensions than components, and at large magnitudes', () => {
    const draw = gaussian(31);
    const small = Float32Array.from({ length: 400 * 3 }, () => draw());
    const rows = float32Rows(small, 3);
    expect(similarPairs(rows, 0.999, 'cosine').map(([i, j]) => [i, j])).toEqual(bruteForce(rows, 0.999, 'cosine'));
    const large = float32Rows(
      Float32Array.from(data, (x) => x * 1000),
      dims,
    );
    const expected = bruteForce(large, 1500, 'euclidean');
    expect(expected.length).toBeGreaterThan(100);
    expect(similarPairs(large, 1500, 'euclidean').map(([i, j]) => [i, j])).toEqual(expected);
  });

  it('finds the planted near-copies at a high threshold and nothing else', () => {
    // Row j (j % 5 == 4) copies row ⌊j/2⌋: chains of copies share a root.
    const root = (i: number): number => (i % 5 === 4 ? root(Math.floor(i / 2)) : i);
    const pairs = similarPairs(float32Rows(data, dims), 0.99, 'cosine');
    for (const [i, j] of pairs) expect(root(i)).toBe(root(j));
    const found = new Set(pairs.map(([i, j]) => `${i},${j}`));
    for (let j = 4; j < 600; j += 5) expect(found.has(`${Math.floor(j / 2)},${j}`)).toBe(true);
  });

  it('refuses to list more than maxPairs pairs', () => {
    expect(() => similarPairs(float32Rows(data, dims), -1, 'cosine', { maxPairs: 1000 })).toThrow(RangeError);
  });

  it('answers nothing for fewer than two rows', () => {
    expect(similarPairs(float32Rows(Float32Array.from([1, 2]), 2), 0, 'cosine')).toEqual([]);
  });
});

describe('groups', () => {
  it('groups pairs transitively, each ascending, singletons left out', () => {
    expect(
      groups(10, [
        [7, 8, 0.9],
        [1, 2, 0.95],
        [0, 1, 0.99],
        [5, 6],
        [6, 7],
      ]),
    ).toEqual([
      [0, 1, 2],
      [5, 6, 7, 8],
    ]);
  });

  it('is empty without pairs and refuses rows out of range', () => {
    expect(groups(3, [])).toEqual([]);
    expect(() => groups(3, [[0, 3]])).toThrow(RangeError);
  });
});
