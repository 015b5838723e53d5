/**
 * @module Clusterings: seeded k-means++ (several restarts, cosine = spherical or euclidean) over a namespace's
 * int8 codes, k given or chosen in a range by silhouette; stored with, per cluster, its size, centroid and the
 * items nearest the centroid, and every item's cluster and score. Lookups read the stored result; a new image,
 * vector or item is assigned to the nearest centroid.
 */
import { CLUSTER_NEAREST, DEFAULT_KMEANS_RESTARTS } from '../../config/defaults.ts';
import { ProblemError } from '../../contract/problems.ts';
import { chooseK, kmeans, silhouette, type KMeansResult } from '../../core/learn/kmeans.ts';
import type { LearnMetric } from '../../core/learn/rows.ts';
import { norm } from '../../core/vector/metrics.ts';
import type { EmbedRequest } from '../embedder.ts';
import type { ResourceContext } from './context.ts';
import { loadNamespace } from './load.ts';
import { type Probe, resolveProbe } from './probe.ts';
import { listResources, readResource, type StoredResource } from './resources.ts';
import { byScore, nearer, rowScore, vectorScore } from './scoring.ts';

export interface ClusterRequest {
  readonly namespace: string;
  readonly k?: number | undefined;
  readonly kMin?: number | undefined;
  readonly kMax?: number | undefined;
  readonly metric?: LearnMetric | undefined;
  readonly seed?: number | undefined;
  readonly restarts?: number | undefined;
  readonly id?: string | undefined;
}

export interface ClusteringSummary extends StoredResource {
  readonly k: number;
  readonly metric: LearnMetric;
  readonly seed: number;
  readonly restarts: number;
  readonly silhouette: number;
  readonly inertia: number;
  readonly size: number;
  readonly clusters: Array<{ cluster: number; size: number; nearest: Array<{ id: string; score: number }> }>;
  readonly tried?: Array<{ k: number; silhouette: number }>;
  readonly createdAt: string;
}

export interface StoredClustering extends ClusteringSummary {
  readonly centroids: number[][];
  /** Every item: its id, cluster and score against its centroid, in the same order. */
  readonly items: { readonly ids: string[]; readonly clusters: number[]; readonly scores: number[] };
}

export function clusteringSummary(stored: StoredClustering): ClusteringSummary {
  const { centroids: _centroids, items: _items, ...summary } = stored;
  return summary;
}

function tooFew(namespace: string, size: number, k: number): ProblemError {
  return new ProblemError('too-few-items', `k is ${k}, but namespace "${namespace}" holds ${size} item(s); k must be at most that.`, {
    count: size,
    k,
  });
}

export async function createClustering(context: ResourceContext, request: ClusterRequest): Promise<StoredClustering> {
  const { model, resources } = context;
  const metric = request.metric ?? 'cosine';
  const seed = request.seed ?? 0;
  const restarts = request.restarts ?? DEFAULT_KMEANS_RESTARTS;
  const loaded = await loadNamespace(context.store, request.namespace, context.maxItems, { purpose: 'Clustering' });
  const { rows, ids, dims } = loaded;
  const largest = request.k ?? request.kMax!;
  if (largest > rows.count) throw tooFew(request.namespace, rows.count, largest);
  let result: KMeansResult;
  let score: number;
  let tried: Array<{ k: number; silhouette: number }> | undefined;
  if (request.k !== undefined) {
    result = kmeans(rows, { k: request.k, metric, seed, restarts });
    score = silhouette(rows, result.assignments, result.k, metric, { seed });
  } else {
    const chosen = chooseK(rows, { min: request.kMin!, max: request.kMax! }, { metric, seed, restarts });
    result = chosen;
    score = chosen.silhouette;
    tried = chosen.tried;
  }
  const { k } = result;
  const centroids = Array.from({ length: k }, (_, c) => result.centroids.subarray(c * dims, (c + 1) * dims));
  const centroidNorms = centroids.map((centroid) => norm(centroid));
  const clusters: number[] = Array.from(result.assignments);
  const scores = clusters.map((c, i) => rowScore(rows, i, centroids[c]!, centroidNorms[c]!, metric));
  const members = centroids.map(() => [] as Array<{ id: string; score: number }>);
  clusters.forEach((c, i) => members[c]!.push({ id: ids[i]!, score: scores[i]! }));
  const order = byScore(metric);
  const stored: StoredClustering = {
    id: request.id ?? (request.k !== undefined ? `k${k}-${metric}-s${seed}` : `auto${request.kMin}-${request.kMax}-${metric}-s${seed}`),
    namespace: request.namespace,
    model: { id: model.id, version: model.version, dims: model.dims },
    k,
    metric,
    seed,
    restarts,
    silhouette: score,
    inertia: result.inertia,
    size: rows.count,
    clusters: members.map((list, cluster) => ({ cluster, size: list.length, nearest: [...list].sort(order).slice(0, CLUSTER_NEAREST) })),
    ...(tried && { tried }),
    createdAt: new Date().toISOString(),
    centroids: centroids.map((centroid) => Array.from(centroid)),
    items: { ids, clusters, scores },
  };
  await resources.put('clustering', request.namespace, stored.id, stored);
  return stored;
}

export function getClustering(context: ResourceContext, namespace: string, id: string): Promise<StoredClustering> {
  return readResource<StoredClustering>(context.resources, 'clustering', namespace, id, context.model);
}

export async function listClusterings(context: ResourceContext, namespace: string): Promise<ClusteringSummary[]> {
  return (await listResources<StoredClustering>(context.resources, 'clustering', namespace, context.model)).map(clusteringSummary);
}

export async function deleteClustering(context: ResourceContext, namespace: string, id: string): Promise<void> {
  await context.resources.delete('clustering', namespace, id);
}

/** A cluster's items, nearest the centroid first, and its centroid. */
export function clusterMembers(stored: StoredClustering, cluster: number) {
  if (cluster >= stored.k) {
    throw new ProblemError(
      'cluster-not-found',
      `Clustering "${stored.id}" has clusters 0 to ${stored.k - 1}; there is no cluster ${cluster}.`,
      {
        k: stored.k,
      },
    );
  }
  const { ids, clusters, scores } = stored.items;
  const members = ids.flatMap((id, i) => (clusters[i] === cluster ? [{ id, score: scores[i]! }] : []));
  members.sort(byScore(stored.metric));
  return { cluster, size: members.length, ids: members.map((member) => member.id), centroid: stored.centroids[cluster]! };
}

/** The stored cluster of an item, or undefined when the clustering did not include it. */
export function itemCluster(stored: StoredClustering, id: string): { cluster: number; score: number } | undefined {
  const i = stored.items.ids.indexOf(id);
  return i < 0 ? undefined : { cluster: stored.items.clusters[i]!, score: stored.items.scores[i]! };
}

export async function assignCluster(context: ResourceContext, namespace: string, id: string, probe: Probe, request?: EmbedRequest) {
  const stored = await getClustering(context, namespace, id);
  const probed = await resolveProbe(context, probe, namespace, request);
  let best = { cluster: -1, score: Number.NaN };
  stored.centroids.forEach((values, cluster) => {
    const score = vectorScore(probed.vector, Float32Array.from(values), stored.metric);
    if (best.cluster < 0 || nearer(stored.metric, score, best.score)) best = { cluster, score };
  });
  return { ...best, clustering: stored, cache: probed.cache };
}
