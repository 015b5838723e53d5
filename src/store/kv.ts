/**
 * @module The Workers KV store: the default, runs locally (miniflare) and in production; exact search.
 *
 * Key layout — an item's own keys, nothing shared:
 *
 *     items/<model id>@<version>/<namespace>/<shard>/<id>        value + list metadata (kv-codec.ts)
 *     items/<model id>@<version>/<namespace>/<shard>/<id>/<j>    code parts, for vectors over 600 dims
 *
 * - The model (id and version) leads the key, so a search lists only its own model's keys: vectors
 *   of two models can never be mixed, even when they share a KV namespace and a dimension count.
 * - `<shard>` is one hex digit, a hash of the id: a search lists the 16 shard prefixes in parallel,
 *   so a 50k-item scan is ~4 sequential round trips of `list()` instead of 50.
 * - Writes never read: an upsert puts the item's own keys (1, or 1 + 3 code parts for 1792-d), a
 *   delete deletes them. Concurrent upserts of different ids cannot lose each other; there is no
 *   index key, counter or manifest that two writers could race on. (KV allows 1 write/s per key:
 *   rewriting one id faster than that gets a 429 from production KV, surfaced as `rate-limited`.)
 *
 * Search = `list()` every shard (1000 keys per call, their KV metadata included) + bound-and-rerank
 * with the int8 codes + bulk `get` (100 keys per call) of the few values that can still reach the
 * top k. Operations per search ≈ ⌈N·(1+p)/1000⌉ + 16 + ⌈R/100⌉ (p = code parts per item, 0 up to
 * 600 dims, 3 for 1792; R = items reranked, usually ≈ k); the store refuses with `capacity` before
 * passing its operation budget (KV allows 1000 per invocation).
 *
 * Consistency: KV is eventually consistent. Locally (miniflare), and in production at the location
 * that wrote, a write is visible to the next get; `list()` in production may lag writes and deletes
 * by 60 s or more. A search therefore may miss a fresh item or list a deleted one; a listed key
 * whose value is gone is dropped, so a deleted item is never returned once its value read is gone.
 *
 * A per-isolate cache keeps decoded vectors, validated by the write token in the list metadata:
 * a cached entry is used only while the key still carries the same token.
 */
import { METRICS, score, type Metric } from '../core/vector/metrics.ts';
import { matchesFilter, type MetadataFilter } from './filter.ts';
import {
  codeParts,
  decodeFloat32,
  encodeFloat32,
  listEntries,
  newToken,
  prepareQuery,
  scoreBounds,
  type KvListMetadata,
  type KvPartMetadata,
  type KvValue,
} from './kv-codec.ts';
import { compareMatches, goodness } from './rank.ts';
import {
  DEFAULT_NAMESPACE,
  StoreError,
  type Item,
  type ItemInput,
  type ListOptions,
  type ListPage,
  type Match,
  type Metadata,
  type QueryOptions,
  type QueryResult,
  type StoreCapabilities,
  type StoreModel,
  type VectorStore,
  type WriteResult,
} from './types.ts';
import { checkDistinct, checkId, checkMetadata, checkNamespace, checkQuery, checkVector } from './validate.ts';

const ROOT = 'items';
export const SHARDS = 16;
const LIST_LIMIT = 1000;
const BULK_GET_LIMIT = 100;

/** The slice of the KV binding this store uses (so tests can count calls). */
export type KvBinding = Pick<KVNamespace, 'get' | 'getWithMetadata' | 'put' | 'delete' | 'list'>;

export interface KvStoreOptions {
  /** KV operations one search may spend (KV allows 1000 per invocation; the rest is for the request). */
  readonly operationBudget?: number;
  /** Bytes of decoded vectors kept per isolate. */
  readonly cacheBytes?: number;
  readonly maxTopK?: number;
}

interface CacheEntry {
  readonly token: string;
  readonly vector: Float32Array;
  readonly metadata: Metadata;
  readonly bytes: number;
}

/** A size-bounded LRU of decoded items (Map keeps insertion order; a hit re-inserts). */
class VectorCache {
  readonly #entries = new Map<string, CacheEntry>();
  #bytes = 0;
  readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }

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

