/**
 * @module Recommend, with Qdrant's two strategies (src/core/learn/recommend.ts); the examples never appear in
 * the answer.
 * - average_vector: one search for the combined vector through `store.query` (exact on KV, works on Vectorize),
 *   asking for as many more results as there are stored examples, which are then dropped.
 * - best_score: every item of the namespace scored against each example (a scan of the int8 codes, at most
 *   ANALYTICS_MAX_ITEMS); the top candidates are rescored with their exact vectors.
 */
import { DEFAULT_SEARCH_K } from '../../config/defaults.ts';
import { ProblemError } from '../../contract/problems.ts';
import { averageVectorQuery, bestScore } from '../../core/learn/recommend.ts';
import type { LearnMetric } from '../../core/learn/rows.ts';
import { matchesFilter } from '../../store/filter.ts';
import type { Match, MetadataFilter } from '../../store/types.ts';
import { acceptVector, type ClientModel } from '../vectors.ts';
import type { AnalyticsContext } from './context.ts';
import { loadNamespace } from './load.ts';
import { itemNotFound } from './probe.ts';

export type Example = string | { readonly vector: ArrayLike<number>; readonly model: ClientModel };

export interface RecommendRequest {
  readonly namespace: string;
  readonly positive: readonly Example[];
  readonly negative?: readonly Example[] | undefined;
  readonly strategy?: 'average_vector' | 'best_score' | undefined;
  readonly k?: number | undefined;
  readonly metric?: LearnMetric | undefined;
  readonly filter?: MetadataFilter | undefined;
}

export interface Recommended {
  readonly matches: Match[];
  readonly k: number;
  readonly metric: LearnMetric;
  readonly strategy: 'average_vector' | 'best_score';
  readonly namespace: string;
}

/** Candidates rescored with exact vectors in best_score, per result asked for. */
const RESCORE_FACTOR = 2;

async function vectorsOf(context: AnalyticsContext, namespace: string, examples: readonly Example[], field: string, ids: Set<string>) {
  const vectors: Float32Array[] = [];
  for (const [i, example] of examples.entries()) {
    if (typeof example === 'string') {
      const item = await context.store.get(example, { namespace });
      if (!item) throw itemNotFound(example, namespace);
      ids.add(example);
      vectors.push(item.vector);
    } else {
      vectors.push(acceptVector(example.vector, example.model, context.model, `${field}.${i}.vector`));
    }
  }
  return vectors;
}

export async function recommend(context: AnalyticsContext, request: RecommendRequest): Promise<Recommended> {
  const { store } = context;
  const { namespace } = request;
  const metric = request.metric ?? 'cosine';
  const strategy = request.strategy ?? 'average_vector';
  const max = store.capabilities.maxTopK;
  const k = request.k ?? Math.min(DEFAULT_SEARCH_K, max);
  if (k > max)
    throw new ProblemError('k-too-large', `k is ${k}; the ${store.capabilities.kind} store returns at most ${max}.`, { limit: max });
  if (!store.capabilities.metrics.includes(metric)) {
    throw new ProblemError(
      'metric-not-supported',
      `The ${store.capabilities.kind} store ranks by ${store.capabilities.metrics.join(', ')} only.`,
      {
        supported: store.capabilities.metrics,
      },
    );
  }
  const examples = new Set<string>();
  const positive = await vectorsOf(context, namespace, request.positive, 'positive', examples);
  const negative = await vectorsOf(context, namespace, request.negative ?? [], 'negative', examples);
  const answer = (matches: Match[]): Recommended => ({ matches: matches.slice(0, k), k, metric, strategy, namespace });

  if (strategy === 'average_vector') {
    const query = averageVectorQuery(positive, negative);
    const topK = Math.min(max, k + examples.size);
    const result = await store.query(query, { topK, metric, namespace, ...(request.filter && { filter: request.filter }) });
    return answer(result.matches.filter((match) => !examples.has(match.id)));
  }

  const loaded = await loadNamespace(store, namespace, context.maxItems, { purpose: 'best_score recommend' });
  const row = new Float32Array(loaded.dims);
  const scored: Array<{ i: number; score: number }> = [];
  for (let i = 0; i < loaded.rows.count; i++) {
    if (examples.has(loaded.ids[i]!)) continue;
    if (request.filter && !matchesFilter(loaded.metadata[i]!, request.filter)) continue;
    loaded.rows.read(i, row);
    scored.push({ i, score: bestScore(row, positive, negative, metric) });
  }
  const byBest = (a: { id: string; score: number }, b: { id: string; score: number }) =>
    b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const candidates = scored
    .map(({ i, score }) => ({ id: loaded.ids[i]!, score, i }))
    .sort(byBest)
    .slice(0, k * RESCORE_FACTOR);
  // The codes are within half a step of the vectors: the order near the cut is settled with the exact ones.
  const rescored: Match[] = [];
  for (const candidate of candidates) {
    const item = await store.get(candidate.id, { namespace });
    if (!item) continue; // deleted since the scan
    rescored.push({ id: item.id, score: bestScore(item.vector, positive, negative, metric), metadata: item.metadata });
  }
  return answer(rescored.sort(byBest));
}
