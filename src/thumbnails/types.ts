/**
 * @module Where small preview images of items live (R2 in a deployment, memory in tests). The HTTP
 * layer sees only this interface; `src/worker.ts` adapts the binding.
 */

/** Where an item's thumbnail is kept: the route stores it there and an item's delete removes it. */
export const thumbnailKey = (namespace: string, id: string): string => `thumbnails/${namespace}/${id}`;

export interface StoredThumbnail {
  readonly bytes: Uint8Array;
  /** Set by the server from the sniffed format, never taken from the client. */
  readonly contentType: string;
  /** Strong validator for conditional GETs, when the store has one. */
  readonly etag?: string;
}

export interface ThumbnailStore {
  get(key: string): Promise<StoredThumbnail | null>;
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** An in-memory store for tests and local tools. */
export function memoryThumbnails(): ThumbnailStore & { readonly size: number } {
  const map = new Map<string, StoredThumbnail>();
  return {
    get size() {
      return map.size;
    },
    async get(key) {
      return map.get(key) ?? null;
    },
    async put(key, bytes, contentType) {
      map.set(key, { bytes: bytes.slice(), contentType });
    },
    async delete(key) {
      map.delete(key);
    },
  };
}
