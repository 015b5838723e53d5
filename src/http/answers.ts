/** @module Answers that more than one route gives: search results (search and similar), write receipts. */
import type { Context } from 'hono';
import type { ModelManifest } from '../core/model/manifest.ts';
import type { Searched } from '../services/searcher.ts';
import type { VectorStore, WriteResult } from '../store/types.ts';

/** Search and similar: best first, with the model that made the vectors; the store's costs as headers. */
export function searchAnswer(c: Context, { result, params }: Searched, model: ModelManifest) {
  if (result.stats) {
    c.header('x-store-operations', String(result.stats.operations));
    c.header('x-store-scanned', String(result.stats.scanned));
    c.header('x-store-fetched', String(result.stats.fetched));
  }
  return {
    results: result.matches.map((m) => ({ id: m.id, score: m.score, metadata: m.metadata ?? {} })),
    model: { id: model.id, version: model.version, dims: model.dims },
    metric: params.metric,
    namespace: params.namespace,
    k: params.k,
  };
}

/** What a write says besides the ids: where, which model, and when it is visible. */
export function writeAnswer(store: VectorStore, namespace: string, written: WriteResult) {
  return {
    namespace,
    model: { id: store.model.id, version: store.model.version },
    dims: store.model.dims,
    consistency: store.capabilities.consistency,
    ...(written.mutationId && { mutationId: written.mutationId }),
  };
}
