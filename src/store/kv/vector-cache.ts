/**
 * @module The KV store's per-isolate cache of decoded vectors, validated by the write token in the list
 * metadata: a cached entry is used only while the key still carries the same token.
 */
import type { Metadata } from '../types.ts';

export interface CacheEntry {
  readonly token: string;
  readonly vector: Float32Array;
  readonly metadata: Metadata;
  readonly bytes: number;
}

/** A size-bounded LRU of decoded items (Map keeps insertion order; a hit re-inserts). */
export class VectorCache {
  readonly #entries = new Map<string, CacheEntry>();
  #bytes = 0;
  readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }

  /** The entry for a key, only while `token` (the key's current write token) is the one cached. */
  get(key: string, token: string | undefined): CacheEntry | undefined {
    const entry = this.#entries.get(key);
    if (!entry || entry.token !== token) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  set(key: string, token: string, vector: Float32Array, metadata: Metadata): void {
    this.delete(key);
    const bytes = vector.byteLength + 64 + JSON.stringify(metadata).length * 2;
    if (bytes > this.limit) return;
    this.#entries.set(key, { token, vector, metadata, bytes });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.limit) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (entry) {
      this.#entries.delete(key);
      this.#bytes -= entry.bytes;
    }
  }
}
