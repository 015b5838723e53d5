/**
 * @module The KV store's exact top-k search: bound, then rerank.
 *
 * Search = `list()` every shard (1000 keys per call, their KV metadata included) + bound-and-rerank
 * with the int8 codes + bulk `get` (100 keys per call) of the few values that can still reach the
 * top k. Operations per search ≈ ⌈N·(1+p)/1000⌉ + 16 + ⌈R/100⌉ (p = code parts per item, 0 up to
 * 600 dims, 3 for 1792; R = items reranked, usually ≈ k); the store refuses with `capacity` before
 * passing its operation budget (KV allows 1000 per invocation).
 */
import { score } from '../../core/vector/metrics.ts';
import type { CheckedQuery } from '../checked.ts';
import { matchesFilter } from '../filter.ts';
import { compareMatches, goodness } from '../rank.ts';
import type { Match, Metadata, QueryResult } from '../types.ts';
import { listKeys, type KvBinding } from './binding.ts';
import { prepareQuery, scoreBounds, type KvListMetadata, type KvPartMetadata, type StoredItem } from './codec.ts';
import { SHARDS, type NamespaceKeys } from './keys.ts';
import type { Operations } from './operations.ts';
import type { VectorCache } from './vector-cache.ts';

/** What a search reads through. */
export interface SearchSource {
  readonly kv: KvBinding;
  readonly cache: VectorCache;
  /** Bulk-reads values (filling the cache); absent keys are left out. */
  read(keys: string[], ops: Operations): Promise<Map<string, StoredItem>>;
}

export interface SearchRequest {
  readonly vector: Float32Array;
  readonly query: CheckedQuery;
  readonly keys: NamespaceKeys;
  /** An id never to return (queryById's own item). */
  readonly exclude: string | undefined;
  readonly ops: Operations;
}

export function isListMetadata(value: unknown): value is KvListMetadata {
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

/** The exact top k of one namespace; `gone` holds keys found listed but deleted (a second pass). */
export async function searchTopK(
  source: SearchSource,
  request: SearchRequest,
  gone: ReadonlySet<string> = new Set(),
): Promise<QueryResult> {
  const { vector, query: options, keys, exclude, ops } = request;
  const { metric, filter } = options;
  const query = prepareQuery(vector, metric);
  const threshold = new Threshold(options.topK);
  const candidates: Candidate[] = [];
  let scanned = 0;

  const consider = (key: string, raw: unknown) => {
    const id = keys.rest(key);
    if (id === exclude || gone.has(key)) return;
    scanned++;
    const md = isListMetadata(raw) ? raw : undefined;
    const cached = source.cache.get(key, md?.t);
    const metadata: Metadata | undefined = cached?.metadata ?? (md === undefined || md.x === 1 ? undefined : (md.m ?? {}));
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
        if (!md?.p) return;
        const parts = group.parts;
        for (let j = 0; j < md.p; j++) if (parts[j]?.t !== md.t) return;
        groups.delete(id);
        consider(group.key!, { ...md, q: parts.map((part) => part!.q).join('') });
      };
      let cursor: string | undefined;
      do {
        ops.spend(1, 'listing the items');
        const page = await listKeys<KvListMetadata | KvPartMetadata>(source.kv, keys.shard(shard), cursor);
        for (const key of page.keys) {
          const rest = keys.rest(key.name);
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
  const fetched = await source.read(toFetch, ops);
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
      ...(options.returnMetadata && { metadata: structuredClone(metadata) }),
      ...(options.returnValues && { values: Float32Array.from(current) }),
    });
  }
  // A vanished item may have raised the threshold that pruned others: scan again without it.
  if ([...vanished].some((key) => survivors.find((c) => c.key === key)?.counted) && gone.size === 0) {
    return searchTopK(source, request, vanished);
  }
  const matches = scored
    .sort(compareMatches(metric))
    .slice(0, options.topK)
    .map(({ key: _key, ...match }) => match);
  return { matches, stats: { operations: ops.count, scanned, fetched: toFetch.length } };
}
