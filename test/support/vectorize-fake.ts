/**
 * @module An in-process implementation of the Workers `Vectorize` binding (V2), for tests.
 *
 * No local Vectorize exists (wrangler marks the binding remote-only and calls throw "needs to be
 * run remotely"), so this is written from Cloudflare's documentation of the binding
 * (developers.cloudflare.com/vectorize: Vectorize API, Limits, Metadata filtering, Insert vectors,
 * Query vectors, Create indexes) and `@cloudflare/workers-types`:
 *
 * - an index has 1 to 1536 dimensions (fixed at creation, like its metric);
 * - ids: non-empty, <= 64 bytes, unique per INDEX (an upsert with a known id replaces that vector,
 *   whatever namespace it was in); namespaces <= 64 bytes; metadata <= 10 KiB of JSON, keys neither
 *   empty nor containing "." or '"' nor starting with "$"; values length = the index's dimensions;
 *   values stored as float32; at most 1000 vectors per insert/upsert call.
 * - Mutations (insert, upsert, deleteByIds) are asynchronous: each answers `{ mutationId }` and is
 *   applied later, in order — here when the test calls `flush()` (or on the next macrotask with
 *   `autoApply`). `getByIds`, `query`, `queryById` and `describe` see applied mutations only.
 *   `insert` keeps an existing vector ("only the vectors with new IDs will be inserted").
 * - query: topK defaults to 5, at most 100, at most 20 with `returnValues` or `returnMetadata: 'all'`;
 *   `returnMetadata` 'none' (default) | 'indexed' | 'all' (true = 'all' as in V1); a namespace is
 *   applied before the search; `filter` (implicit AND, dotted nesting, $eq $ne $in $nin $lt $lte
 *   $gt $gte; non-empty, compact JSON < 2048 bytes) is applied before topK.
 * - Filters see only metadata indexes (`metadataIndexes`, as `wrangler vectorize create-metadata-index`
 *   makes them): a property without an index, or a value of another type than its index, is absent
 *   from the index (it then satisfies only null probes, see src/store/filter.ts), and strings are
 *   indexed on their first 64 bytes. Without
 *   `metadataIndexes`, every property counts as indexed (convenient for tests that do not care).
 * - Scores: cosine similarity (higher nearer), euclidean distance (lower nearer), dot-product as
 *   the NEGATED dot product (lower nearer), as the "Create indexes" page documents.
 * - This fake searches exactly and breaks ties by id; the real index is approximate.
 * - queryById with an unknown id answers no matches (assumed; the documentation does not say).
 */
import { cosine, dot, euclidean } from '../../src/core/vector/metrics.ts';
import { matchesFilter, truncateUtf8 } from '../../src/store/filter.ts';

export class FakeVectorizeError extends Error {
  constructor(operation: string, message: string) {
    super(`VECTOR_${operation}_ERROR: ${message}`);
    this.name = 'FakeVectorizeError';
  }
}

export type MetadataIndexType = 'string' | 'number' | 'boolean';

export interface FakeVectorizeOptions {
  readonly dimensions: number;
  readonly metric: VectorizeDistanceMetric;
  readonly metadataIndexes?: Readonly<Record<string, MetadataIndexType>>;
  /** Apply each mutation on the next macrotask instead of waiting for `flush()`. */
  readonly autoApply?: boolean;
}

interface Stored {
  readonly id: string;
  readonly namespace: string | undefined;
  readonly values: Float32Array;
  readonly metadata: Record<string, VectorizeVectorMetadata> | undefined;
}

const MAX_DIMENSIONS = 1536;
const MAX_ID_BYTES = 64;
const MAX_NAMESPACE_BYTES = 64;
const MAX_METADATA_BYTES = 10 * 1024;
const MAX_TOPK = 100;
const MAX_TOPK_WITH_DATA = 20;
const MAX_BATCH = 1000;
const MAX_FILTER_BYTES = 2048;
const INDEXED_STRING_BYTES = 64;

const bytes = (s: string) => new TextEncoder().encode(s).byteLength;

export class FakeVectorize {
  readonly options: FakeVectorizeOptions;
  /** Calls per method, for tests that count round trips. */
  readonly calls: Record<string, number> = {};
  readonly #vectors = new Map<string, Stored>();
  readonly #pending: Array<{ id: string; apply: () => void }> = [];
  #lastMutation = '';
  #lastApplied = 0;
  #sequence = 0;

  constructor(options: FakeVectorizeOptions) {
    if (!Number.isInteger(options.dimensions) || options.dimensions < 1 || options.dimensions > MAX_DIMENSIONS) {
      throw new FakeVectorizeError('CREATE', `an index has 1 to ${MAX_DIMENSIONS} dimensions, not ${options.dimensions}`);
    }
    this.options = options;
  }

  #count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }

  /** Mutations accepted but not yet visible. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Applies every pending mutation, in order; answers how many there were. */
  flush(): number {
    const n = this.#pending.length;
    for (const mutation of this.#pending.splice(0)) {
      mutation.apply();
      this.#lastMutation = mutation.id;
      this.#lastApplied = Date.now();
    }
    return n;
  }

