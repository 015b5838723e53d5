/**
 * @module How `list` pages through a namespace: the shards in order, KV's own cursor within a shard.
 *
 * The cursor names the shard, KV's cursor for the page being read and how many of its items were
 * already given out (pages are always read 1000 keys at a time, so re-reading one with the same cursor
 * gives the same keys). A page carries a cursor only when at least one more item exists: reading looks
 * past a full page until it meets the next item or the end of the last shard, so no cursor leads to an
 * empty page.
 */
import { decodeBase64Text, encodeBase64Text } from '../../core/util/base64.ts';
import { StoreError } from '../types.ts';
import { listKeys, type KvBinding } from './binding.ts';
import { SHARDS, type NamespaceKeys } from './keys.ts';

/** Where the next item to give out is. */
export interface Position {
  readonly shard: number;
  /** KV's cursor of the page holding it; undefined for a shard's first page. */
  readonly cursor: string | undefined;
  /** Items of that page already given out. */
  readonly skip: number;
}

export interface ListedKey {
  readonly name: string;
  readonly metadata?: unknown;
}

const START: Position = { shard: 0, cursor: undefined, skip: 0 };

/** The item keys from `from` on, at most `limit`, and where the next page starts (null: nothing more). */
export async function readPage(
  kv: KvBinding,
  keys: NamespaceKeys,
  from: Position,
  limit: number,
): Promise<{ keys: ListedKey[]; next: Position | null }> {
  const out: ListedKey[] = [];
  let { shard, cursor, skip } = from;
  while (shard < SHARDS) {
    const page = await listKeys(kv, keys.shard(shard), cursor);
    const items = page.keys.filter((k) => !keys.rest(k.name).includes('/')); // not code parts
    const room = limit - out.length;
    if (items.length - skip > room) {
      out.push(...items.slice(skip, skip + room));
      return { keys: out, next: { shard, cursor, skip: skip + room } };
    }
    out.push(...items.slice(skip));
    skip = 0;
    if (page.list_complete) {
      shard++;
      cursor = undefined;
    } else {
      cursor = page.cursor;
    }
  }
  return { keys: out, next: null };
}

/** The position a cursor this store gave out names; the start for none. */
export function parseCursor(cursor: string | null): Position {
  if (!cursor) return START;
  try {
    const parsed = JSON.parse(decodeBase64Text(cursor)) as { s?: unknown; c?: unknown; k?: unknown };
    const skip = parsed.k === undefined ? 0 : parsed.k;
    if (
      typeof parsed.s === 'number' &&
      Number.isInteger(parsed.s) &&
      parsed.s >= 0 &&
      parsed.s < SHARDS &&
      typeof skip === 'number' &&
      Number.isInteger(skip) &&
      skip >= 0
    ) {
      return { shard: parsed.s, cursor: typeof parsed.c === 'string' ? parsed.c : undefined, skip };
    }
  } catch {
    // fall through
  }
  throw new StoreError('invalid', 'the cursor is not one this store gave out');
}

/** base64url (unpadded) JSON `{s, c?, k?}`: opaque to callers, safe in a query string. */
export function formatCursor({ shard, cursor, skip }: Position): string {
  return encodeBase64Text(JSON.stringify({ s: shard, ...(cursor && { c: cursor }), ...(skip > 0 && { k: skip }) }), { urlSafe: true });
}
