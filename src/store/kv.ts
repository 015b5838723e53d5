/**
 * @module The Workers KV store: the default, runs locally (miniflare) and in production; exact search.
 * This file does its I/O (writes, reads, deletes); the pieces live in kv/: the key layout and sharding
 * (keys.ts), the item encoding and score bounds (codec.ts), the top-k search (search.ts), list paging
 * and cursors (cursor.ts) and the per-isolate vector cache (vector-cache.ts). Input is checked in front
 * of it (checked.ts).
 *
 * - Writes never read: an upsert puts the item's own keys (1, or 1 + 3 code parts for 1792-d), a
 *   delete deletes them. Concurrent upserts of different ids cannot lose each other; there is no
 *   index key, counter or manifest that two writers could race on. (KV allows 1 write/s per key:
 *   rewriting one id faster than that gets a 429 from production KV, surfaced as `rate-limited`.)
 *
 * Consistency: KV is eventually consistent. Locally (miniflare), and in production at the location
 * that wrote, a write is visible to the next get; `list()` in production may lag writes and deletes
 * by 60 s or more. A search therefore may miss a fresh item or list a deleted one; a listed key
 * whose value is gone is dropped, so a deleted item is never returned once its value read is gone.
 */
import { MAX_SEARCH_K_KV } from '../config/defaults.ts';
import { METRICS } from '../core/vector/metrics.ts';
import { CheckedStore, type CheckedItem, type CheckedList, type CheckedQuery, type CheckedScan, type StoreAdapter } from './checked.ts';
import { BULK_GET_LIMIT, listKeys, type KvBinding } from './kv/binding.ts';
import { codeParts, decodeValue, encodeValue, listEntries, newToken, type StoredItem } from './kv/codec.ts';
import { formatCursor, parseCursor, readPage } from './kv/cursor.ts';
import { modelRoot, NamespaceKeys, partKey } from './kv/keys.ts';
import { Operations } from './kv/operations.ts';
import { scanNamespace } from './kv/scan.ts';
import { isListMetadata, searchTopK, type SearchSource } from './kv/search.ts';
import { VectorCache } from './kv/vector-cache.ts';
import {
  StoreError,
  type Item,
  type ListPage,
  type QueryResult,
  type ScanPage,
  type StoreCapabilities,
  type StoreModel,
  type WriteResult,
} from './types.ts';

export type { KvBinding } from './kv/binding.ts';
export { SHARDS, shardOf } from './kv/keys.ts';

export interface KvStoreOptions {
  /** KV operations one search may spend (KV allows 1000 per invocation; the rest is for the request). */
  readonly operationBudget?: number;
  /** Bytes of decoded vectors kept per isolate. */
  readonly cacheBytes?: number;
  readonly maxTopK?: number;
}

/** Said when a scan runs out of KV operations. */
const SCAN_ADVICE =
  'a codes scan lists ~1 key per item (4 at 1792-d) per 1000 and an exact one reads 100 values per operation; ' +
  'scan codes, or split the namespace.';

function rateLimited(error: unknown): boolean {
  return error instanceof Error && /\b429\b|too many requests/i.test(error.message);
}

/** The KV binding's I/O; {@link KvStore} puts the checks in front. */
class KvAdapter implements StoreAdapter, SearchSource {
  readonly model: StoreModel;
  readonly capabilities: StoreCapabilities;
  readonly kv: KvBinding;
  readonly cache: VectorCache;
  readonly #budget: number;
  readonly #root: string;
  /** Code part keys per item (0 when the code fits in the item key's metadata). */
  readonly #parts: number;

  constructor(kv: KvBinding, model: StoreModel, options: KvStoreOptions) {
    this.kv = kv;
    this.model = model;
    this.#parts = codeParts(model.dims);
    this.#budget = options.operationBudget ?? 900;
    this.cache = new VectorCache(options.cacheBytes ?? 16 * 1024 * 1024);
    this.#root = modelRoot(model);
    const maxTopK = options.maxTopK ?? MAX_SEARCH_K_KV;
    this.capabilities = {
      kind: 'kv',
      exact: true,
      metrics: METRICS,
      maxTopK,
      maxTopKById: maxTopK,
      // One put per key; 100 items (400 puts at 1792-d) leave room in the 1000 operations of a request.
      maxUpsertBatch: 100,
      list: true,
      scan: true,
      consistency: 'eventual',
    };
  }

  #keys(namespace: string): NamespaceKeys {
    return new NamespaceKeys(this.#root, namespace);
  }

  async upsert(items: readonly CheckedItem[]): Promise<WriteResult> {
    await Promise.all(
      items.map(async (item) => {
        const key = this.#keys(item.namespace).item(item.id);
        const token = newToken();
        const vector = Float32Array.from(item.vector);
        const entries = listEntries(token, vector, item.metadata, item.contentHash);
        try {
          await Promise.all([
            this.kv.put(key, JSON.stringify(encodeValue(token, vector, item.metadata, item.contentHash)), { metadata: entries.item }),
            ...entries.parts.map((part, j) => this.kv.put(partKey(key, j), '', { metadata: part })),
          ]);
        } catch (error) {
          this.cache.delete(key);
          if (rateLimited(error)) {
            throw new StoreError('rate-limited', 'KV takes one write per second per item; retry shortly', { cause: error });
          }
          throw error;
        }
        this.cache.set(key, token, vector, item.metadata);
      }),
    );
    return { ids: items.map((item) => item.id) };
  }

