/**
 * @module The KV store's scan: every item of a namespace, in pages, from what `list()` returns.
 *
 * `codes` pages come from the list metadata alone: the int8 code (joined from the code part keys for
 * wide vectors), its scale, the content hash and the user metadata, so a scan of N items costs about
 * ⌈N·(1+p)/1000⌉ + 16 list calls and no value reads. Values are read (bulk get, 100 keys a call) only
 * where the list metadata falls short, the same fallbacks search uses: metadata too large for the list
 * (`x: 1`), code parts missing or from another write, or a key whose metadata this store did not write.
 * `exact` pages read every value (a cached one stands in while its write token is current).
 *
 * The 16 shards are listed a round at a time, in parallel (one call each), and their items handed out
 * in pages; an item is in exactly one shard, once, so it appears in exactly one page.
 */
import { decodeBase64Into } from '../../core/util/base64.ts';
import type { CheckedScan } from '../checked.ts';
import { quantizeInto } from '../int8-code.ts';
import type { Metadata, ScanPage } from '../types.ts';
import { listKeys, type KvBinding } from './binding.ts';
import type { KvListMetadata, KvPartMetadata, StoredItem } from './codec.ts';
import { SHARDS, type NamespaceKeys } from './keys.ts';
import type { Operations } from './operations.ts';
import { isListMetadata, type SearchSource } from './search.ts';

/** A listed item key, its list metadata with the whole code in `q` (parts joined) when the list had it. */
interface Listed {
  readonly key: string;
  readonly id: string;
  readonly md: KvListMetadata | undefined;
}

interface Group {
  key?: string;
  md?: KvListMetadata;
  readonly parts: Array<KvPartMetadata | undefined>;
}

/** One shard's listing, a page (1000 keys) per call; wide items wait until all their parts are listed. */
class ShardScan {
  readonly #shard: number;
  #cursor: string | undefined;
  done = false;
  readonly #groups = new Map<string, Group>();

  constructor(shard: number) {
    this.#shard = shard;
  }

