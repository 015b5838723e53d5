/**
 * @module Clustering: k-means over a namespace (`POST /v1/clusterings`), stored per namespace and model, with
 * lookups (a cluster's items, an item's cluster) and the assignment of a new image, vector or item.
 */
import * as z from 'zod';
import { CLUSTER_NEAREST, DEFAULT_KMEANS_RESTARTS, MAX_CLUSTERS } from '../config/defaults.ts';
import { ItemId, imageFile, ModelId } from './common.ts';
import { LearnMetric, probeJson, ResourceId } from './analytics-common.ts';

const clusterCount = (what: string) =>
  z
    .number()
    .int('must be an integer')
    .min(2, 'must be at least 2')
    .max(MAX_CLUSTERS, `must be at most ${MAX_CLUSTERS}`)
    .optional()
    .meta({ description: what });

export const CreateClusteringJson = z
  .object({
    k: clusterCount('The number of clusters; or give kMin and kMax to choose k by silhouette.'),
    kMin: clusterCount('With kMax: the smallest k tried.'),
    kMax: clusterCount('With kMin: the largest k tried.'),
    metric: LearnMetric.optional(),
    seed: z
      .number()
      .int('must be an integer')
      .min(0)
      .max(0xffffffff)
      .optional()
      .meta({ description: 'Seeds k-means++ (default 0): the same seed, the same clustering.' }),
    restarts: z
      .number()
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(16, 'must be at most 16')
      .optional()
      .meta({ description: `k-means runs from different seeds; the lowest inertia wins (default ${DEFAULT_KMEANS_RESTARTS}).` }),
    id: ResourceId.optional().meta({
      description: 'Where to store it (default "k<k>-<metric>-s<seed>", or "auto-..." for a range); replaced if it exists.',
    }),
  })
  .superRefine((body, ctx) => {
    const range = body.kMin !== undefined || body.kMax !== undefined;
    if (body.k !== undefined && range) ctx.addIssue({ code: 'custom', message: 'give "k", or "kMin" and "kMax", not both', path: ['k'] });
    else if (body.k === undefined && (body.kMin === undefined || body.kMax === undefined))
      ctx.addIssue({ code: 'custom', message: 'give "k", or both "kMin" and "kMax"', path: [body.kMin === undefined ? 'kMin' : 'kMax'] });
    else if (range && body.kMin! > body.kMax!) ctx.addIssue({ code: 'custom', message: 'must be at most kMax', path: ['kMin'] });
  })
  .meta({ id: 'CreateClusteringJson', description: 'k-means++ over every item of the namespace.' });

const Near = z.object({ id: z.string(), score: z.number() });

export const ClusterSummary = z.object({
  cluster: z.number().int(),
  size: z.number().int(),
  nearest: z.array(Near).meta({ description: `Up to ${CLUSTER_NEAREST} items nearest the centroid, nearest first.` }),
});

export const ClusteringSummary = z
  .object({
    id: z.string(),
    k: z.number().int(),
    metric: LearnMetric,
    seed: z.number().int(),
    restarts: z.number().int(),
    silhouette: z.number().meta({ description: 'Mean silhouette, -1 to 1 (sampled on large namespaces).' }),
    inertia: z.number(),
    size: z.number().int().meta({ description: 'Items clustered.' }),
    clusters: z.array(ClusterSummary),
    tried: z
      .array(z.object({ k: z.number().int(), silhouette: z.number() }))
      .optional()
      .meta({ description: 'With kMin and kMax: the silhouette of each k tried.' }),
    model: ModelId,
    namespace: z.string(),
    createdAt: z.string().meta({ description: 'ISO 8601.' }),
  })
  .meta({ id: 'ClusteringSummary', description: 'score: cosine similarity to the centroid (cosine) or the distance to it (euclidean).' });

export const ClusteringList = z.object({ clusterings: z.array(ClusteringSummary), namespace: z.string() }).meta({ id: 'ClusteringList' });

export const ClusterParams = z.object({
  id: ResourceId,
  cluster: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,5})$/, 'must be a cluster number, 0 to k - 1')
    .transform(Number)
    .meta({ description: 'A cluster number, 0 to k - 1.' }),
});

export const ClusteringItemParams = z.object({ id: ResourceId, itemId: ItemId });

export const ClusterItems = z
  .object({
    clustering: z.string(),
    cluster: z.number().int(),
    size: z.number().int(),
    ids: z.array(z.string()).meta({ description: 'Nearest the centroid first.' }),
    centroid: z.array(z.number()),
  })
  .meta({ id: 'ClusterItems' });

export const ItemCluster = z
  .object({ id: z.string(), clustering: z.string(), cluster: z.number().int(), score: z.number() })
  .meta({ id: 'ItemCluster', description: 'The cluster an item was put in when the clustering was made.' });

export const AssignJson = probeJson({}, 'AssignJson', 'An image, a vector with its model, or a stored item.');
export const AssignForm = z.object({ image: imageFile('image') }).meta({ id: 'AssignForm' });

export const AssignResponse = z
  .object({ clustering: z.string(), cluster: z.number().int(), score: z.number() })
  .meta({ id: 'AssignResponse', description: 'The nearest centroid.' });

export type CreateClusteringJson = z.input<typeof CreateClusteringJson>;
export type ClusteringSummary = z.infer<typeof ClusteringSummary>;
export type ClusteringList = z.infer<typeof ClusteringList>;
export type ClusterItems = z.infer<typeof ClusterItems>;
export type ItemCluster = z.infer<typeof ItemCluster>;
export type AssignJson = z.input<typeof AssignJson>;
export type AssignResponse = z.infer<typeof AssignResponse>;
