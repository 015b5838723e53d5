/**
 * @module An in-memory store, for unit tests only: exact search over a Map, read-your-writes.
 * It is the reference the other adapters are checked against, so it stays as plain as possible.
 */
import { MAX_SEARCH_K_KV } from '../config/defaults.ts';
import { METRICS, score } from '../core/vector/metrics.ts';
import { CheckedStore, type CheckedItem, type CheckedList, type CheckedQuery, type CheckedScan, type StoreAdapter } from './checked.ts';
import { matchesFilter } from './filter.ts';
import { quantizeInto } from './int8-code.ts';
import { compareMatches } from './rank.ts';
import type { Item, ListPage, Match, QueryResult, ScanPage, StoreCapabilities, StoreModel, WriteResult } from './types.ts';

export interface MemoryStoreOptions {
  readonly maxTopK?: number;
  readonly maxUpsertBatch?: number;
}

/** The Map's I/O; {@link MemoryStore} puts the checks in front. */
class MemoryAdapter implements StoreAdapter {
  readonly model: StoreModel;
  readonly capabilities: StoreCapabilities;
  readonly #spaces = new Map<string, Map<string, Item>>();

  constructor(model: StoreModel, options: MemoryStoreOptions) {
    this.model = model;
    this.capabilities = {
      kind: 'memory',
      exact: true,
      metrics: METRICS,
      maxTopK: options.maxTopK ?? MAX_SEARCH_K_KV,
      maxTopKById: options.maxTopK ?? MAX_SEARCH_K_KV,
      maxUpsertBatch: options.maxUpsertBatch ?? 1000,
      list: true,
      scan: true,
      consistency: 'read-your-writes',
    };
  }

  #space(namespace: string): Map<string, Item> {
    let space = this.#spaces.get(namespace);
    if (!space) this.#spaces.set(namespace, (space = new Map()));
    return space;
  }

  async upsert(items: readonly CheckedItem[]): Promise<WriteResult> {
    for (const item of items) {
      this.#space(item.namespace).set(item.id, {
        id: item.id,
        namespace: item.namespace,
        vector: Float32Array.from(item.vector),
        metadata: structuredClone(item.metadata),
        model: { id: this.model.id, version: this.model.version },
        ...(item.contentHash !== undefined && { contentHash: item.contentHash }),
      });
    }
    return { ids: items.map((item) => item.id) };
  }

  async get(id: string, namespace: string): Promise<Item | null> {
    const item = this.#spaces.get(namespace)?.get(id);
    return item ? { ...item, vector: Float32Array.from(item.vector), metadata: structuredClone(item.metadata) } : null;
  }

  async delete(ids: readonly string[], namespace: string): Promise<WriteResult> {
    for (const id of ids) this.#spaces.get(namespace)?.delete(id);
    return { ids: [...ids] };
  }

  /** Ids in order; the cursor is the last id given out. */
  async list({ namespace, cursor, limit }: CheckedList): Promise<ListPage> {
    const ids = [...(this.#spaces.get(namespace)?.keys() ?? [])].sort();
    const start = cursor === null ? 0 : ids.findIndex((id) => id > cursor);
    const page = start < 0 ? [] : ids.slice(start, start + limit);
    const more = start >= 0 && start + limit < ids.length;
    return {
      items: page.map((id) => ({ id, metadata: structuredClone(this.#spaces.get(namespace)!.get(id)!.metadata) })),
      cursor: more ? page[page.length - 1]! : null,
    };
  }

  /**
   * Pages in id order. Codes are made per page straight into its int8 buffer, as KV's codec makes them:
   * a codes scan holds no float32 copy of the items (100k × 512 is 51 MB of codes, not 205 MB of floats).
   */
  async namespaces(): Promise<string[]> {
    return [...this.#spaces]
      .filter(([, space]) => space.size > 0)
      .map(([name]) => name)
      .sort();
  }

  async *scan({ namespace, values, pageSize }: CheckedScan): AsyncIterable<ScanPage> {
    const dims = this.model.dims;
    const ids = [...(this.#spaces.get(namespace)?.keys() ?? [])].sort();
    for (let start = 0; start < ids.length; start += pageSize) {
      const items = ids.slice(start, start + pageSize).flatMap((id) => this.#spaces.get(namespace)?.get(id) ?? []);
      if (items.length === 0) continue; // deleted while the scan ran
      const page = {
        ids: items.map((item) => item.id),
        metadata: items.map((item) => structuredClone(item.metadata)),
        contentHashes: items.map((item) => item.contentHash),
        dims,
      };
      if (values === 'exact') {
        const vectors = new Float32Array(items.length * dims);
        items.forEach((item, i) => vectors.set(item.vector, i * dims));
        yield { ...page, vectors };
      } else {
        const codes = new Int8Array(items.length * dims);
        const scales = new Float32Array(items.length);
        items.forEach((item, i) => {
          scales[i] = quantizeInto(item.vector, codes, i * dims).scale;
        });
        yield { ...page, codes, scales };
      }
    }
  }

  async query(vector: Float32Array, query: CheckedQuery): Promise<QueryResult> {
    return { matches: this.#search(vector, query, undefined) };
  }

  async queryById(id: string, query: CheckedQuery): Promise<QueryResult | null> {
    const item = this.#spaces.get(query.namespace)?.get(id);
    if (!item) return null;
    return { matches: this.#search(item.vector, query, id) };
  }

  #search(vector: Float32Array, query: CheckedQuery, exclude: string | undefined): Match[] {
    const { metric } = query;
    const matches: Match[] = [];
    for (const item of this.#spaces.get(query.namespace)?.values() ?? []) {
      if (item.id === exclude || !matchesFilter(item.metadata, query.filter)) continue;
      matches.push({
        id: item.id,
        score: score(metric, vector, item.vector),
        ...(query.returnMetadata && { metadata: structuredClone(item.metadata) }),
        ...(query.returnValues && { values: Float32Array.from(item.vector) }),
      });
    }
    return matches.sort(compareMatches(metric)).slice(0, query.topK);
  }
}

export class MemoryStore extends CheckedStore {
  constructor(model: StoreModel, options: MemoryStoreOptions = {}) {
    super(new MemoryAdapter(model, options));
  }
}
