/**
 * @module Near-duplicate detection scored as imagededup scores it: over every unordered pair of files, a pair
 * is a true duplicate when both files come from one photo; precision, recall and F1 of the pairs called
 * duplicates. Two readings of "called": `pairs` = the pairs whose cosine is at or above the threshold
 * (similarPairs), `groups` = every pair inside one transitive group (what GET /v1/duplicates answers).
 */
import { groups, similarPairs } from '../../src/core/learn/duplicates.ts';
import type { Rows } from '../../src/core/learn/rows.ts';

export interface PairScores {
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  /** 1 when nothing is called a duplicate (no false claim made). */
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

export interface SweepPoint {
  readonly threshold: number;
  readonly pairs: PairScores;
  readonly groups: PairScores;
  /** Groups found (size >= 2). */
  readonly groupCount: number;
}

function scores(called: Iterable<readonly [number, number]>, groupOf: readonly string[], truePairs: number): PairScores {
  let tp = 0;
  let fp = 0;
  for (const [a, b] of called) {
    if (groupOf[a] === groupOf[b]) tp++;
    else fp++;
  }
  const fn = truePairs - tp;
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = truePairs === 0 ? 1 : tp / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { truePositives: tp, falsePositives: fp, falseNegatives: fn, precision, recall, f1 };
}

function* pairsWithin(found: number[][]): Generator<[number, number]> {
  for (const group of found) for (let i = 0; i < group.length; i++) for (let j = i + 1; j < group.length; j++) yield [group[i]!, group[j]!];
}

/** Pairs that are really duplicates: same group, i < j. */
export function truePairCount(groupOf: readonly string[]): number {
  const sizes = new Map<string, number>();
  for (const g of groupOf) sizes.set(g, (sizes.get(g) ?? 0) + 1);
  let count = 0;
  for (const size of sizes.values()) count += (size * (size - 1)) / 2;
  return count;
}

export function sweepDuplicates(rows: Rows, groupOf: readonly string[], thresholds: readonly number[]): SweepPoint[] {
  const truth = truePairCount(groupOf);
  return thresholds.map((threshold) => {
    const pairs = similarPairs(rows, threshold, 'cosine');
    const found = groups(rows.count, pairs);
    return {
      threshold,
      pairs: scores(
        pairs.map(([a, b]) => [a, b] as const),
        groupOf,
        truth,
      ),
      groups: scores(pairsWithin(found), groupOf, truth),
      groupCount: found.length,
    };
  });
}

/** Group precision a default threshold must reach: a false duplicate group costs a user more than a missed copy. */
export const MIN_GROUP_PRECISION = 0.99;

/**
 * The default threshold: the best group F1 (what users get from GET /v1/duplicates) among the thresholds whose
 * group precision is at least MIN_GROUP_PRECISION (the best F1 overall when none is); ties to the higher one.
 */
export function chooseThreshold(sweep: readonly SweepPoint[]): SweepPoint {
  const precise = sweep.filter((p) => p.groups.precision >= MIN_GROUP_PRECISION);
  let best: SweepPoint | undefined;
  for (const point of precise.length > 0 ? precise : sweep) {
    if (!best || point.groups.f1 > best.groups.f1 || (point.groups.f1 === best.groups.f1 && point.threshold > best.threshold)) best = point;
  }
  if (!best) throw new RangeError('an empty sweep');
  return best;
}

/** How far apart a set's copies and its distinct photos are: the lowest cosine within a group, the highest across. */
export function separation(rows: Rows, groupOf: readonly string[]): { lowestWithin: number; highestAcross: number } {
  const a = new Float32Array(rows.dims);
  let lowestWithin = Number.POSITIVE_INFINITY;
  let highestAcross = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < rows.count; i++) {
    rows.read(i, a);
    const na = rows.norm(i);
    for (let j = i + 1; j < rows.count; j++) {
      const score = rows.dot(j, a) / (na * rows.norm(j));
      if (groupOf[i] === groupOf[j]) lowestWithin = Math.min(lowestWithin, score);
      else highestAcross = Math.max(highestAcross, score);
    }
  }
  return { lowestWithin, highestAcross };
}

export interface TransformRecall {
  readonly transform: string;
  readonly variants: number;
  /** Variants whose cosine to their group's original is at or above the threshold. */
  readonly found: number;
  readonly medianCosine: number;
  readonly lowestCosine: number;
}

/** Per transformation: how many variants stay at or above `threshold` against their original. */
export function recallByTransform(
  rows: Rows,
  files: ReadonlyArray<{ readonly group: string; readonly transform: string }>,
  threshold: number,
): TransformRecall[] {
  const original = new Map<string, number>();
  files.forEach((f, i) => f.transform === 'original' && original.set(f.group, i));
  const byTransform = new Map<string, number[]>();
  const a = new Float32Array(rows.dims);
  files.forEach((f, i) => {
    const o = original.get(f.group);
    if (f.transform === 'original' || o === undefined) return;
    rows.read(o, a);
    const score = rows.dot(i, a) / (rows.norm(i) * rows.norm(o));
    byTransform.set(f.transform, [...(byTransform.get(f.transform) ?? []), score]);
  });
  return [...byTransform.entries()].sort().map(([transform, scores]) => {
    const sorted = [...scores].sort((x, y) => x - y);
    return {
      transform,
      variants: scores.length,
      found: scores.filter((s) => s >= threshold).length,
      medianCosine: sorted[Math.floor((sorted.length - 1) / 2)]!,
      lowestCosine: sorted[0]!,
    };
  });
}
