/**
 * @module The one front every store goes through: it checks the input (ids, namespaces, vectors,
 * metadata, batch sizes, topK, metric, list limits) and fills in the defaults, then calls the adapter,
 * which only does I/O. So every adapter refuses the same input with the same StoreError, and an adapter
 * never sees input the rules in validate.ts would refuse.
 */
import type { Metric } from '../core/vector/metrics.ts';
import type { MetadataFilter } from './filter.ts';
import {
  DEFAULT_NAMESPACE,
  StoreError,
  type Item,
  type ItemInput,
  type ListOptions,
  type ListPage,
  type Metadata,
  type QueryOptions,
  type QueryResult,
  type ScanOptions,
  type ScanPage,
  type ScanValues,
  type StoreCapabilities,
  type StoreModel,
  type VectorStore,
  type WriteResult,
} from './types.ts';
import { checkContentHash, checkDistinct, checkId, checkMetadata, checkNamespace, checkQuery, checkScan, checkVector } from './validate.ts';

/** Page size of `list` when none is asked for, and the largest one. */
export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;
/** Items per scan page when none is asked for (one KV list call's worth), and the largest page. */
export const DEFAULT_SCAN_PAGE = 1000;
export const MAX_SCAN_PAGE = 10_000;

/** An item that passed the checks, its defaults filled in. */
export interface CheckedItem {
  readonly id: string;
  readonly namespace: string;
  readonly vector: Float32Array;
  readonly metadata: Metadata;
  /** 64 lower-case hex characters, when the item was embedded from an image. */
  readonly contentHash: string | undefined;
}

/** A query that passed the checks against the adapter's capabilities, its defaults filled in. */
export interface CheckedQuery {
  readonly topK: number;
  readonly metric: Metric;
  readonly namespace: string;
  readonly filter: MetadataFilter | undefined;
  readonly returnValues: boolean;
  readonly returnMetadata: boolean;
}

export interface CheckedList {
  readonly namespace: string;
  /** As the caller gave it: each adapter parses its own cursors (and refuses foreign ones). */
  readonly cursor: string | null;
  /** 1 to {@link MAX_LIST_LIMIT}. */
  readonly limit: number;
}

export interface CheckedScan {
  readonly namespace: string;
  readonly values: ScanValues;
  /** 1 to {@link MAX_SCAN_PAGE}. */
  readonly pageSize: number;
}

/** What an adapter implements: the backend's I/O, on input the front has checked. */
export interface StoreAdapter {
  readonly model: StoreModel;
  readonly capabilities: StoreCapabilities;
  /** At most `capabilities.maxUpsertBatch` items, no (namespace, id) twice. */
  upsert(items: readonly CheckedItem[]): Promise<WriteResult>;
  get(id: string, namespace: string): Promise<Item | null>;
  /** At least one id. */
  delete(ids: readonly string[], namespace: string): Promise<WriteResult>;
  /** A page of items and a cursor only when more exist; a backend that cannot list throws `unsupported`. */
  list(request: CheckedList): Promise<ListPage>;
  query(vector: Float32Array, query: CheckedQuery): Promise<QueryResult>;
  queryById(id: string, query: CheckedQuery): Promise<QueryResult | null>;
  /** Pages of at most `pageSize` items (none empty); a backend that cannot scan throws `unsupported`. */
  scan(request: CheckedScan): AsyncIterable<ScanPage>;
  namespaces(): Promise<string[]>;
}

/** A VectorStore over an adapter: checks every call's input, then lets the adapter do the I/O. */
export class CheckedStore implements VectorStore {
  readonly model: StoreModel;
  readonly capabilities: StoreCapabilities;
  readonly #adapter: StoreAdapter;

  constructor(adapter: StoreAdapter) {
    this.#adapter = adapter;
    this.model = adapter.model;
    this.capabilities = adapter.capabilities;
  }

  upsert(items: readonly ItemInput[]): Promise<WriteResult> {
    return attempt(() => {
      const max = this.capabilities.maxUpsertBatch;
      if (items.length > max) throw new StoreError('limit', `at most ${max} items per upsert`, { limit: max });
      checkDistinct(items);
      const checked = items.map((item): CheckedItem => {
        const namespace = item.namespace ?? DEFAULT_NAMESPACE;
        const metadata = item.metadata ?? {};
        checkId(item.id);
        checkNamespace(namespace);
        checkVector(item.vector, this.model);
        checkMetadata(metadata);
        if (item.contentHash !== undefined) checkContentHash(item.contentHash);
        return { id: item.id, namespace, vector: item.vector, metadata, contentHash: item.contentHash };
      });
      return this.#adapter.upsert(checked);
    });
  }

  get(id: string, options: { readonly namespace?: string } = {}): Promise<Item | null> {
    return attempt(() => {
      const namespace = options.namespace ?? DEFAULT_NAMESPACE;
      checkId(id);
      checkNamespace(namespace);
      return this.#adapter.get(id, namespace);
    });
  }

  delete(ids: readonly string[], options: { readonly namespace?: string } = {}): Promise<WriteResult> {
    return attempt(() => {
      const namespace = options.namespace ?? DEFAULT_NAMESPACE;
      checkNamespace(namespace);
      ids.forEach(checkId);
      return ids.length === 0 ? Promise.resolve({ ids: [] }) : this.#adapter.delete([...ids], namespace);
    });
  }

  list(options: ListOptions = {}): Promise<ListPage> {
    return attempt(() => {
      const namespace = options.namespace ?? DEFAULT_NAMESPACE;
      checkNamespace(namespace);
      const limit = Math.max(1, Math.min(options.limit ?? DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT));
      return this.#adapter.list({ namespace, cursor: options.cursor ?? null, limit });
    });
  }

  query(vector: Float32Array, options: QueryOptions): Promise<QueryResult> {
    return attempt(() => {
      const query = this.#query(options, false);
      checkVector(vector, this.model);
      return this.#adapter.query(vector, query);
    });
  }

  queryById(id: string, options: QueryOptions): Promise<QueryResult | null> {
    return attempt(() => {
      const query = this.#query(options, true);
      checkId(id);
      return this.#adapter.queryById(id, query);
    });
  }

  /** Checked on the first page (so a refused scan rejects, as every other call does). */
  async *scan(options: ScanOptions): AsyncIterable<ScanPage> {
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    checkNamespace(namespace);
    const pageSize = options.pageSize ?? DEFAULT_SCAN_PAGE;
    checkScan(options.values, pageSize, MAX_SCAN_PAGE);
    yield* this.#adapter.scan({ namespace, values: options.values, pageSize });
  }

  namespaces(): Promise<string[]> {
    return this.#adapter.namespaces();
  }

  #query(options: QueryOptions, byId: boolean): CheckedQuery {
    const { metric, namespace } = checkQuery(this.capabilities, options, byId);
    return {
      topK: options.topK,
      metric,
      namespace,
      filter: options.filter,
      returnValues: options.returnValues === true,
      returnMetadata: options.returnMetadata !== false,
    };
  }
}

/** The checked store over an adapter. */
export function checkedStore(adapter: StoreAdapter): VectorStore {
  return new CheckedStore(adapter);
}

/** Runs a check-then-call step so that a refused input rejects the promise instead of throwing. */
function attempt<T>(step: () => Promise<T>): Promise<T> {
  try {
    return step();
  } catch (error) {
    return Promise.reject(error);
  }
}