/** Counts KV calls against the budget of one operation. */
class Operations {
  count = 0;
  readonly budget: number;
  constructor(budget: number) {
    this.budget = budget;
  }
  spend(n: number, what: string): void {
    this.count += n;
    if (this.count > this.budget) {
      throw new StoreError(
        'capacity',
        `${what} needs more than ${this.budget} KV operations (KV allows 1000 per request): ` +
          'this namespace has outgrown the KV store; use the Vectorize store (see README).',
      );
    }
  }
}

/** FNV-1a over UTF-16 code units, folded to one hex digit. */
export function shardOf(id: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return ((h >>> 0) % SHARDS).toString(16);
}

function rateLimited(error: unknown): boolean {
  return error instanceof Error && /\b429\b|too many requests/i.test(error.message);
}

function isListMetadata(value: unknown): value is KvListMetadata {
  return value !== null && typeof value === 'object' && typeof (value as KvListMetadata).t === 'string';
}

interface Candidate {
  readonly key: string;
  readonly id: string;
  readonly hi: number;
  /** Known and passing the filter; undefined = must be read from the value. */
  metadata: Metadata | undefined;
  /** Exact vector, when cached or fetched. */
  vector?: Float32Array;
  /** True when its lower bound counted towards the threshold. */
  readonly counted: boolean;
}

/** The k largest lower bounds seen; its minimum is the score every top-k item reaches. */
class Threshold {
  readonly #heap: number[] = [];
  readonly k: number;
  constructor(k: number) {
    this.k = k;
  }
  get value(): number {
    return this.#heap.length < this.k ? -Infinity : this.#heap[0]!;
  }
  push(x: number): void {
    const h = this.#heap;
    if (h.length < this.k) {
      h.push(x);
      for (let i = h.length - 1; i > 0; ) {
        const p = (i - 1) >> 1;
        if (h[p]! <= h[i]!) break;
        [h[p], h[i]] = [h[i]!, h[p]!];
        i = p;
      }
    } else if (x > h[0]!) {
      h[0] = x;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]! < h[m]!) m = l;
        if (r < h.length && h[r]! < h[m]!) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
  }
}

export class KvStore implements VectorStore {
  readonly model: StoreModel;
  readonly capabilities: StoreCapabilities;
  readonly #kv: KvBinding;
  readonly #budget: number;
  readonly #cache: VectorCache;
  readonly #root: string;
  /** Code part keys per item (0 when the code fits in the item key's metadata). */
  readonly #parts: number;

  constructor(kv: KvBinding, model: StoreModel, options: KvStoreOptions = {}) {
    this.#kv = kv;
    this.model = model;
    this.#parts = codeParts(model.dims);
    this.#budget = options.operationBudget ?? 900;
    this.#cache = new VectorCache(options.cacheBytes ?? 16 * 1024 * 1024);
    this.#root = `${ROOT}/${model.id}@${encodeURIComponent(model.version)}`;
    const maxTopK = options.maxTopK ?? 100;
    this.capabilities = {
      kind: 'kv',
      exact: true,
      metrics: METRICS,
      maxTopK,
      maxTopKById: maxTopK,
      // One put per key; 100 items (400 puts at 1792-d) leave room in the 1000 operations of a request.
      maxUpsertBatch: 100,
      list: true,
      consistency: 'eventual',
    };
  }

