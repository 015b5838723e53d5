/**
 * @module Stratified k-fold cross-validation: each class's rows shuffled (seeded mulberry32) and dealt
 * round-robin over the folds, continuing where the previous class stopped, so every fold holds each class
 * in proportion and the fold sizes differ by at most one.
 */

import { mulberry32 } from '../util/random.ts';
import { predict, type Classifier } from './classifier.ts';
import { encodeLabels, type Rows, subsetRows } from './rows.ts';

export function stratifiedFolds(labels: readonly string[], folds: number, seed: number): number[] {
  if (!Number.isInteger(folds) || folds < 2) throw new RangeError(`folds must be an integer >= 2, got ${folds}`);
  if (folds > labels.length) throw new RangeError(`${folds} folds but only ${labels.length} rows`);
  const { classes, codes } = encodeLabels(labels);
  const members: number[][] = classes.map(() => []);
  for (let i = 0; i < codes.length; i++) members[codes[i]!]!.push(i);
  const next = mulberry32(seed).next;
  const out = new Array<number>(labels.length).fill(0);
  let dealt = 0;
  for (const rows of members) {
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    for (const row of rows) out[row] = dealt++ % folds;
  }
  return out;
}

export interface CrossValidation {
  /** Correct predictions over all rows (each row predicted once, by the model that did not see it). */
  accuracy: number;
  folds: number;
  perFold: number[];
}

export function crossValidate(
  rows: Rows,
  labels: readonly string[],
  train: (rows: Rows, labels: string[]) => Classifier,
  options: { folds: number; seed: number },
): CrossValidation {
  if (labels.length !== rows.count) throw new RangeError(`${rows.count} rows but ${labels.length} labels`);
  const fold = stratifiedFolds(labels, options.folds, options.seed);
  const vector = new Float32Array(rows.dims);
  const perFold: number[] = [];
  let correct = 0;
  for (let f = 0; f < options.folds; f++) {
    const trainIndices: number[] = [];
    const testIndices: number[] = [];
    for (let i = 0; i < fold.length; i++) (fold[i] === f ? testIndices : trainIndices).push(i);
    const model = train(
      subsetRows(rows, trainIndices),
      trainIndices.map((i) => labels[i]!),
    );
    let right = 0;
    for (const i of testIndices) {
      rows.read(i, vector);
      if (predict(model, vector)[0]!.label === labels[i]) right++;
    }
    correct += right;
    perFold.push(testIndices.length > 0 ? right / testIndices.length : 0);
  }
  return { accuracy: correct / rows.count, folds: options.folds, perFold };
}
