/**
 * @module Where the KV store keeps an item: the key layout and its sharding. An item's own keys,
 * nothing shared:
 *
 *     items/<model id>@<version>/<namespace>/<shard>/<id>        value + list metadata (codec.ts)
 *     items/<model id>@<version>/<namespace>/<shard>/<id>/<j>    code parts, for vectors over 600 dims
 *
 * - The model (id and version) leads the key, so a search lists only its own model's keys: vectors
 *   of two models can never be mixed, even when they share a KV namespace and a dimension count.
 * - `<shard>` is one hex digit, a hash of the id: a search lists the 16 shard prefixes in parallel,
 *   so a 50k-item scan is ~4 sequential round trips of `list()` instead of 50.
 */
import type { StoreModel } from '../types.ts';

const ROOT = 'items';
export const SHARDS = 16;

/** FNV-1a over UTF-16 code units, folded to one hex digit. */
export function shardOf(id: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return ((h >>> 0) % SHARDS).toString(16);
}

/** `items/<model id>@<version>`: every key of one model starts so. */
export function modelRoot(model: StoreModel): string {
  return `${ROOT}/${model.id}@${encodeURIComponent(model.version)}`;
}

/** The keys of one namespace of one model. */
export class NamespaceKeys {
  /** `<model root>/<namespace>/` */
  readonly prefix: string;
  constructor(root: string, namespace: string) {
    this.prefix = `${root}/${namespace}/`;
  }

  /** The prefix every key of one shard starts with. */
  shard(shard: number): string {
    return `${this.prefix}${shard.toString(16)}/`;
  }

  item(id: string): string {
    return `${this.prefix}${shardOf(id)}/${id}`;
  }

  /** What follows `<shard>/` in a listed key: `<id>` for an item key, `<id>/<j>` for a code part. */
  rest(name: string): string {
    return name.slice(this.prefix.length + 2);
  }
}

/** The key of an item's j-th code part (ids cannot contain "/", so it never names an item). */
export function partKey(itemKey: string, j: number): string {
  return `${itemKey}/${j}`;
}
