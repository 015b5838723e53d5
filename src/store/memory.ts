/**
 * @module An in-memory store, for unit tests only: exact search over a Map, read-your-writes.
 * It is the reference the other adapters are checked against, so it stays as plain as possible.
 */
import { METRICS, score, type Metric } from '../core/vector/metrics.ts';
import { matchesFilter } from './filter.ts';
import { compareMatches } from './rank.ts';
import {
  DEFAULT_NAMESPACE,
  StoreError,
  type Item,
  type ItemInput,
  type ListOptions,
  type ListPage,
  type Match,
  type QueryOptions,
  type QueryResult,
  type StoreCapabilities,
  type StoreModel,
  type VectorStore,
  type WriteResult,
} from './types.ts';
import { checkDistinct, checkId, checkMetadata, checkNamespace, checkQuery, checkVector } from './validate.ts';

export interface MemoryStoreOptions {
  readonly maxTopK?: number;
  readonly maxUpsertBatch?: number;
}

export class MemoryStore implements VectorStore {
  readonly model: StoreModel;
  readonly capabilities: StoreCapabilities;
  readonly #spaces = new Map<string, Map<string, Item>>();

  constructor(model: StoreModel, options: MemoryStoreOptions = {}) {
    this.model = model;
    this.capabilities = {
      kind: 'memory',
      exact: true,
      metrics: METRICS,
      maxTopK: options.maxTopK ?? 100,
      maxTopKById: options.maxTopK ?? 100,
      maxUpsertBatch: options.maxUpsertBatch ?? 1000,
      list: true,
      consistency: 'read-your-writes',
    };
  }

  #space(namespace: string): Map<string, Item> {
    let space = this.#spaces.get(namespace);
    if (!space) this.#spaces.set(namespace, (space = new Map()));
    return space;
  }

  async upsert(items: readonly ItemInput[]): Promise<WriteResult> {
    if (items.length > this.capabilities.maxUpsertBatch) {
      throw new StoreError('limit', `at most ${this.capabilities.maxUpsertBatch} items per upsert`, {
        limit: this.capabilities.maxUpsertBatch,
      });
    }
    checkDistinct(items);
    for (const item of items) {
      checkId(item.id);
      checkNamespace(item.namespace ?? DEFAULT_NAMESPACE);
      checkVector(item.vector, this.model);
      checkMetadata(item.metadata ?? {});
    }
    for (const item of items) {
      const namespace = item.namespace ?? DEFAULT_NAMESPACE;
      this.#space(namespace).set(item.id, {
        id: item.id,
        namespace,
        vector: Float32Array.from(item.vector),
        metadata: structuredClone(item.metadata ?? {}),
        model: { id: this.model.id, version: this.model.version },
      });
    }
    return { ids: items.map((item) => item.id) };
  }

  async get(id: string, options: { namespace?: string } = {}): Promise<Item | null> {
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    checkId(id);
    checkNamespace(namespace);
    const item = this.#spaces.get(namespace)?.get(id);
    return item ? { ...item, vector: Float32Array.from(item.vector), metadata: structuredClone(item.metadata) } : null;
  }

  async delete(ids: readonly string[], options: { namespace?: string } = {}): Promise<WriteResult> {
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    checkNamespace(namespace);
    ids.forEach(checkId);
    for (const id of ids) this.#spaces.get(namespace)?.delete(id);
    return { ids: [...ids] };
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    checkNamespace(namespace);
    const limit = Math.min(options.limit ?? 100, 1000);
    const ids = [...(this.#spaces.get(namespace)?.keys() ?? [])].sort();
    const after = options.cursor ?? null;
    const start = after === null ? 0 : ids.findIndex((id) => id > after);
    const page = start < 0 ? [] : ids.slice(start, start + limit);
    const more = start >= 0 && start + limit < ids.length;
    return {
      items: page.map((id) => ({ id, metadata: structuredClone(this.#spaces.get(namespace)!.get(id)!.metadata) })),
      cursor: more ? page[page.length - 1]! : null,
    };
  }

  async query(vector: Float32Array, options: QueryOptions): Promise<QueryResult> {
    const { metric, namespace } = checkQuery(this.capabilities, options, false);
    checkVector(vector, this.model);
    return { matches: this.#search(vector, metric, namespace, options, undefined) };
  }

  async queryById(id: string, options: QueryOptions): Promise<QueryResult | null> {
    const { metric, namespace } = checkQuery(this.capabilities, options, true);
    checkId(id);
    const item = this.#spaces.get(namespace)?.get(id);
    if (!item) return null;
    return { matches: this.#search(item.vector, metric, namespace, options, id) };
  }

  #search(vector: Float32Array, metric: Metric, namespace: string, options: QueryOptions, exclude: string | undefined): Match[] {
    const matches: Match[] = [];
    for (const item of this.#spaces.get(namespace)?.values() ?? []) {
      if (item.id === exclude || !matchesFilter(item.metadata, options.filter)) continue;
      matches.push({
        id: item.id,
        score: score(metric, vector, item.vector),
        ...(options.returnMetadata !== false && { metadata: structuredClone(item.metadata) }),
        ...(options.returnValues && { values: Float32Array.from(item.vector) }),
      });
    }
    return matches.sort(compareMatches(metric)).slice(0, options.topK);
  }
}
