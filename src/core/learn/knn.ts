/**
 * @module The k-NN vote, as scikit-learn's `KNeighborsClassifier(weights='distance')` votes: each neighbour
 * weighs 1/d, with d = 1 - cosine similarity (clipped to [0, 2] as `cosine_distances` does) or the euclidean
 * distance; when any neighbour is at d = 0, those neighbours share the whole vote and the others get none;
 * probabilities are the weights per label over their sum; a tie goes to the label first in sorted order
 * (`np.argmax` over the sorted `classes_`).
 */

import { compareLabels, type LearnMetric } from './rows.ts';

/** A search hit: `score` is what a search reports (cosine similarity, or euclidean distance). */
export interface Neighbour {
  readonly id: string;
  readonly score: number;
  readonly label: string;
}

export interface Vote {
  readonly label: string;
  readonly labels: Array<{ label: string; probability: number; count: number }>;
}

/** The distance scikit-learn would see for a search score. */
export function neighbourDistance(score: number, metric: LearnMetric): number {
  if (metric === 'euclidean') return Math.max(0, score);
  return Math.min(2, Math.max(0, 1 - score));
}

export function knnVote(neighbours: readonly Neighbour[], metric: LearnMetric): Vote {
  if (neighbours.length === 0) throw new RangeError('a vote needs at least one neighbour');
  const distances = neighbours.map((n) => neighbourDistance(n.score, metric));
  const exact = distances.some((d) => d === 0);
  const weight = new Map<string, number>();
  const count = new Map<string, number>();
  for (let i = 0; i < neighbours.length; i++) {
    const { label } = neighbours[i]!;
    const d = distances[i]!;
    const w = exact ? (d === 0 ? 1 : 0) : 1 / d;
    weight.set(label, (weight.get(label) ?? 0) + w);
    count.set(label, (count.get(label) ?? 0) + 1);
  }
  let total = 0;
  for (const w of weight.values()) total += w;
  const labels = [...weight.keys()]
    .sort(compareLabels)
    .map((label) => ({ label, probability: weight.get(label)! / total, count: count.get(label)! }));
  // Stable sort: equal probabilities keep the sorted label order, so labels[0] is scikit-learn's prediction.
  labels.sort((a, b) => b.probability - a.probability);
  return { label: labels[0]!.label, labels };
}
