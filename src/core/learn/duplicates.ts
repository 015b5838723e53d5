/**
 * @module Near-duplicate pairs and groups.
 *
 * similarPairs finds every pair with cosine similarity >= threshold (or euclidean distance <= threshold)
 * exactly, without an n x n matrix. Rows are projected on an orthonormal basis b₁..bₘ of their top
 * principal subspace (subspace iteration on a sample), and since ‖x − y‖² >= Σₐ (bₐ·x − bₐ·y)², a pair can
 * only qualify when that projected distance is at most ε, with ε = √(2 − 2·threshold) for cosine (unit
 * rows) or the threshold for euclidean. Rows sorted along b₁ are taken a block at a time against the rows
 * that follow within ε along b₁; the m-dimensional bound rejects most of those pairs in a few operations,
 * and only the rest are compared in full. Same answer as brute force; a fraction of its work when the data
 * has structure (embeddings do), the brute-force cost on isotropic noise.
 */

import { mulberry32, type Prng } from '../util/random.ts';
import { type LearnMetric, readFor, type Rows } from './rows.ts';

const BLOCK = 128;
const POWER_ITERATIONS = 6;
/** Principal directions kept for the pruning bound, and rows sampled to find them. */
const COMPONENTS = 16;
const PCA_SAMPLE = 2000;
/** Float32 rows and projections round; ε is widened by this (times the largest norm) so rounding never loses a pair. */
const SLACK = 1e-5;
export const MAX_PAIRS = 1_000_000;

/** Orthonormalises the rows of `basis` (m x d) in place; a row that vanishes is redrawn at random. */
function orthonormalise(basis: Float64Array, m: number, d: number, prng: Prng): void {
  for (let a = 0; a < m; a++) {
    const va = basis.subarray(a * d, a * d + d);
    for (let attempt = 0; ; attempt++) {
      // Twice over for accuracy (classical Gram-Schmidt, re-orthogonalised).
      for (let pass = 0; pass < 2; pass++) {
        for (let b = 0; b < a; b++) {
          const vb = basis.subarray(b * d, b * d + d);
          let c = 0;
          for (let t = 0; t < d; t++) c += va[t]! * vb[t]!;
          for (let t = 0; t < d; t++) va[t] = va[t]! - c * vb[t]!;
        }
      }
      let length = 0;
      for (let t = 0; t < d; t++) length += va[t]! * va[t]!;
      length = Math.sqrt(length);
      if (length > 1e-9 || attempt > 8) {
        for (let t = 0; t < d; t++) va[t] = length > 0 ? va[t]! / length : 0;
        break;
      }
      for (let t = 0; t < d; t++) va[t] = prng.symmetric(1);
    }
  }
}

/**
 * An orthonormal basis (m x d) of the top principal subspace, by subspace iteration over an evenly strided
 * sample. Any orthonormal basis keeps the pair search exact; a good one prunes more.
 */
function principalBasis(rows: Rows, metric: LearnMetric, m: number): Float64Array {
  const d = rows.dims;
  const stride = Math.max(1, Math.ceil(rows.count / PCA_SAMPLE));
  const picked: number[] = [];
  for (let i = 0; i < rows.count; i += stride) picked.push(i);
  const s = picked.length;
  const sample = new Float32Array(s * d);
  const mean = new Float64Array(d);
  picked.forEach((i, p) => {
    const view = sample.subarray(p * d, p * d + d);
    readFor(rows, i, metric, view);
    for (let t = 0; t < d; t++) mean[t] = mean[t]! + view[t]! / s;
  });
  for (let p = 0; p < s; p++) for (let t = 0; t < d; t++) sample[p * d + t] = sample[p * d + t]! - mean[t]!;
  const prng = mulberry32(0x5eed);
  const basis = Float64Array.from({ length: m * d }, () => prng.symmetric(1));
  orthonormalise(basis, m, d, prng);
  const coefficients = new Float64Array(m);
  const next = new Float64Array(m * d);
  for (let step = 0; step < POWER_ITERATIONS; step++) {
    next.fill(0);
    for (let p = 0; p < s; p++) {
      const base = p * d;
      for (let a = 0; a < m; a++) {
        let c = 0;
        for (let t = 0; t < d; t++) c += sample[base + t]! * basis[a * d + t]!;
        coefficients[a] = c;
      }
      for (let a = 0; a < m; a++) {
        const c = coefficients[a]!;
        for (let t = 0; t < d; t++) next[a * d + t] = next[a * d + t]! + c * sample[base + t]!;
      }
    }
    basis.set(next);
    orthonormalise(basis, m, d, prng);
  }
  return basis;
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
  const radius = metric === 'cosine' ? Math.sqrt(Math.max(0, 2 - 2 * threshold)) : Math.max(0, threshold);
  const m = Math.min(COMPONENTS, d);
  const basis = principalBasis(rows, metric, m);
  const row = new Float32Array(d);
  // Float32 projections (2 x 6.4 MB at 100k rows): their rounding is covered by the slack below.
  const projection = new Float32Array(n * m);
  let largestNorm = 0;
  for (let i = 0; i < n; i++) {
    readFor(rows, i, metric, row);
    for (let a = 0; a < m; a++) {
      let c = 0;
      for (let t = 0; t < d; t++) c += row[t]! * basis[a * d + t]!;
      projection[i * m + a] = c;
    }
    if (metric === 'euclidean') largestNorm = Math.max(largestNorm, rows.norm(i));
  }
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => projection[a * m]! - projection[b * m]! || a - b);
  // Projections in sorted order: component 0 drives the sliding window, all m the per-pair bound.
  const sorted = new Float32Array(n * m);
  for (let q = 0; q < n; q++) {
    const from = order[q]! * m;
    for (let a = 0; a < m; a++) sorted[q * m + a] = projection[from + a]!;
  }
  const epsilon = radius + SLACK * Math.max(1, largestNorm);
  const epsilonSquared = epsilon * epsilon;
  const block = new Float32Array(BLOCK * d);

  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    for (let p = start; p < end; p++) readFor(rows, order[p]!, metric, block.subarray((p - start) * d, (p - start + 1) * d));
    let low = start; // first block position still within ε of the current row along component 0
    // Rows after the block matter while they are within ε of its last (largest) projection.
    for (let q = start + 1; q < n && sorted[q * m]! - sorted[(end - 1) * m]! <= epsilon; q++) {
      // Row q: in the block, or read into `row` once some pair passes the bound.
      const inBlock = q < end;
      let other: Float32Array | undefined = inBlock ? block : undefined;
      const otherBase = inBlock ? (q - start) * d : 0;
      while (sorted[q * m]! - sorted[low * m]! > epsilon) low++;
      const last = Math.min(q, end);
      for (let p = low; p < last; p++) {
        // ‖x − y‖² >= Σₐ (bₐ·x − bₐ·y)² for an orthonormal basis b: most pairs stop here.
        let bound = 0;
        for (let a = 0; a < m && bound <= epsilonSquared; a++) {
          const diff = sorted[p * m + a]! - sorted[q * m + a]!;
          bound += diff * diff;
        }
        if (bound > epsilonSquared) continue;
        if (!other) {
          readFor(rows, order[q]!, metric, row);
          other = row;
        }
        const base = (p - start) * d;
        let score = 0;
        if (metric === 'cosine') {
          for (let t = 0; t < d; t++) score += block[base + t]! * other[otherBase + t]!;
          if (score < threshold) continue;
        } else {
          for (let t = 0; t < d; t++) {
            const diff = block[base + t]! - other[otherBase + t]!;
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
