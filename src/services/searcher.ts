/**
 * @module The searcher: the k stored items nearest to an image, a precomputed vector or a stored item, with
 * k and metric resolved against what the store offers (checked before anything is embedded).
 */
import { DEFAULT_SEARCH_K } from '../config/defaults.ts';
import { ProblemError } from '../contract/problems.ts';
import type { ModelManifest } from '../core/model/manifest.ts';
import type { Metric } from '../core/vector/metrics.ts';
import type { MetadataFilter, QueryResult, StoreCapabilities, VectorStore } from '../store/types.ts';
import type { EmbedCacheStatus } from './embed-cache.ts';
import type { EmbedRequest, Embedder } from './embedder.ts';
import { acceptVector, type ClientModel } from './vectors.ts';

export interface SearchOptions {
  readonly k?: number | undefined;
  readonly metric?: Metric | undefined;
  readonly namespace: string;
  readonly filter?: MetadataFilter | undefined;
}

/** The options a search ran with, once defaults are filled in. */
export interface SearchParams {
  readonly k: number;
  readonly metric: Metric;
  readonly namespace: string;
  readonly filter: MetadataFilter | undefined;
}

export interface Searched {
  readonly result: QueryResult;
  readonly params: SearchParams;
  /** What the embedding cache did for a search by image. */
  readonly cache?: EmbedCacheStatus | undefined;
}

export interface Searcher {
  byImage(image: Uint8Array, options: SearchOptions, request?: EmbedRequest): Promise<Searched>;
  byVector(vector: ArrayLike<number>, model: ClientModel, options: SearchOptions): Promise<Searched>;
  /** The neighbours of a stored item, without itself; null when there is no such item. */
  similar(id: string, options: SearchOptions): Promise<Searched | null>;
}

/** k and metric checked against the store: k within its maximum, a metric it offers (default: its first). */
export function searchParams(options: SearchOptions, capabilities: StoreCapabilities, byId: boolean): SearchParams {
  const max = byId ? capabilities.maxTopKById : capabilities.maxTopK;
  const k = options.k ?? Math.min(DEFAULT_SEARCH_K, max);
  if (k > max) {
    throw new ProblemError(
      'k-too-large',
      `k is ${k}; the ${capabilities.kind} store returns at most ${max}${byId && max < capabilities.maxTopK ? ' neighbours of an item' : ''}.`,
      { limit: max },
    );
  }
  const metric = options.metric ?? capabilities.metrics[0]!;
  if (!capabilities.metrics.includes(metric)) {
    throw new ProblemError(
      'metric-not-supported',
      `The ${capabilities.kind} store ranks by ${capabilities.metrics.join(', ')} only${
        capabilities.kind === 'vectorize' ? ' (a Vectorize index fixes its metric when created)' : ''
      }.`,
      { supported: capabilities.metrics },
    );
  }
  return { k, metric, namespace: options.namespace, filter: options.filter };
}

export function createSearcher(options: { store: VectorStore; embedder: Embedder; model: ModelManifest }): Searcher {
  const { store, embedder, model } = options;
  const query = (vector: Float32Array, params: SearchParams) =>
    store.query(vector, {
      topK: params.k,
      metric: params.metric,
      namespace: params.namespace,
      ...(params.filter && { filter: params.filter }),
    });

  return {
    async byImage(image, searchOptions, request) {
      const params = searchParams(searchOptions, store.capabilities, false);
      const { vectors, cache } = await embedder.embed([image], request);
      return { result: await query(vectors[0]!, params), params, cache };
    },
    async byVector(vector, vectorModel, searchOptions) {
      const accepted = acceptVector(vector, vectorModel, model);
      const params = searchParams(searchOptions, store.capabilities, false);
      return { result: await query(accepted, params), params };
    },
    async similar(id, searchOptions) {
      const params = searchParams(searchOptions, store.capabilities, true);
      const result = await store.queryById(id, {
        topK: params.k,
        metric: params.metric,
        namespace: params.namespace,
        ...(params.filter && { filter: params.filter }),
      });
      return result && { result, params };
    },
  };
}
