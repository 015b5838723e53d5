/** @module Ranking shared by the stores: best score first, ties broken by id, the same everywhere. */
import { better, METRICS, type Metric } from '../core/vector/metrics.ts';

/** A score mapped so that larger is always nearer (euclidean distances are negated). */
export function goodness(metric: Metric, score: number): number {
  return metric === 'euclidean' ? -score : score;
}

/** Sort comparator: better score first, then id ascending (UTF-16 code units, as `<` compares). */
export function compareMatches(metric: Metric) {
  return (a: { id: string; score: number }, b: { id: string; score: number }): number => {
    if (a.score !== b.score) return better(metric, a.score, b.score) ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
}

export function isMetric(value: unknown): value is Metric {
  return typeof value === 'string' && (METRICS as readonly string[]).includes(value);
}

/** The metric a query uses: the one asked for, or the store's first (its default). */
export function resolveMetric(asked: Metric | undefined, supported: readonly Metric[]): Metric {
  return asked ?? supported[0]!;
}
