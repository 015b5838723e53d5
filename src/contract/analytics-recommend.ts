/**
 * @module POST /v1/recommend: the k best items for positive and negative examples (stored ids or vectors), with
 * Qdrant's two strategies; the examples are never in the answer.
 */
import * as z from 'zod';
import { DEFAULT_SEARCH_K } from '../config/defaults.ts';
import { Filter, ItemId, ModelRef, NamespaceName, Vector } from './common.ts';
import { LearnMetric } from './analytics-common.ts';
import { SearchResponse } from './search.ts';

export const Example = z
  .union([ItemId, z.object({ vector: Vector, model: ModelRef })], { error: 'must be an item id or {"vector", "model"}' })
  .meta({ id: 'Example', description: 'A stored item id, or a vector with the model that made it.' });

export const RecommendStrategy = z.enum(['average_vector', 'best_score']).meta({
  description:
    'average_vector: search for avg(positive) + (avg(positive) - avg(negative)); best_score: every item scored by its best positive, sent below 0 when a negative is nearer.',
});

export const RecommendJson = z
  .object({
    positive: z.array(Example).min(1, 'must hold at least one example').max(64, 'must hold at most 64 examples'),
    negative: z.array(Example).max(64, 'must hold at most 64 examples').optional(),
    strategy: RecommendStrategy.optional().meta({ description: 'Default average_vector.' }),
    k: z
      .number()
      .int('must be an integer')
      .positive('must be positive')
      .optional()
      .meta({ description: `Results (default ${DEFAULT_SEARCH_K}).` }),
    metric: LearnMetric.optional(),
    filter: Filter.optional(),
    namespace: NamespaceName,
  })
  .meta({ id: 'RecommendJson' });

export const RecommendResponse = SearchResponse.extend({ strategy: RecommendStrategy }).meta({ id: 'RecommendResponse' });

export type RecommendJson = z.input<typeof RecommendJson>;
export type RecommendResponse = z.infer<typeof RecommendResponse>;
