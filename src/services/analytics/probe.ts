/**
 * @module The vector a route works on: an image (embedded through the embedder and its cache), a vector of this
 * model (accepted like a search's), or a stored item (its exact vector).
 */
import { ProblemError } from '../../contract/problems.ts';
import type { ModelManifest } from '../../core/model/manifest.ts';
import type { VectorStore } from '../../store/types.ts';
import type { EmbedCacheStatus } from '../embed-cache.ts';
import type { EmbedRequest, Embedder } from '../embedder.ts';
import { acceptVector, type ClientModel } from '../vectors.ts';

export type Probe =
  | { readonly image: Uint8Array }
  | { readonly vector: ArrayLike<number>; readonly model: ClientModel }
  | { readonly id: string };

export interface Probed {
  readonly vector: Float32Array;
  /** The stored item the probe named, if it named one (excluded where an item should not match itself). */
  readonly id?: string;
  readonly cache?: EmbedCacheStatus | undefined;
}

export interface ProbeContext {
  readonly store: VectorStore;
  readonly embedder: Embedder;
  readonly model: ModelManifest;
}

export function itemNotFound(id: string, namespace: string): ProblemError {
  return new ProblemError('item-not-found', `No item "${id}" in namespace "${namespace}".`, { id, namespace });
}

export async function resolveProbe(context: ProbeContext, probe: Probe, namespace: string, request?: EmbedRequest): Promise<Probed> {
  if ('image' in probe) {
    const { vectors, cache } = await context.embedder.embed([probe.image], request);
    return { vector: vectors[0]!, cache };
  }
  if ('vector' in probe) return { vector: acceptVector(probe.vector, probe.model, context.model) };
  const item = await context.store.get(probe.id, { namespace });
  if (!item) throw itemNotFound(probe.id, namespace);
  return { vector: item.vector, id: item.id };
}