  /** One item's value, read (one operation) and cached. */
  async #read(key: string): Promise<StoredItem | null> {
    const decoded = decodeValue(await this.kv.get(key, 'json'), this.model.dims);
    if (decoded) this.cache.set(key, decoded.token, decoded.vector, decoded.metadata);
    return decoded;
  }

  async get(id: string, namespace: string): Promise<Item | null> {
    const decoded = await this.#read(this.#keys(namespace).item(id));
    if (!decoded) return null;
    return {
      id,
      namespace,
      vector: Float32Array.from(decoded.vector),
      metadata: structuredClone(decoded.metadata),
      model: { id: this.model.id, version: this.model.version },
      ...(decoded.contentHash !== undefined && { contentHash: decoded.contentHash }),
    };
  }

  async delete(ids: readonly string[], namespace: string): Promise<WriteResult> {
    const keys = this.#keys(namespace);
    await Promise.all(
      ids.map(async (id) => {
        const key = keys.item(id);
        this.cache.delete(key);
        await Promise.all([this.kv.delete(key), ...Array.from({ length: this.#parts }, (_, j) => this.kv.delete(partKey(key, j)))]);
      }),
    );
    return { ids: [...ids] };
  }

  async list({ namespace, cursor, limit }: CheckedList): Promise<ListPage> {
    const keys = this.#keys(namespace);
    const page = await readPage(this.kv, keys, parseCursor(cursor), limit);
    // Metadata too large for the list lives in the value: read those (100 per call).
    const missing = page.keys.filter((k) => !isListMetadata(k.metadata) || k.metadata.x === 1).map((k) => k.name);
    const values = await this.read(missing, new Operations(Infinity));
    const items = page.keys.flatMap((k) => {
      const id = keys.rest(k.name);
      const md = isListMetadata(k.metadata) ? k.metadata : undefined;
      if (md !== undefined && md.x !== 1) return [{ id, metadata: md.m ?? {} }];
      const fetched = values.get(k.name);
      return fetched ? [{ id, metadata: fetched.metadata }] : [];
    });
    return { items, cursor: page.next ? formatCursor(page.next) : null };
  }

  /** Bulk get, 100 keys per call, in parallel; absent keys are left out. */
  async read(keys: string[], ops: Operations): Promise<Map<string, StoredItem>> {
    const out = new Map<string, StoredItem>();
    const chunks: string[][] = [];
    for (let i = 0; i < keys.length; i += BULK_GET_LIMIT) chunks.push(keys.slice(i, i + BULK_GET_LIMIT));
    ops.spend(chunks.length, 'reading the values');
    await Promise.all(
      chunks.map(async (chunk) => {
        const values = await this.kv.get<unknown>(chunk, 'json');
        for (const [key, value] of values) {
          const decoded = decodeValue(value, this.model.dims);
          if (!decoded) continue;
          out.set(key, decoded);
          this.cache.set(key, decoded.token, decoded.vector, decoded.metadata);
        }
      }),
    );
    return out;
  }

  /** Every key of the model, listed once (KV lists have no delimiter): the distinct namespace segments. */
  async namespaces(): Promise<string[]> {
    const ops = new Operations(this.#budget, 're-index one namespace at a time instead (a job per namespace, without switch).');
    const prefix = `${this.#root}/`;
    const found = new Set<string>();
    let cursor: string | undefined;
    do {
      ops.spend(1, 'listing the namespaces');
      const page = await listKeys(this.kv, prefix, cursor);
      for (const { name } of page.keys) found.add(name.slice(prefix.length, name.indexOf('/', prefix.length)));
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
    return [...found].sort();
  }

  scan(request: CheckedScan): AsyncIterable<ScanPage> {
    const ops = new Operations(this.#budget, SCAN_ADVICE);
    return scanNamespace(this, this.#keys(request.namespace), request, this.model.dims, ops);
  }

  async query(vector: Float32Array, query: CheckedQuery): Promise<QueryResult> {
    const ops = new Operations(this.#budget);
    return searchTopK(this, { vector, query, keys: this.#keys(query.namespace), exclude: undefined, ops });
  }

  async queryById(id: string, query: CheckedQuery): Promise<QueryResult | null> {
    const ops = new Operations(this.#budget);
    ops.spend(1, 'reading the item');
    const keys = this.#keys(query.namespace);
    const decoded = await this.#read(keys.item(id));
    if (!decoded) return null;
    return searchTopK(this, { vector: decoded.vector, query, keys, exclude: id, ops });
  }
}

export class KvStore extends CheckedStore {
  constructor(kv: KvBinding, model: StoreModel, options: KvStoreOptions = {}) {
    super(new KvAdapter(kv, model, options));
  }
}
