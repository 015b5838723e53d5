/**
 * @module The indexer: items in (an image to embed or a vector with its model, plus metadata), validated and
 * stored, one at a time or as a batch. The item routes call it; a queue consumer or a CLI can too.
 */
import { ProblemError } from '../contract/problems.ts';
import type { ModelManifest } from '../core/model/manifest.ts';
import { sha256Hex } from '../core/util/sha256.ts';
import type { ItemInput, Metadata, VectorStore, WriteResult } from '../store/types.ts';
import { thumbnailKey } from '../thumbnails/types.ts';
import type { OriginalsKeeper } from './jobs/originals.ts';
import type { EmbedCacheStatus } from './embed-cache.ts';
import type { EmbedRequest, Embedder } from './embedder.ts';
import { acceptVector, type ClientModel } from './vectors.ts';

/** Where an item's vector comes from. */
export type ItemSource = { readonly image: Uint8Array } | { readonly vector: ArrayLike<number>; readonly model: ClientModel };

export interface ItemDraft {
  readonly id: string;
  readonly metadata?: Metadata | undefined;
  readonly source: ItemSource;
}

export interface Indexed {
  readonly written: WriteResult;
  /** What the embedding cache did for the images (undefined: no cache, or no image). */
  readonly cache: EmbedCacheStatus | undefined;
}

export interface Indexer {
  readonly store: VectorStore;
  put(namespace: string, item: ItemDraft, request?: EmbedRequest): Promise<Indexed>;
  /** A batch: at most the store's upsert batch of items and `maxImages` images; ids must be distinct. */
  putMany(namespace: string, items: readonly ItemDraft[], request?: EmbedRequest): Promise<Indexed>;
  /** Deletes an item with its thumbnail and, when no other item uses it, its original. */
  remove(namespace: string, id: string): Promise<WriteResult>;
}

export interface IndexerOptions {
  readonly store: VectorStore;
  readonly embedder: Embedder;
  /** The model the deployment serves: precomputed vectors must come from it. */
  readonly model: ModelManifest;
  /** Most images one batch may embed (vectors do not count). */
  readonly maxImages: number;
  /** Keeps each embedded image by content (KEEP_ORIGINALS with an ORIGINALS bucket); without one none is kept. */
  readonly originals?: OriginalsKeeper | undefined;
  /** Thumbnails, deleted with their item. */
  readonly thumbnails?: { delete(key: string): Promise<void> } | undefined;
  /** Told of every image item written and every item deleted (a model migration mirrors them: model-switch.ts). */
  readonly mirror?: IndexMirror | undefined;
}

/** Writes to repeat elsewhere: an image item by its kept original, a deletion by id. */
export interface IndexMirror {
  put(
    namespace: string,
    items: ReadonlyArray<{ readonly id: string; readonly contentHash: string; readonly metadata: Metadata }>,
  ): Promise<void>;
  remove(namespace: string, id: string): Promise<void>;
}

export function createIndexer(options: IndexerOptions): Indexer {
  const { store, embedder, model, maxImages, originals, thumbnails, mirror } = options;

  /** Originals the items held before this write, where it replaces them with other content. */
  async function previousHashes(namespace: string, ids: readonly string[]): Promise<Map<string, string>> {
    const previous = new Map<string, string>();
    if (!originals) return previous;
    const items = await Promise.all(ids.map((id) => store.get(id, { namespace })));
    for (const item of items) if (item?.contentHash) previous.set(item.id, item.contentHash);
    return previous;
  }

  async function index(
    namespace: string,
    items: readonly ItemDraft[],
    fieldOf: (i: number) => string,
    request: EmbedRequest | undefined,
  ): Promise<Indexed> {
    // Every check before any embed: a refused batch costs no inference.
    const vectors = items.map(({ source }, i) =>
      'vector' in source ? acceptVector(source.vector, source.model, model, `${fieldOf(i)}vector`) : undefined,
    );
    const images = items.flatMap(({ source }) => ('image' in source ? [source.image] : []));
    if (images.length > maxImages) {
      throw new ProblemError(
        'batch-too-large',
        `The request holds ${images.length} images to embed; at most ${maxImages} per request (precomputed vectors do not count).`,
        { limit: maxImages },
      );
    }
    // The image's sha256 goes with its item: exact duplicates are found by it without comparing vectors.
    const [embedded, hashes] = await Promise.all([
      images.length ? embedder.embed(images, request) : undefined,
      Promise.all(images.map((image) => sha256Hex(image))),
    ]);
    let next = 0;
    /** The image of each item (undefined for a vector), by position. */
    const imageOf: (Uint8Array | undefined)[] = [];
    const inputs: ItemInput[] = items.map((item, i) => {
      const base = { id: item.id, namespace, metadata: item.metadata ?? {} };
      imageOf.push(vectors[i] ? undefined : images[next]);
      if (vectors[i]) return { ...base, vector: vectors[i] };
      const n = next++;
      return { ...base, vector: embedded!.vectors[n]!, contentHash: hashes[n]! };
    });
    const previous = await previousHashes(
      namespace,
      items.map((item) => item.id),
    );
    const written = await store.upsert(inputs);
    if (originals) {
      await Promise.all(
        inputs.map(async (input, i) => {
          const ref = { namespace, id: input.id };
          const image = imageOf[i];
          if (image && input.contentHash) await originals.keep(image, input.contentHash, ref);
          const before = previous.get(input.id);
          if (before !== undefined && before !== input.contentHash) await originals.release(before, ref);
        }),
      );
      // Only images are mirrored: they have an original to embed again.
      const images = inputs.flatMap(({ id, contentHash, metadata }) =>
        contentHash ? [{ id, contentHash, metadata: metadata ?? {} }] : [],
      );
      if (mirror && images.length) await mirror.put(namespace, images);
    }
    return { written, cache: embedded?.cache };
  }

  return {
    store,
    async remove(namespace, id) {
      const existing = originals ? await store.get(id, { namespace }) : null;
      const written = await store.delete([id], { namespace });
      await Promise.all([
        thumbnails?.delete(thumbnailKey(namespace, id)),
        existing?.contentHash !== undefined ? originals?.release(existing.contentHash, { namespace, id }) : undefined,
        mirror?.remove(namespace, id),
      ]);
      return written;
    },
    put: (namespace, item, request) => index(namespace, [item], () => '', request),
    async putMany(namespace, items, request) {
      const max = store.capabilities.maxUpsertBatch;
      if (items.length > max) {
        throw new ProblemError('batch-too-large', `The request holds ${items.length} items; at most ${max} per request.`, { limit: max });
      }
      const seen = new Set<string>();
      for (const { id } of items) {
        if (seen.has(id)) throw new ProblemError('invalid-field', `items: id "${id}" appears twice`, { field: 'items' });
        seen.add(id);
      }
      return index(namespace, items, (i) => `items.${i}.`, request);
    },
  };
}
