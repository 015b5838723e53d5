/**
 * @module Clustering and classification scores, as scikit-learn computes them: normalized mutual
 * information (arithmetic mean of the entropies, its default), adjusted Rand index (pair-confusion form),
 * purity and accuracy. Labels may be strings or numbers (an Int32Array of cluster ids works).
 */

type Labels = ArrayLike<string | number>;

interface Contingency {
  /** Cells n_ij by (true class i, predicted cluster j), non-zero only. */
  cells: Array<{ i: number; j: number; count: number }>;
  rowSums: number[];
  columnSums: number[];
  n: number;
}

function contingency(truth: Labels, predicted: Labels): Contingency {
  if (truth.length !== predicted.length) throw new RangeError(`${truth.length} true labels but ${predicted.length} predicted`);
  const rows = new Map<string | number, number>();
  const columns = new Map<string | number, number>();
  const cells = new Map<string, { i: number; j: number; count: number }>();
  const rowSums: number[] = [];
  const columnSums: number[] = [];
  for (let p = 0; p < truth.length; p++) {
    let i = rows.get(truth[p]!);
    if (i === undefined) rows.set(truth[p]!, (i = rowSums.push(0) - 1));
    let j = columns.get(predicted[p]!);
    if (j === undefined) columns.set(predicted[p]!, (j = columnSums.push(0) - 1));
    rowSums[i]!++;
    columnSums[j]!++;
    const key = `${i},${j}`;
    const cell = cells.get(key);
    if (cell) cell.count++;
    else cells.set(key, { i, j, count: 1 });
  }
  return { cells: [...cells.values()], rowSums, columnSums, n: truth.length };
}

function entropy(sums: number[], n: number): number {
  let h = 0;
  for (const s of sums) if (s > 0) h -= (s / n) * Math.log(s / n);
  return h;
}

/** NMI with arithmetic normalisation: MI / ((H(true) + H(pred)) / 2); 1 when both put everything in one group. */
export function nmi(truth: Labels, predicted: Labels): number {
  const { cells, rowSums, columnSums, n } = contingency(truth, predicted);
  if (rowSums.length === columnSums.length && rowSums.length <= 1) return 1;
  let mi = 0;
  for (const { i, j, count } of cells) mi += (count / n) * Math.log((count * n) / (rowSums[i]! * columnSums[j]!));
  if (mi <= 0) return 0;
  const normaliser = Math.max((entropy(rowSums, n) + entropy(columnSums, n)) / 2, Number.EPSILON);
  return mi / normaliser;
}

/** Adjusted Rand index from the pair confusion matrix (scikit-learn's `adjusted_rand_score`). */
export function ari(truth: Labels, predicted: Labels): number {
  const { cells, rowSums, columnSums, n } = contingency(truth, predicted);
  let sumSquares = 0;
  let rowWeighted = 0;
  let columnWeighted = 0;
  for (const { i, j, count } of cells) {
    sumSquares += count * count;
    rowWeighted += count * rowSums[i]!;
    columnWeighted += count * columnSums[j]!;
  }
  const tp = sumSquares - n;
  const fp = columnWeighted - sumSquares;
  const fn = rowWeighted - sumSquares;
  const tn = n * n - fp - fn - sumSquares;
  if (fn === 0 && fp === 0) return 1;
  return (2 * (tp * tn - fn * fp)) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}

/** Σ over predicted clusters of their most common true label's count, over n. */
export function purity(truth: Labels, predicted: Labels): number {
  const { cells, columnSums, n } = contingency(truth, predicted);
  if (n === 0) return 0;
  const top = new Array<number>(columnSums.length).fill(0);
  for (const { j, count } of cells) top[j] = Math.max(top[j]!, count);
  return top.reduce((a, b) => a + b, 0) / n;
}

export function accuracy(truth: Labels, predicted: Labels): number {
  if (truth.length !== predicted.length) throw new RangeError(`${truth.length} true labels but ${predicted.length} predicted`);
  if (truth.length === 0) return 0;
  let right = 0;
  for (let p = 0; p < truth.length; p++) if (truth[p] === predicted[p]) right++;
  return right / truth.length;
}
