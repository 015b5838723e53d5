/**
 * @module The one interface every vector store implements (KV, Vectorize, in-memory), and its types.
 *
 * A store is bound to one model (id + version + dims): it only ever reads and writes that model's
 * vectors, so vectors of two models can never meet in one result list. Items are identified by
 * (namespace, id); namespaces partition the store (a search sees exactly one namespace).
 */
import type { Metric } from '../core/vector/metrics.ts';
import type { MetadataFilter } from './filter.ts';

export type { Metric } from '../core/vector/metrics.ts';
export type { MetadataFilter } from './filter.ts';

/** What a metadata value may be (Vectorize's own rule): a scalar, a list of strings, or one level of nesting. */
export type MetadataScalar = string | number | boolean;
export type MetadataValue = MetadataScalar | string[] | { readonly [key: string]: MetadataScalar | string[] };
export type Metadata = { readonly [key: string]: MetadataValue };

/** The model a store holds vectors of. */
export interface StoreModel {
  readonly id: string;
  readonly version: string;
  readonly dims: number;
}

export interface Item {
  readonly id: string;
  readonly namespace: string;
  readonly vector: Float32Array;
  readonly metadata: Metadata;
  readonly model: { readonly id: string; readonly version: string };
  /** sha256 (64 lower-case hex) of the image the vector was embedded from; absent for items stored as vectors. */
  readonly contentHash?: string;
}

export interface ItemInput {
  readonly id: string;
  /** Defaults to {@link DEFAULT_NAMESPACE}. */
  readonly namespace?: string;
  readonly vector: Float32Array;
  readonly metadata?: Metadata;
  /** sha256 (64 lower-case hex) of the image the vector was embedded from (the indexer sets it). */
  readonly contentHash?: string;
}

export interface QueryOptions {
  readonly topK: number;
  /** Defaults to the store's first supported metric (cosine where supported). */
  readonly metric?: Metric;
  readonly namespace?: string;
  readonly filter?: MetadataFilter;
  readonly returnValues?: boolean;
  /** Defaults to true. */
  readonly returnMetadata?: boolean;
}

export interface Match {
  readonly id: string;
  /** cosine and dot: similarity (higher is nearer); euclidean: distance (lower is nearer). */
  readonly score: number;
  readonly metadata?: Metadata;
  readonly values?: Float32Array;
}

/** How much a query cost; what the benchmark and the `x-store-*` headers report. */
export interface QueryStats {
  /** Backend operations (KV list/get calls, Vectorize calls). */
  readonly operations: number;
  /** Items whose score was bounded or computed. */
  readonly scanned: number;
  /** Items whose full vector had to be read to settle the ranking. */
  readonly fetched: number;
}

export interface QueryResult {
  /** Best first; ties broken by id (ascending, by UTF-16 code units). */
  readonly matches: Match[];
  readonly stats?: QueryStats;
}

export interface ListOptions {
  readonly namespace?: string;
  readonly cursor?: string | null;
  readonly limit?: number;
}

export interface ListPage {
  readonly items: Array<{ readonly id: string; readonly metadata: Metadata }>;
  /** Opaque; null when there is nothing more. */
  readonly cursor: string | null;
}

/**
 * `codes`: int8 codes and a scale per item (row i ≈ scales[i] · codes[i·dims..]), read from what the store
 * keeps beside its keys (KV: list metadata), so a 100k-item namespace costs ~1 byte per dimension;
 * `exact`: the float32 vectors, read from the values.
 */
export type ScanValues = 'codes' | 'exact';

export interface ScanOptions {
  /** Defaults to {@link DEFAULT_NAMESPACE}. */
  readonly namespace?: string;
  readonly values: ScanValues;
  /** Items per page, 1 to MAX_SCAN_PAGE (checked.ts); defaults to DEFAULT_SCAN_PAGE. The last page may be shorter. */
  readonly pageSize?: number;
}

/** One page of a scan: row i of every array is item `ids[i]`. Pages are in no particular order. */
export interface ScanPage {
  readonly ids: string[];
  readonly metadata: Metadata[];
  readonly contentHashes: (string | undefined)[];
  readonly dims: number;
  /** `values: 'codes'`: ids.length × dims int8 codes, row-major. */
  readonly codes?: Int8Array;
  /** `values: 'codes'`: one scale per row; scales[i] · codes[i·dims + j] is within scales[i] / 2 of the vector. */
  readonly scales?: Float32Array;
  /** `values: 'exact'`: ids.length × dims float32 values, row-major (what `get` returns). */
  readonly vectors?: Float32Array;
}

export interface WriteResult {
  readonly ids: string[];
  /** Stores whose writes apply later (Vectorize) name the mutation. */
  readonly mutationId?: string;
}

export interface StoreCapabilities {
  readonly kind: 'kv' | 'vectorize' | 'memory';
  /** True when search ranks every item exactly (brute force); false for an ANN index. */
  readonly exact: boolean;
  /** Metrics a query may ask for; Vectorize's is fixed when the index is created. */
  readonly metrics: readonly Metric[];
  /** Largest topK for query (results carry metadata). */
  readonly maxTopK: number;
  /** Largest topK for queryById (some stores spend one slot on the item itself). */
  readonly maxTopKById: number;
  /** Most items in one upsert call. */
  readonly maxUpsertBatch: number;
  /** Whether `list` is available. */
  readonly list: boolean;
  /** Whether `scan` is available (every item of a namespace with its vector or code). */
  readonly scan: boolean;
  /** `eventual`: a write may not be visible to the next read or search. */
  readonly consistency: 'read-your-writes' | 'eventual';
}

export interface VectorStore {
  readonly model: StoreModel;
  readonly capabilities: StoreCapabilities;
  /** Inserts or replaces items (vector and metadata in full). */
  upsert(items: readonly ItemInput[]): Promise<WriteResult>;
  get(id: string, options?: { readonly namespace?: string }): Promise<Item | null>;
  /** Deleting an absent id is not an error. */
  delete(ids: readonly string[], options?: { readonly namespace?: string }): Promise<WriteResult>;
  list(options?: ListOptions): Promise<ListPage>;
  query(vector: Float32Array, options: QueryOptions): Promise<QueryResult>;
  /** The neighbours of a stored item, excluding the item itself; null when the item does not exist. */
  queryById(id: string, options: QueryOptions): Promise<QueryResult | null>;
  /**
   * Every item of a namespace exactly once, in pages; a store that cannot (Vectorize) throws `unsupported`
   * on the first page. Items written or deleted during a scan may or may not appear.
   */
  scan(options: ScanOptions): AsyncIterable<ScanPage>;
  /** The namespaces holding items, sorted (a switching re-index visits each); Vectorize throws `unsupported`. */
  namespaces(): Promise<string[]>;
}

export const DEFAULT_NAMESPACE = 'default';

/**
 * Why a store refused or failed. The HTTP layer maps each code to one status:
 * invalid/limit -> 422, unsupported -> 501, rate-limited -> 429, capacity -> 503, misconfigured -> 500.
 */
export type StoreErrorCode = 'invalid' | 'limit' | 'unsupported' | 'rate-limited' | 'capacity' | 'misconfigured';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** For `limit`: the limit that was passed. */
  readonly limit: number | undefined;
  constructor(code: StoreErrorCode, message: string, options?: ErrorOptions & { limit?: number }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
    this.limit = options?.limit;
  }
}
