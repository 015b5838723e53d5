/**
 * @module Loads a namespace for the analytics: every item's int8 code (never float32 for the whole namespace:
 * 100k x 512-d is 51 MB as codes, 205 MB as floats) into one matrix, with ids, metadata and content hashes.
 * Refused with 413 `namespace-too-large` as soon as the scan passes the limit, so no more than `maxItems`
 * rows are ever held; with 501 `not-supported` on a store that cannot scan (Vectorize).
 */
import { ProblemError } from '../../contract/problems.ts';
import { int8Rows, type Rows } from '../../core/learn/rows.ts';
import type { Metadata, VectorStore } from '../../store/types.ts';

export interface LoadedNamespace {
  readonly namespace: string;
  readonly ids: string[];
  readonly metadata: Metadata[];
  readonly contentHashes: (string | undefined)[];
  readonly dims: number;
  /** Row i is item ids[i], as its int8 code times its scale. */
  readonly rows: Rows;
}

export interface LoadOptions {
  /** Keeps only the items it accepts (e.g. those with a label); every scanned item counts against the limit. */
  readonly keep?: (metadata: Metadata) => boolean;
  /** What the refusal says the request was for, e.g. "training a classifier". */
  readonly purpose: string;
  /** Where the limit comes from, as the refusal names it (default "ANALYTICS_MAX_ITEMS"). */
  readonly limitSource?: string;
}

/** 501 unless the store can read a whole namespace. */
export function requireScan(store: VectorStore, purpose: string): void {
  if (store.capabilities.scan) return;
  throw new ProblemError(
    'not-supported',
    `${purpose} reads every item of a namespace, and the ${store.capabilities.kind} store cannot scan one${
      store.capabilities.kind === 'vectorize'
        ? ' (a Vectorize index cannot be listed or scanned); use the KV store (VECTOR_STORE = "kv")'
        : ''
    }.`,
  );
}

/** Rows of the namespace (codes mode), at most `maxItems` items scanned. */
export async function loadNamespace(
  store: VectorStore,
  namespace: string,
  maxItems: number,
  options: LoadOptions,
): Promise<LoadedNamespace> {
  requireScan(store, options.purpose);
  const dims = store.model.dims;
  const ids: string[] = [];
  const metadata: Metadata[] = [];
  const contentHashes: (string | undefined)[] = [];
  let codes = new Int8Array(0);
  let scales = new Float32Array(0);
  let scanned = 0;
  for await (const page of store.scan({ namespace, values: 'codes' })) {
    scanned += page.ids.length;
    if (scanned > maxItems) {
      throw new ProblemError(
        'namespace-too-large',
        `${options.purpose} loads every item of namespace "${namespace}" in one request, at most ${maxItems} (${options.limitSource ?? 'ANALYTICS_MAX_ITEMS'}); it holds more.`,
        { limit: maxItems, namespace },
      );
    }
    if (!page.codes || !page.scales) throw new Error('a codes scan page came without codes');
    for (let i = 0; i < page.ids.length; i++) {
      if (options.keep && !options.keep(page.metadata[i]!)) continue;
      const row = ids.length;
      if (row === scales.length) {
        // Grows by doubling, capped at the limit: at most ~1.5x the final codes are held while copying.
        const capacity = Math.min(maxItems, Math.max(256, row * 2));
        const grownCodes = new Int8Array(capacity * dims);
        grownCodes.set(codes);
        const grownScales = new Float32Array(capacity);
        grownScales.set(scales);
        codes = grownCodes;
        scales = grownScales;
      }
      codes.set(page.codes.subarray(i * dims, (i + 1) * dims), row * dims);
      scales[row] = page.scales[i]!;
      ids.push(page.ids[i]!);
      metadata.push(page.metadata[i]!);
      contentHashes.push(page.contentHashes[i]);
    }
  }
  const count = ids.length;
  return {
    namespace,
    ids,
    metadata,
    contentHashes,
    dims,
    rows: int8Rows(codes.subarray(0, count * dims), scales.subarray(0, count), dims),
  };
}