  async next(kv: KvBinding, keys: NamespaceKeys): Promise<Listed[]> {
    const out: Listed[] = [];
    const complete = (id: string) => {
      const group = this.#groups.get(id)!;
      const md = group.md;
      if (!md?.p) return;
      for (let j = 0; j < md.p; j++) if (group.parts[j]?.t !== md.t) return;
      this.#groups.delete(id);
      out.push({ key: group.key!, id, md: { ...md, q: group.parts.map((part) => part!.q).join('') } });
    };
    const page = await listKeys<KvListMetadata | KvPartMetadata>(kv, keys.shard(this.#shard), this.#cursor);
    for (const listed of page.keys) {
      const rest = keys.rest(listed.name);
      const slash = rest.indexOf('/');
      if (slash < 0) {
        const md = isListMetadata(listed.metadata) ? listed.metadata : undefined;
        if (!md?.p) {
          out.push({ key: listed.name, id: rest, md });
          continue;
        }
        const group = this.#groups.get(rest) ?? { parts: [] };
        this.#groups.set(rest, Object.assign(group, { key: listed.name, md }));
        complete(rest);
      } else {
        const id = rest.slice(0, slash);
        const part = listed.metadata as KvPartMetadata | undefined;
        const group = this.#groups.get(id) ?? { parts: [] };
        this.#groups.set(id, group);
        if (part && typeof part.q === 'string') group.parts[Number(rest.slice(slash + 1))] = part;
        complete(id);
      }
    }
    this.#cursor = page.list_complete ? undefined : page.cursor;
    if (page.list_complete) {
      this.done = true;
      // Parts missing or from another write: the code comes from the value. Parts without an item key are left over from a delete.
      for (const [id, group] of this.#groups)
        if (group.key && group.md) out.push({ key: group.key, id, md: { ...group.md, q: undefined } });
      this.#groups.clear();
    }
    return out;
  }
}

/** Pages of `pageSize` items (the last may be shorter; items deleted meanwhile are left out, empty pages never given). */
export async function* scanNamespace(
  source: SearchSource,
  keys: NamespaceKeys,
  request: CheckedScan,
  dims: number,
  ops: Operations,
): AsyncIterable<ScanPage> {
  const shards = Array.from({ length: SHARDS }, (_, shard) => new ShardScan(shard));
  const build = request.values === 'codes' ? codesPage : exactPage;
  let ready: Listed[] = [];
  for (;;) {
    const active = shards.filter((shard) => !shard.done);
    if (active.length > 0) {
      ops.spend(active.length, 'listing the items');
      for (const listed of await Promise.all(active.map((shard) => shard.next(source.kv, keys)))) ready = ready.concat(listed);
    }
    const last = active.length === 0 || shards.every((shard) => shard.done);
    while (ready.length >= request.pageSize || (last && ready.length > 0)) {
      const page = await build(ready.splice(0, request.pageSize), dims, source, ops);
      if (page) yield page;
    }
    if (last) return;
  }
}

interface Row {
  readonly id: string;
  readonly metadata: Metadata;
  readonly contentHash: string | undefined;
}

function pageOf(rows: Row[], dims: number): Omit<ScanPage, 'codes' | 'scales' | 'vectors'> {
  return { ids: rows.map((r) => r.id), metadata: rows.map((r) => r.metadata), contentHashes: rows.map((r) => r.contentHash), dims };
}

/** Decodes an item's code from its list metadata into `out`; false when the list metadata has no usable code. */
function decodeCode(md: KvListMetadata | undefined, out: Uint8Array): md is KvListMetadata & { s: number } {
  return md !== undefined && typeof md.q === 'string' && typeof md.s === 'number' && decodeBase64Into(md.q, out) === out.length;
}

async function codesPage(batch: Listed[], dims: number, source: SearchSource, ops: Operations): Promise<ScanPage | null> {
  const codes = new Int8Array(batch.length * dims);
  const scales = new Float32Array(batch.length);
  const bytes = new Uint8Array(codes.buffer);
  const usable = batch.map((listed, i) => decodeCode(listed.md, bytes.subarray(i * dims, (i + 1) * dims)));
  const values = await source.read(
    batch.filter((listed, i) => !usable[i] || listed.md!.x === 1).map((listed) => listed.key),
    ops,
  );
  const rows: Row[] = [];
  batch.forEach((listed, i) => {
    const md = listed.md;
    const value = values.get(listed.key);
    const at = rows.length * dims;
    if (usable[i] && md!.x !== 1) {
      if (at !== i * dims) codes.copyWithin(at, i * dims, (i + 1) * dims);
      scales[rows.length] = md!.s!;
      rows.push({ id: listed.id, metadata: md!.m ?? {}, contentHash: md!.h });
    } else if (value) {
      // The listed code is used only while it belongs to the value read (same write token).
      if (usable[i] && value.token === md!.t) {
        if (at !== i * dims) codes.copyWithin(at, i * dims, (i + 1) * dims);
        scales[rows.length] = md!.s!;
      } else {
        scales[rows.length] = quantizeInto(value.vector, codes, at).scale;
      }
      rows.push(rowOf(listed.id, value));
    }
    // else: listed, but its value is gone (deleted meanwhile).
  });
  if (rows.length === 0) return null;
  const n = rows.length;
  return {
    ...pageOf(rows, dims),
    codes: n === batch.length ? codes : codes.slice(0, n * dims),
    scales: n === batch.length ? scales : scales.slice(0, n),
  };
}

async function exactPage(batch: Listed[], dims: number, source: SearchSource, ops: Operations): Promise<ScanPage | null> {
  // A cached vector stands in while the key's token is current; the hash and metadata then come from the list.
  const cached = batch.map((listed) => (listed.md && listed.md.x !== 1 ? source.cache.get(listed.key, listed.md.t) : undefined));
  const values = await source.read(
    batch.filter((_, i) => !cached[i]).map((listed) => listed.key),
    ops,
  );
  const vectors = new Float32Array(batch.length * dims);
  const rows: Row[] = [];
  batch.forEach((listed, i) => {
    const hit = cached[i];
    const value = values.get(listed.key);
    if (hit) {
      vectors.set(hit.vector, rows.length * dims);
      rows.push({ id: listed.id, metadata: structuredClone(hit.metadata), contentHash: listed.md!.h });
    } else if (value) {
      vectors.set(value.vector, rows.length * dims);
      rows.push(rowOf(listed.id, value));
    }
  });
  if (rows.length === 0) return null;
  return { ...pageOf(rows, dims), vectors: rows.length === batch.length ? vectors : vectors.slice(0, rows.length * dims) };
}

function rowOf(id: string, value: StoredItem): Row {
  return { id, metadata: value.metadata, contentHash: value.contentHash };
}