  #mutation(apply: () => void): VectorizeAsyncMutation {
    const mutationId = `${(++this.#sequence).toString(16).padStart(8, '0')}-fake-${crypto.randomUUID().slice(9)}`;
    this.#pending.push({ id: mutationId, apply });
    if (this.options.autoApply) setTimeout(() => this.flush(), 0);
    return { mutationId };
  }

  async describe(): Promise<VectorizeIndexInfo> {
    this.#count('describe');
    return {
      vectorCount: this.#vectors.size,
      dimensions: this.options.dimensions,
      processedUpToDatetime: this.#lastApplied,
      processedUpToMutation: this.#lastMutation as unknown as number,
    };
  }

  #checkVectors(operation: string, vectors: VectorizeVector[]): Stored[] {
    if (!Array.isArray(vectors) || vectors.length === 0) throw new FakeVectorizeError(operation, 'no vectors given');
    if (vectors.length > MAX_BATCH) throw new FakeVectorizeError(operation, `at most ${MAX_BATCH} vectors per call from a Worker`);
    return vectors.map((v) => {
      if (typeof v.id !== 'string' || v.id.length === 0) throw new FakeVectorizeError(operation, 'a vector id must be a non-empty string');
      if (bytes(v.id) > MAX_ID_BYTES) throw new FakeVectorizeError(operation, `vector id "${v.id}" is over ${MAX_ID_BYTES} bytes`);
      if (v.namespace !== undefined && bytes(v.namespace) > MAX_NAMESPACE_BYTES) {
        throw new FakeVectorizeError(operation, `namespace "${v.namespace}" is over ${MAX_NAMESPACE_BYTES} bytes`);
      }
      if (v.values.length !== this.options.dimensions) {
        throw new FakeVectorizeError(
          operation,
          `vector ${v.id} has ${v.values.length} dimensions; the index has ${this.options.dimensions}`,
        );
      }
      const values = Float32Array.from(v.values);
      if (!values.every(Number.isFinite)) throw new FakeVectorizeError(operation, `vector ${v.id} has non-finite values`);
      if (v.metadata !== undefined) {
        if (bytes(JSON.stringify(v.metadata)) > MAX_METADATA_BYTES) {
          throw new FakeVectorizeError(operation, `metadata of ${v.id} is over ${MAX_METADATA_BYTES} bytes`);
        }
        const keys = Object.values(v.metadata).flatMap((value) =>
          value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [],
        );
        for (const key of [...Object.keys(v.metadata), ...keys]) {
          if (key === '' || key.includes('.') || key.includes('"') || key.startsWith('$')) {
            throw new FakeVectorizeError(operation, `metadata key "${key}" is not allowed`);
          }
        }
      }
      return { id: v.id, namespace: v.namespace, values, metadata: v.metadata && structuredClone(v.metadata) };
    });
  }

  async insert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    this.#count('insert');
    const stored = this.#checkVectors('INSERT', vectors);
    return this.#mutation(() => {
      for (const v of stored) if (!this.#vectors.has(v.id)) this.#vectors.set(v.id, v);
    });
  }

  async upsert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    this.#count('upsert');
    const stored = this.#checkVectors('UPSERT', vectors);
    return this.#mutation(() => {
      for (const v of stored) this.#vectors.set(v.id, v);
    });
  }

  async deleteByIds(ids: string[]): Promise<VectorizeAsyncMutation> {
    this.#count('deleteByIds');
    if (!Array.isArray(ids)) throw new FakeVectorizeError('DELETE', 'ids must be a list');
    const copy = [...ids];
    return this.#mutation(() => {
      for (const id of copy) this.#vectors.delete(id);
    });
  }

  async getByIds(ids: string[]): Promise<VectorizeVector[]> {
    this.#count('getByIds');
    return ids.flatMap((id) => {
      const v = this.#vectors.get(id);
      if (!v) return [];
      return [
        {
          id: v.id,
          values: Array.from(v.values),
          ...(v.namespace !== undefined && { namespace: v.namespace }),
          ...(v.metadata && { metadata: structuredClone(v.metadata) }),
        },
      ];
    });
  }

  async query(vector: VectorFloatArray | number[], options: VectorizeQueryOptions = {}): Promise<VectorizeMatches> {
    this.#count('query');
    if (vector.length !== this.options.dimensions) {
      throw new FakeVectorizeError('QUERY', `the query has ${vector.length} dimensions; the index has ${this.options.dimensions}`);
    }
    return this.#search(Float32Array.from(vector), options);
  }

  async queryById(vectorId: string, options: VectorizeQueryOptions = {}): Promise<VectorizeMatches> {
    this.#count('queryById');
    const v = this.#vectors.get(vectorId);
    if (!v) {
      this.#checkQueryOptions(options);
      return { matches: [], count: 0 };
    }
    return this.#search(v.values, options);
  }

  #checkQueryOptions(options: VectorizeQueryOptions): { topK: number; level: 'none' | 'indexed' | 'all' } {
    const topK = options.topK ?? 5;
    const level = options.returnMetadata === true ? 'all' : options.returnMetadata === false ? 'none' : (options.returnMetadata ?? 'none');
    if (!['none', 'indexed', 'all'].includes(level)) throw new FakeVectorizeError('QUERY', `returnMetadata "${level}" is not valid`);
    if (!Number.isInteger(topK) || topK < 1) throw new FakeVectorizeError('QUERY', `topK must be a positive integer, got ${topK}`);
    const max = options.returnValues || level === 'all' ? MAX_TOPK_WITH_DATA : MAX_TOPK;
    if (topK > max) {
      throw new FakeVectorizeError(
        'QUERY',
        `topK is ${topK}; the limit is ${max}${max === MAX_TOPK_WITH_DATA ? " with returnValues or returnMetadata 'all'" : ''}`,
      );
    }
    if (options.namespace !== undefined && bytes(options.namespace) > MAX_NAMESPACE_BYTES) {
      throw new FakeVectorizeError('QUERY', `namespace is over ${MAX_NAMESPACE_BYTES} bytes`);
    }
    if (options.filter !== undefined) this.#checkFilter(options.filter);
    return { topK, level };
  }

  #checkFilter(filter: VectorizeVectorMetadataFilter): void {
    if (filter === null || typeof filter !== 'object' || Array.isArray(filter) || Object.keys(filter).length === 0) {
      throw new FakeVectorizeError('QUERY', 'filter must be a non-empty object');
    }
    if (bytes(JSON.stringify(filter)) >= MAX_FILTER_BYTES) throw new FakeVectorizeError('QUERY', 'filter is 2048 bytes or more');
    for (const [key, condition] of Object.entries(filter)) {
      if (key === '' || key.includes('"') || key.startsWith('$') || key.length > 512) {
        throw new FakeVectorizeError('QUERY', `filter key "${key}" is not allowed`);
      }
      if (condition === null || typeof condition !== 'object') continue;
      const ops = Object.keys(condition);
      const known = ['$eq', '$ne', '$in', '$nin', '$lt', '$lte', '$gt', '$gte'];
      if (ops.length === 0 || ops.some((op) => !known.includes(op)))
        throw new FakeVectorizeError('QUERY', `filter on "${key}" has an unknown operator`);
      const lower = ops.filter((op) => op === '$gt' || op === '$gte').length;
      const upper = ops.filter((op) => op === '$lt' || op === '$lte').length;
      if (ops.length > 1 && !(lower <= 1 && upper <= 1 && lower + upper === ops.length)) {
        throw new FakeVectorizeError('QUERY', `filter on "${key}" combines ${ops.join(', ')}`);
      }
    }
  }

  /** The metadata as the metadata indexes hold it. */
  #indexed(metadata: Record<string, VectorizeVectorMetadata> | undefined): Record<string, unknown> {
    const indexes = this.options.metadataIndexes;
    if (!indexes) return metadata ?? {};
    const out: Record<string, unknown> = {};
    for (const [path, type] of Object.entries(indexes)) {
      let value: unknown = metadata;
      for (const part of path.split('.'))
        value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
      if (typeof value !== type) continue;
      const parts = path.split('.');
      let target = out;
      for (const part of parts.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
      target[parts[parts.length - 1]!] = typeof value === 'string' ? truncateUtf8(value, INDEXED_STRING_BYTES) : value;
    }
    return out;
  }

  #score(a: Float32Array, b: Float32Array): number {
    switch (this.options.metric) {
      case 'cosine':
        return cosine(a, b);
      case 'euclidean':
        return euclidean(a, b);
      case 'dot-product':
        return -dot(a, b); // Vectorize's dot-product: lower is nearer
    }
  }

  #search(query: Float32Array, options: VectorizeQueryOptions): VectorizeMatches {
    const { topK, level } = this.#checkQueryOptions(options);
    const higherIsNearer = this.options.metric === 'cosine';
    const scored: VectorizeMatch[] = [];
    for (const v of this.#vectors.values()) {
      if (options.namespace !== undefined && v.namespace !== options.namespace) continue;
      if (options.filter && !matchesFilter(this.#indexed(v.metadata), options.filter as never, { truncateStringsTo: INDEXED_STRING_BYTES }))
        continue;
      const match: VectorizeMatch = { id: v.id, score: this.#score(query, v.values) };
      if (v.namespace !== undefined) match.namespace = v.namespace;
      if (options.returnValues) match.values = Array.from(v.values);
      if (level === 'all' && v.metadata) match.metadata = structuredClone(v.metadata);
      if (level === 'indexed') match.metadata = this.#indexed(v.metadata) as Record<string, VectorizeVectorMetadata>;
      scored.push(match);
    }
    scored.sort((a, b) =>
      a.score !== b.score ? (higherIsNearer ? b.score - a.score : a.score - b.score) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
    const matches = scored.slice(0, topK);
    return { matches, count: matches.length };
  }
}