  #prefix(namespace: string): string {
    return `${this.#root}/${namespace}/`;
  }

  #key(namespace: string, id: string): string {
    return `${this.#prefix(namespace)}${shardOf(id)}/${id}`;
  }

  async upsert(items: readonly ItemInput[]): Promise<WriteResult> {
    const max = this.capabilities.maxUpsertBatch;
    if (items.length > max) throw new StoreError('limit', `at most ${max} items per upsert`, { limit: max });
    checkDistinct(items);
    const writes = items.map((item) => {
      const namespace = item.namespace ?? DEFAULT_NAMESPACE;
      checkId(item.id);
      checkNamespace(namespace);
      checkVector(item.vector, this.model);
      const metadata = item.metadata ?? {};
      checkMetadata(metadata);
      const token = newToken();
      const value: KvValue = { f: 1, t: token, v: encodeFloat32(item.vector), m: metadata };
      return { key: this.#key(namespace, item.id), token, vector: Float32Array.from(item.vector), metadata, value };
    });
    await Promise.all(
      writes.map(async ({ key, token, vector, metadata, value }) => {
        const entries = listEntries(token, vector, metadata);
        try {
          await Promise.all([
            this.#kv.put(key, JSON.stringify(value), { metadata: entries.item }),
            ...entries.parts.map((part, j) => this.#kv.put(`${key}/${j}`, '', { metadata: part })),
          ]);
        } catch (error) {
          this.#cache.delete(key);
          if (rateLimited(error)) {
            throw new StoreError('rate-limited', 'KV takes one write per second per item; retry shortly', { cause: error });
          }
          throw error;
        }
        this.#cache.set(key, token, vector, metadata);
      }),
    );
    return { ids: items.map((item) => item.id) };
  }

  #decode(value: unknown): { token: string; vector: Float32Array; metadata: Metadata } | null {
    if (value === null || typeof value !== 'object') return null;
    const v = value as KvValue;
    if (v.f !== 1 || typeof v.v !== 'string' || typeof v.t !== 'string') return null;
    return { token: v.t, vector: decodeFloat32(v.v, this.model.dims), metadata: v.m ?? {} };
  }

  async get(id: string, options: { namespace?: string } = {}): Promise<Item | null> {
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    checkId(id);
    checkNamespace(namespace);
    const key = this.#key(namespace, id);
    const decoded = this.#decode(await this.#kv.get(key, 'json'));
    if (!decoded) return null;
    this.#cache.set(key, decoded.token, decoded.vector, decoded.metadata);
    return {
      id,
      namespace,
      vector: Float32Array.from(decoded.vector),
      metadata: structuredClone(decoded.metadata),
      model: { id: this.model.id, version: this.model.version },
    };
  }

  async delete(ids: readonly string[], options: { namespace?: string } = {}): Promise<WriteResult> {
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    checkNamespace(namespace);
    ids.forEach(checkId);
    await Promise.all(
      ids.map(async (id) => {
        const key = this.#key(namespace, id);
        this.#cache.delete(key);
        await Promise.all([this.#kv.delete(key), ...Array.from({ length: this.#parts }, (_, j) => this.#kv.delete(`${key}/${j}`))]);
      }),
    );
    return { ids: [...ids] };
  }

  /**
   * Pages through the shards in order. The cursor names the shard, KV's cursor for the page being
   * read and how many of its items were already given out (pages are always read 1000 keys at a time,
   * so re-reading one with the same cursor gives the same keys).
   */
  async list(options: ListOptions = {}): Promise<ListPage> {
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    checkNamespace(namespace);
    const limit = Math.max(1, Math.min(options.limit ?? 100, LIST_LIMIT));
    let { shard, cursor, skip } = parseCursor(options.cursor);
    const prefixLength = this.#prefix(namespace).length + 2;
    const keys: Array<{ name: string; metadata?: unknown }> = [];
    let next: { shard: number; cursor: string | undefined; skip: number } | null = null;
    while (shard < SHARDS) {
      const page = await this.#kv.list<KvListMetadata>({
        prefix: `${this.#prefix(namespace)}${shard.toString(16)}/`,
        limit: LIST_LIMIT,
        ...(cursor && { cursor }),
      });
      const items = page.keys.filter((k) => !k.name.slice(prefixLength).includes('/')); // not code parts
      const wanted = items.slice(skip, skip + limit - keys.length);
      keys.push(...wanted);
      if (skip + wanted.length < items.length) {
        next = { shard, cursor, skip: skip + wanted.length }; // this page has more
        break;
      }
      if (page.list_complete) {
        shard++;
        cursor = undefined;
      } else {
        cursor = page.cursor;
      }
      skip = 0;
      if (keys.length >= limit) {
        next = shard < SHARDS ? { shard, cursor, skip: 0 } : null;
        break;
      }
    }
    // Metadata too large for the list lives in the value: read those (100 per call).
    const missing = keys.filter((k) => !isListMetadata(k.metadata) || k.metadata.x === 1).map((k) => k.name);
    const values = await this.#getMany(missing, new Operations(Infinity));
    const items = keys.flatMap((k) => {
      const md = isListMetadata(k.metadata) ? k.metadata : undefined;
      const fetched = values.get(k.name);
      if (md === undefined || md.x === 1) return fetched ? [{ id: k.name.slice(prefixLength), metadata: fetched.metadata }] : [];
      return [{ id: k.name.slice(prefixLength), metadata: md.m ?? {} }];
    });
    return { items, cursor: next ? formatCursor(next.shard, next.cursor, next.skip) : null };
  }

  /** Bulk get, 100 keys per call, in parallel; absent keys are left out. */
  async #getMany(keys: string[], ops: Operations): Promise<Map<string, { token: string; vector: Float32Array; metadata: Metadata }>> {
    const out = new Map<string, { token: string; vector: Float32Array; metadata: Metadata }>();
    const chunks: string[][] = [];
    for (let i = 0; i < keys.length; i += BULK_GET_LIMIT) chunks.push(keys.slice(i, i + BULK_GET_LIMIT));
    ops.spend(chunks.length, 'reading the values');
    await Promise.all(
      chunks.map(async (chunk) => {
        const values = await this.#kv.get<unknown>(chunk, 'json');
        for (const [key, value] of values) {
          const decoded = this.#decode(value);
          if (!decoded) continue;
          out.set(key, decoded);
          this.#cache.set(key, decoded.token, decoded.vector, decoded.metadata);
        }
      }),
    );
    return out;
  }

  async query(vector: Float32Array, options: QueryOptions): Promise<QueryResult> {
    const { metric, namespace } = checkQuery(this.capabilities, options, false);
    checkVector(vector, this.model);
    return this.#search(vector, metric, namespace, options, undefined, new Operations(this.#budget));
  }

  async queryById(id: string, options: QueryOptions): Promise<QueryResult | null> {
    const { metric, namespace } = checkQuery(this.capabilities, options, true);
    checkId(id);
    const ops = new Operations(this.#budget);
    ops.spend(1, 'reading the item');
    const key = this.#key(namespace, id);
    const decoded = this.#decode(await this.#kv.get(key, 'json'));
    if (!decoded) return null;
    this.#cache.set(key, decoded.token, decoded.vector, decoded.metadata);
    return this.#search(decoded.vector, metric, namespace, options, id, ops);
  }

  async #search(
    vector: Float32Array,
    metric: Metric,
    namespace: string,
    options: QueryOptions,
    exclude: string | undefined,
    ops: Operations,
    gone: ReadonlySet<string> = new Set(),
  ): Promise<QueryResult> {
    const query = prepareQuery(vector, metric);
    const filter: MetadataFilter | undefined = options.filter;
    const threshold = new Threshold(options.topK);
    const candidates: Candidate[] = [];
    const prefix = this.#prefix(namespace);
    const prefixLength = prefix.length + 2;
    let scanned = 0;

    const consider = (key: string, raw: unknown) => {
      const id = key.slice(prefixLength);
      if (id === exclude || gone.has(key)) return;
      scanned++;
      const md = isListMetadata(raw) ? raw : undefined;
      const cached = this.#cache.get(key, md?.t);
      let metadata: Metadata | undefined = cached?.metadata ?? (md === undefined || md.x === 1 ? undefined : (md.m ?? {}));
      if (metadata !== undefined && !matchesFilter(metadata, filter)) return;
      let lo = -Infinity;
      let hi = Infinity;
      if (cached) {
        lo = hi = goodness(metric, score(metric, vector, cached.vector));
      } else if (md) {
        const bounds = scoreBounds(query, md);
        if (bounds) [lo, hi] = bounds;
      }
      // Without a filter every listed item qualifies; with one, only those whose metadata is known to pass.
      const counted = (filter === undefined || metadata !== undefined) && lo > -Infinity;
      if (counted) threshold.push(lo);
      if (hi < threshold.value) return;
      candidates.push({ key, id, hi, metadata, counted, ...(cached && { vector: cached.vector }) });
    };

    // List the 16 shards in parallel, each paging with its own cursor.
    await Promise.all(
      Array.from({ length: SHARDS }, async (_, shard) => {
        // Wide items: their code arrives in part keys, possibly on later pages; assemble per id.
        const groups = new Map<string, { key?: string; md?: KvListMetadata; parts: Array<KvPartMetadata | undefined> }>();
        const complete = (id: string) => {
          const group = groups.get(id)!;
          const md = group.md;
          if (!md || !md.p) return;
          const parts = group.parts;
          for (let j = 0; j < md.p; j++) if (parts[j]?.t !== md.t) return;
          groups.delete(id);
          consider(group.key!, { ...md, q: parts.map((part) => part!.q).join('') });
        };
        let cursor: string | undefined;
        do {
          ops.spend(1, 'listing the items');
          const page = await this.#kv.list<KvListMetadata | KvPartMetadata>({
            prefix: `${prefix}${shard.toString(16)}/`,
            limit: LIST_LIMIT,
            ...(cursor && { cursor }),
          });
          for (const key of page.keys) {
            const rest = key.name.slice(prefixLength);
            const slash = rest.indexOf('/');
            if (slash < 0) {
              const md = key.metadata;
              if (!isListMetadata(md) || !md.p) {
                consider(key.name, md);
                continue;
              }
              const group = groups.get(rest) ?? { parts: [] };
              groups.set(rest, Object.assign(group, { key: key.name, md }));
              complete(rest);
            } else {
              const id = rest.slice(0, slash);
              const part = key.metadata as KvPartMetadata | undefined;
              const group = groups.get(id) ?? { parts: [] };
              groups.set(id, group);
              if (part && typeof part.q === 'string') group.parts[Number(rest.slice(slash + 1))] = part;
              complete(id);
            }
          }
          cursor = page.list_complete ? undefined : page.cursor;
        } while (cursor);
        // Items whose parts are missing or from another write: ranked from their values instead.
        for (const group of groups.values()) if (group.key && group.md) consider(group.key, { ...group.md, p: undefined });
      }),
    );

    // Whatever can still reach the top k is read and scored exactly.
    const bar = threshold.value;
    const survivors = candidates.filter((c) => c.hi >= bar);
    const toFetch = survivors.filter((c) => !c.vector).map((c) => c.key);
    const fetched = await this.#getMany(toFetch, ops);
    const vanished = new Set<string>();
    const scored: Array<Match & { key: string }> = [];
    for (const candidate of survivors) {
      const value = fetched.get(candidate.key);
      const current = value?.vector ?? candidate.vector;
      if (!current) {
        vanished.add(candidate.key); // listed, but its value is gone: deleted meanwhile
        continue;
      }
      const metadata = value?.metadata ?? candidate.metadata!;
      if (!matchesFilter(metadata, filter)) continue;
      scored.push({
        key: candidate.key,
        id: candidate.id,
        score: score(metric, vector, current),
        ...(options.returnMetadata !== false && { metadata: structuredClone(metadata) }),
        ...(options.returnValues && { values: Float32Array.from(current) }),
      });
    }
    // A vanished item may have raised the threshold that pruned others: scan again without it.
    if ([...vanished].some((key) => survivors.find((c) => c.key === key)?.counted) && gone.size === 0) {
      return this.#search(vector, metric, namespace, options, exclude, ops, vanished);
    }
    const matches = scored
      .sort(compareMatches(metric))
      .slice(0, options.topK)
      .map(({ key: _key, ...match }) => match);
    return { matches, stats: { operations: ops.count, scanned, fetched: toFetch.length } };
  }
}

function parseCursor(cursor: string | null | undefined): { shard: number; cursor: string | undefined; skip: number } {
  if (!cursor) return { shard: 0, cursor: undefined, skip: 0 };
  try {
    const parsed = JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/'))) as { s?: unknown; c?: unknown; k?: unknown };
    const skip = parsed.k === undefined ? 0 : parsed.k;
    if (
      typeof parsed.s === 'number' && Number.isInteger(parsed.s) && parsed.s >= 0 && parsed.s < SHARDS &&
      typeof skip === 'number' && Number.isInteger(skip) && skip >= 0
    ) {
      return { shard: parsed.s, cursor: typeof parsed.c === 'string' ? parsed.c : undefined, skip };
    }
  } catch {
    // fall through
  }
  throw new StoreError('invalid', 'the cursor is not one this store gave out');
}

function formatCursor(shard: number, cursor: string | undefined, skip: number): string {
  return btoa(JSON.stringify({ s: shard, ...(cursor && { c: cursor }), ...(skip > 0 && { k: skip }) }))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
