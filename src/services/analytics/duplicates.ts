/**
 * @module Near-duplicates over a namespace: exact ones share the sha256 of the image they were stored from;
 * near ones are pairs at or above a cosine threshold (on the int8 codes, src/core/learn/duplicates.ts: blocked,
 * no n x n matrix), grouped transitively. And "have I seen this?" for one image against the namespace.
 */
import {
  ANALYTICS_REFERENCE_DIMS,
  DEFAULT_DUPLICATE_THRESHOLD,
  DUPLICATE_THRESHOLDS,
  MAX_DUPLICATE_MATCHES,
} from '../../config/defaults.ts';
import { groups, MAX_PAIRS, similarPairs } from '../../core/learn/duplicates.ts';
import { ProblemError } from '../../contract/problems.ts';
import { sha256Hex } from '../../core/util/sha256.ts';
import type { EmbedRequest } from '../embedder.ts';
import type { AnalyticsContext } from './context.ts';
import { loadNamespace } from './load.ts';
import { byScore, rowScore } from './scoring.ts';
import { norm } from '../../core/vector/metrics.ts';

export interface DuplicateGroup {
  readonly ids: string[];
  readonly kind: 'exact' | 'near';
  readonly minScore: number;
  /** Of a near group: its items that share the image bytes, in sets of two or more. */
  readonly exact?: string[][];
}

/** The model's near-duplicate threshold (measured by `npm run eval`), else the placeholder default. */
export function defaultThreshold(modelId: string): number {
  return DUPLICATE_THRESHOLDS[modelId] ?? DEFAULT_DUPLICATE_THRESHOLD;
}

const sortIds = (ids: string[]) => ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const largestFirst = (a: DuplicateGroup, b: DuplicateGroup) => b.ids.length - a.ids.length || (a.ids[0]! < b.ids[0]! ? -1 : 1);

/** Groups of the items that share a content hash. */
function exactGroups(ids: readonly string[], hashes: readonly (string | undefined)[]): DuplicateGroup[] {
  const byHash = new Map<string, string[]>();
  hashes.forEach((hash, i) => {
    if (hash !== undefined) byHash.set(hash, [...(byHash.get(hash) ?? []), ids[i]!]);
  });
  return [...byHash.values()].filter((list) => list.length > 1).map((list) => ({ ids: sortIds(list), kind: 'exact', minScore: 1 }));
}

/** The pairs at or above the threshold; a threshold so low that it pairs more than MAX_PAIRS is refused. */
function pairsAbove(rows: Parameters<typeof similarPairs>[0], threshold: number) {
  try {
    return similarPairs(rows, threshold, 'cosine');
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new ProblemError(
      'invalid-field',
      `threshold: ${threshold} pairs more than ${MAX_PAIRS} items; that is not a duplicate search (raise it, e.g. to the default).`,
      { field: 'threshold' },
    );
  }
}

/** Most items near-duplicate grouping loads: ANALYTICS_MAX_ITEMS at 512-d, fewer for wider vectors (CPU ~ n² x dims). */
export function nearGroupingMaxItems(maxItems: number, dims: number): number {
  return Math.max(1, Math.floor(maxItems * Math.sqrt(ANALYTICS_REFERENCE_DIMS / Math.max(ANALYTICS_REFERENCE_DIMS, dims))));
}

export async function findDuplicates(
  context: AnalyticsContext,
  namespace: string,
  options: { threshold?: number | undefined; exactOnly: boolean },
) {
  const threshold = options.threshold ?? defaultThreshold(context.model.id);
  // Exact groups are a hash lookup; near groups compare all pairs, so wide vectors get fewer items.
  const limit = options.exactOnly ? context.maxItems : nearGroupingMaxItems(context.maxItems, context.model.dims);
  const loaded = await loadNamespace(context.store, namespace, limit, {
    purpose: options.exactOnly ? 'Finding exact duplicates' : 'Finding near-duplicates',
    ...(limit < context.maxItems && {
      limitSource: `ANALYTICS_MAX_ITEMS x sqrt(512 / ${context.model.dims}): all pairs cost CPU ~ n² x dims`,
    }),
  });
  const { ids, contentHashes, rows } = loaded;
  let found: DuplicateGroup[];
  if (options.exactOnly) {
    found = exactGroups(ids, contentHashes);
  } else {
    const pairs = pairsAbove(rows, threshold);
    const minOf = new Map<number, number>();
    const members = groups(rows.count, pairs);
    const groupOf = new Int32Array(rows.count).fill(-1);
    members.forEach((list, g) => {
      for (const i of list) groupOf[i] = g;
    });
    for (const [a, , score] of pairs) {
      const g = groupOf[a]!;
      minOf.set(g, Math.min(minOf.get(g) ?? Number.POSITIVE_INFINITY, score));
    }
    found = members.map((list, g) => {
      const hash = contentHashes[list[0]!];
      const exact = hash !== undefined && list.every((i) => contentHashes[i] === hash);
      const groupIds = sortIds(list.map((i) => ids[i]!));
      if (exact) return { ids: groupIds, kind: 'exact', minScore: 1 };
      const within = exactGroups(
        list.map((i) => ids[i]!),
        list.map((i) => contentHashes[i]),
      ).map((group) => group.ids);
      return { ids: groupIds, kind: 'near', minScore: Math.min(1, minOf.get(g) ?? 1), ...(within.length > 0 && { exact: within }) };
    });
    // Same bytes whose codes are nevertheless below the threshold cannot happen (equal bytes, equal vectors),
    // but a threshold above 1 would find none: exact groups are added where no near group holds them.
    const grouped = new Set(found.flatMap((group) => group.ids));
    found.push(...exactGroups(ids, contentHashes).filter((group) => !group.ids.some((id) => grouped.has(id))));
  }
  return { threshold, exactOnly: options.exactOnly, namespace, size: rows.count, groups: found.sort(largestFirst) };
}

/** One image against the namespace: items of the same bytes, and others at or above the threshold. */
export async function checkDuplicate(
  context: AnalyticsContext,
  namespace: string,
  image: Uint8Array,
  options: { threshold?: number | undefined },
  request?: EmbedRequest,
) {
  const threshold = options.threshold ?? defaultThreshold(context.model.id);
  const sha256 = await sha256Hex(image);
  const loaded = await loadNamespace(context.store, namespace, context.maxItems, { purpose: 'Checking for duplicates' });
  const { vectors, cache } = await context.embedder.embed([image], request);
  const vector = vectors[0]!;
  const vectorNorm = norm(vector);
  const exact: string[] = [];
  const near: Array<{ id: string; score: number }> = [];
  for (let i = 0; i < loaded.rows.count; i++) {
    const id = loaded.ids[i]!;
    if (loaded.contentHashes[i] === sha256) exact.push(id);
    else {
      const score = rowScore(loaded.rows, i, vector, vectorNorm, 'cosine');
      if (score >= threshold) near.push({ id, score });
    }
  }
  return {
    sha256,
    exact: sortIds(exact),
    near: near.sort(byScore('cosine')).slice(0, MAX_DUPLICATE_MATCHES),
    threshold,
    namespace,
    cache,
  };
}
