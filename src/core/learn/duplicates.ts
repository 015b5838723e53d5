/**
 * @module Near-duplicate pairs and groups.
 *
 * similarPairs finds every pair with cosine similarity >= threshold (or euclidean distance <= threshold)
 * exactly, without an n x n matrix: rows are sorted by their projection on one unit direction p (the top
 * principal component, by power iteration), and since |p·x − p·y| <= ‖x − y‖, a pair can only qualify when
 * the projections differ by at most ε = √(2 − 2·threshold) (cosine, unit rows) or the threshold (euclidean).
 * Rows are then compared a block at a time against the following rows until the projections run out of
 * ε: the same answer as brute force, a fraction of its work when the data spreads along p.
 */

import { mulberry32 } from '../util/random.ts';
import { type LearnMetric, readFor, type Rows } from './rows.ts';

const BLOCK = 128;
const POWER_ITERATIONS = 8;
/** Float32 rows and float64 sums round; widen ε so rounding never loses a pair. */
const SLACK = 1e-5;
export const MAX_PAIRS = 1_000_000;

/** A unit vector along the rows' top principal component (a seeded random one if they do not spread). */
function principalDirection(rows: Rows, metric: LearnMetric): Float64Array {
  const d = rows.dims;
  const n = rows.count;
  const row = new Float32Array(d);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    readFor(rows, i, metric, row);
    for (let t = 0; t < d; t++) mean[t] = mean[t]! + row[t]! / n;
  }
  const prng = mulberry32(0x5eed);
  const v = Float64Array.from({ length: d }, () => prng.symmetric(1));
  const next = new Float64Array(d);
  for (let step = 0; step < POWER_ITERATIONS; step++) {
    let meanDot = 0;
    for (let t = 0; t < d; t++) meanDot += mean[t]! * v[t]!;
    next.fill(0);
    let coefficients = 0;
    for (let i = 0; i < n; i++) {
      readFor(rows, i, metric, row);
      let c = -meanDot;
      for (let t = 0; t < d; t++) c += row[t]! * v[t]!;
      coefficients += c;
      for (let t = 0; t < d; t++) next[t] = next[t]! + c * row[t]!;
    }
    let length = 0;
    for (let t = 0; t < d; t++) {
      next[t] = next[t]! - coefficients * mean[t]!;
      length += next[t]! ** 2;
    }
    if (!(length > 0)) break;
    length = Math.sqrt(length);
    for (let t = 0; t < d; t++) next[t] = next[t]! / length;
    v.set(next);
  }
  let length = 0;
  for (let t = 0; t < d; t++) length += v[t]! ** 2;
  length = Math.sqrt(length);
  for (let t = 0; t < d; t++) v[t] = v[t]! / length;
  return v;
}

/**
 * Every pair [i, j, score] with i < j whose cosine similarity is >= threshold (metric 'cosine') or whose
 * euclidean distance is <= threshold (metric 'euclidean'), sorted by i then j. Throws a RangeError past
 * `maxPairs` (default MAX_PAIRS) pairs: a threshold that low is not a duplicate search.
 */
export function similarPairs(
  rows: Rows,
  threshold: number,
  metric: LearnMetric,
  options: { maxPairs?: number } = {},
): Array<[number, number, number]> {
  const maxPairs = options.maxPairs ?? MAX_PAIRS;
  const n = rows.count;
  const d = rows.dims;
  const pairs: Array<[number, number, number]> = [];
  if (n < 2) return pairs;
  const epsilon = (metric === 'cosine' ? Math.sqrt(Math.max(0, 2 - 2 * threshold)) : Math.max(0, threshold)) + SLACK;
  const direction = principalDirection(rows, metric);
  const row = new Float32Array(d);
  const projection = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    readFor(rows, i, metric, row);
    let p = 0;
    for (let t = 0; t < d; t++) p += row[t]! * direction[t]!;
    projection[i] = p;
  }
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => projection[a]! - projection[b]! || a - b);
  const sorted = Float64Array.from(order, (i) => projection[i]!);
  const block = new Float32Array(BLOCK * d);

  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    for (let p = start; p < end; p++) readFor(rows, order[p]!, metric, block.subarray((p - start) * d, (p - start + 1) * d));
    let low = start; // first block position still within ε of the current row
    // Rows after the block matter while they are within ε of its last (largest) projection.
    for (let q = start + 1; q < n && sorted[q]! - sorted[end - 1]! <= epsilon; q++) {
      let other: Float32Array;
      if (q < end) other = block.subarray((q - start) * d, (q - start + 1) * d);
      else {
        readFor(rows, order[q]!, metric, row);
        other = row;
      }
      while (sorted[q]! - sorted[low]! > epsilon) low++;
      const last = Math.min(q, end);
      for (let p = low; p < last; p++) {
        const base = (p - start) * d;
        let score = 0;
        if (metric === 'cosine') {
          for (let t = 0; t < d; t++) score += block[base + t]! * other[t]!;
          if (score < threshold) continue;
        } else {
          for (let t = 0; t < d; t++) {
            const diff = block[base + t]! - other[t]!;
            score += diff * diff;
          }
          score = Math.sqrt(score);
          if (score > threshold) continue;
        }
        const a = order[p]!;
        const b = order[q]!;
        pairs.push(a < b ? [a, b, score] : [b, a, score]);
        if (pairs.length > maxPairs) throw new RangeError(`more than ${maxPairs} pairs at threshold ${threshold}: raise the threshold`);
      }
    }
  }
  return pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

/** Connected components (union-find) of the pairs' graph with at least two members, each ascending, ordered by first member. */
export function groups(count: number, pairs: ReadonlyArray<readonly [number, number, ...number[]]>): number[][] {
  const parent = Int32Array.from({ length: count }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  for (const [a, b] of pairs) {
    if (a < 0 || a >= count || b < 0 || b >= count) throw new RangeError(`pair (${a}, ${b}) outside 0..${count - 1}`);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  const members = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const root = find(i);
    const list = members.get(root);
    if (list) list.push(i);
    else members.set(root, [i]);
  }
  return [...members.values()].filter((g) => g.length >= 2).sort((x, y) => x[0]! - y[0]!);
}
