/** @module The slice of the Workers KV binding the KV store uses, and KV's per-call limits. */

/** What the store calls (a Pick, so tests can stand in a Map and count calls). */
export type KvBinding = Pick<KVNamespace, 'get' | 'getWithMetadata' | 'put' | 'delete' | 'list'>;

/** Keys per `list()` call. */
export const LIST_LIMIT = 1000;
/** Keys per bulk `get()` call. */
export const BULK_GET_LIMIT = 100;

/** One page of keys (and their list metadata) under a prefix, the largest KV returns. */
export function listKeys<M>(kv: KvBinding, prefix: string, cursor: string | undefined): Promise<KVNamespaceListResult<M, string>> {
  return kv.list<M>({ prefix, limit: LIST_LIMIT, ...(cursor && { cursor }) });
}
