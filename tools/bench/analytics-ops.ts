/**
 * @module What the analytics bench times, one call per request, over int8 rows (src/core/learn): the
 * baseline `scan` (one pass of cosine over every row, top-k kept: what a brute-force search costs), k-NN
 * classify (the same pass + the distance-weighted vote), logistic and nearest-centroid training, k-means
 * (k = 10, 4 restarts as POST /v1/clusterings defaults) and duplicate grouping (all pairs above a threshold,
 * grouped). Each answers a small summary, so no work can be skipped and a wrong result shows.
 */
import { trainCentroid } from '../../src/core/learn/centroid.ts';
import { groups, similarPairs } from '../../src/core/learn/duplicates.ts';
import { kmeans } from '../../src/core/learn/kmeans.ts';
import { knnVote, type Neighbour } from '../../src/core/learn/knn.ts';
import { trainLogistic } from '../../src/core/learn/logistic.ts';
import { int8Rows, type Rows } from '../../src/core/learn/rows.ts';
import { topK } from '../eval/top-k.ts';
import type { SyntheticRows } from './analytics-data.ts';

export const OPS = ['scan', 'knn', 'centroid', 'logistic', 'kmeans', 'duplicates'] as const;
export type Op = (typeof OPS)[number];

export const BENCH_K = 5;
export const BENCH_CLUSTERS = 10;
export const BENCH_RESTARTS = 4;
export const BENCH_DUPLICATE_THRESHOLD = 0.95;

export function rowsOf(data: SyntheticRows): Rows {
  return int8Rows(data.codes, data.scales, data.dims);
}

/** Runs one op; `query` picks the row a scan / classify starts from. */
export function runOp(op: Op, data: SyntheticRows, rows: Rows, query: number): Record<string, unknown> {
  const q = query % data.n;
  switch (op) {
    case 'scan':
    case 'knn': {
      const vector = new Float32Array(data.dims);
      rows.read(q, vector);
      const best = topK(rows, vector, BENCH_K, q);
      if (op === 'scan') return { top: best[0]?.index, score: best[0]?.score };
      const neighbours: Neighbour[] = best.map((b) => ({ id: String(b.index), score: b.score, label: data.labels[b.index]! }));
      const vote = knnVote(neighbours, 'cosine');
      return { label: vote.label, expected: data.labels[q], probability: vote.labels[0]?.probability };
    }
    case 'centroid': {
      const model = trainCentroid(rows, data.labels, { metric: 'cosine' });
      return { classes: model.classes.length, temperature: model.temperature };
    }
    case 'logistic': {
      const model = trainLogistic(rows, data.labels, { classWeight: 'balanced' });
      return { classes: model.classes.length, weights: model.weights.length };
    }
    case 'kmeans': {
      const result = kmeans(rows, { k: BENCH_CLUSTERS, metric: 'cosine', seed: 0, restarts: BENCH_RESTARTS });
      return { k: result.k, inertia: result.inertia, iterations: result.iterations };
    }
    case 'duplicates': {
      const pairs = similarPairs(rows, BENCH_DUPLICATE_THRESHOLD, 'cosine');
      const found = groups(data.n, pairs);
      return { pairs: pairs.length, groups: found.length, planted: data.planted };
    }
  }
}
