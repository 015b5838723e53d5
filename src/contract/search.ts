/** @module POST /v1/search and GET /v1/items/{id}/similar: the k stored items nearest to an image, a vector or an item. */
import * as z from 'zod';
import { DEFAULT_SEARCH_K } from '../config/defaults.ts';
import {
  absent,
  Base64Image,
  EmbedOptionsQuery,
  Filter,
  imageFile,
  jsonText,
  Metadata,
  Metric,
  ModelDims,
  ModelRef,
  Namespace,
  NamespaceName,
  positiveIntText,
  Vector,
} from './common.ts';

const ONE_SOURCE = 'give "image" or "vector", not both';
const K_DESCRIPTION = `How many results (default ${DEFAULT_SEARCH_K}, or the store maximum if lower; the maximum depends on the store).`;

/** k, metric, namespace and filter as text (query string, multipart fields); a body's win over the query's. */
export const SearchOptionsText = z.object({
  k: positiveIntText.optional().meta({ description: K_DESCRIPTION }),
  metric: Metric.optional(),
  namespace: NamespaceName,
  filter: jsonText(Filter, 'A metadata filter as JSON.').optional(),
});

export const SearchQuery = EmbedOptionsQuery.extend(SearchOptionsText.shape);

const SearchOptionsJson = {
  k: z.number().int('must be an integer').positive('must be positive').optional().meta({ description: K_DESCRIPTION }),
  metric: Metric.optional(),
  namespace: NamespaceName,
  filter: Filter.optional(),
};

export const SearchJson = z
  .union(
    [
      z.object({ image: Base64Image, vector: absent(ONE_SOURCE), ...SearchOptionsJson }),
      z.object({ vector: Vector, model: ModelRef, image: absent(ONE_SOURCE), ...SearchOptionsJson }),
    ],
    { error: 'give exactly one of "image" (base64) or "vector" (with "model")' },
  )
  .meta({ id: 'SearchJson', description: 'An image, or a vector with the model that made it; k, metric, namespace, filter.' });

export const SearchForm = SearchOptionsText.extend({ image: imageFile('image') }).meta({ id: 'SearchForm' });

export const SimilarQuery = SearchOptionsText.extend({ namespace: Namespace });

export const SearchMatch = z.object({ id: z.string(), score: z.number(), metadata: Metadata }).meta({ id: 'SearchMatch' });

export const SearchResponse = z
  .object({
    results: z.array(SearchMatch).meta({ description: 'Best first; ties broken by id.' }),
    model: ModelDims,
    metric: Metric,
    namespace: z.string(),
    k: z.number().int(),
  })
  .meta({ id: 'SearchResponse' });

export const SimilarResponse = SearchResponse.extend({ id: z.string() }).meta({ id: 'SimilarResponse' });

export type SearchJson = z.input<typeof SearchJson>;
export type SearchResponse = z.infer<typeof SearchResponse>;
export type SimilarResponse = z.infer<typeof SimilarResponse>;
