/**
 * @module /v1/clusterings: k-means over a namespace (stored), its lookups (a cluster's items, an item's
 * cluster) and the assignment of a new image, vector or stored item to its nearest cluster.
 */
import {
  AssignForm,
  AssignJson,
  AssignResponse,
  ClusterItems,
  ClusteringItemParams,
  ClusteringList,
  ClusteringSummary,
  ClusterParams,
  CreateClusteringJson,
  ItemCluster,
} from '../../contract/analytics-clusterings.ts';
import { ResourceParams } from '../../contract/analytics-common.ts';
import { EmbedOptionsQuery } from '../../contract/common.ts';
import { NamespaceQuery } from '../../contract/items.ts';
import {
  assignCluster,
  clusteringSummary,
  clusterMembers,
  createClustering,
  deleteClustering,
  getClustering,
  itemCluster,
  listClusterings,
} from '../../services/analytics/index.ts';
import { ProblemError } from '../../contract/problems.ts';
import { routeApp } from '../openapi/app.ts';
import { embedHeaders } from '../openapi/headers.ts';
import { formContent, JSON_TYPE, jsonContent, rawImageContent } from '../openapi/media.ts';
import { JSON_BODY_PROBLEMS, STORE_PROBLEMS, defineRoute } from '../openapi/route.ts';
import { parsedBody, readBody } from '../request/body.ts';
import { cacheHeader, embedRequest } from '../request/embedding.ts';
import { readProbe } from '../request/probe.ts';
import { requireResources, type AppServices } from '../services.ts';
import { LOAD_PROBLEMS, PROBE_PROBLEMS, PROBE_TYPES } from './analytics-shared.ts';

const READ = ['invalid-id', 'clustering-not-found', 'resource-model-mismatch', 'not-supported', ...STORE_PROBLEMS] as const;

export function clusteringRoutes(services: AppServices) {
  const create = defineRoute(
    {
      method: 'post',
      path: '/v1/clusterings',
      tags: ['analytics'],
      summary: 'Cluster a namespace with k-means (k given, or chosen in a range by silhouette), and store the result',
      description:
        'k-means++ seeded (the same seed gives the same clustering), several restarts, cosine or euclidean. Needs the write scope.',
      middleware: readBody({ maxBytes: services.limits.maxBodyBytes, accepted: [JSON_TYPE] }),
      request: { query: NamespaceQuery, body: { content: jsonContent(CreateClusteringJson) } },
      responses: { 201: { description: 'Clustered and stored.', content: jsonContent(ClusteringSummary) } },
    },
    [...JSON_BODY_PROBLEMS, ...LOAD_PROBLEMS, 'too-few-items', 'rate-limited'],
  );
  const list = defineRoute(
    {
      method: 'get',
      path: '/v1/clusterings',
      tags: ['analytics'],
      summary: "The namespace's clusterings (of this model)",
      request: { query: NamespaceQuery },
      responses: { 200: { description: 'Sorted by id.', content: jsonContent(ClusteringList) } },
    },
    ['not-supported', ...STORE_PROBLEMS],
  );
  const get = defineRoute(
    {
      method: 'get',
      path: '/v1/clusterings/{id}',
      tags: ['analytics'],
      summary: 'A clustering: per cluster its size and the items nearest its centroid; the silhouette',
      request: { params: ResourceParams, query: NamespaceQuery },
      responses: { 200: { description: 'The clustering.', content: jsonContent(ClusteringSummary) } },
    },
    READ,
  );
  const remove = defineRoute(
    {
      method: 'delete',
      path: '/v1/clusterings/{id}',
      tags: ['analytics'],
      summary: 'Delete a clustering (204 whether or not it existed)',
      request: { params: ResourceParams, query: NamespaceQuery },
      responses: { 204: { description: 'Gone.' } },
    },
    ['invalid-id', 'not-supported', ...STORE_PROBLEMS],
  );
  const cluster = defineRoute(
    {
      method: 'get',
      path: '/v1/clusterings/{id}/clusters/{cluster}',
      tags: ['analytics'],
      summary: "A cluster's items (nearest its centroid first) and its centroid",
      request: { params: ClusterParams, query: NamespaceQuery },
      responses: { 200: { description: 'The cluster.', content: jsonContent(ClusterItems) } },
    },
    [...READ, 'cluster-not-found'],
  );
  const item = defineRoute(
    {
      method: 'get',
      path: '/v1/clusterings/{id}/items/{itemId}',
      tags: ['analytics'],
      summary: 'The cluster an item was put in',
      request: { params: ClusteringItemParams, query: NamespaceQuery },
      responses: { 200: { description: 'Its cluster and its score against the centroid.', content: jsonContent(ItemCluster) } },
    },
    [...READ, 'item-not-found'],
  );
  const assign = defineRoute(
    {
      method: 'post',
      path: '/v1/clusterings/{id}/assign',
      tags: ['analytics'],
      summary: 'The nearest cluster of an image, a vector or a stored item',
      middleware: readBody({ maxBytes: services.limits.maxBodyBytes, accepted: PROBE_TYPES }),
      request: {
        params: ResourceParams,
        query: EmbedOptionsQuery.extend(NamespaceQuery.shape),
        body: { content: { ...rawImageContent, ...formContent(AssignForm), ...jsonContent(AssignJson) } },
      },
      responses: { 200: { description: 'The nearest centroid.', headers: embedHeaders, content: jsonContent(AssignResponse) } },
    },
    [...PROBE_PROBLEMS, ...READ],
  );

  return routeApp()
    .openapi(create, async (c) => {
      const { namespace } = c.req.valid('query');
      const body = parsedBody(c, 'json', CreateClusteringJson);
      return c.json(clusteringSummary(await createClustering(requireResources(services), { namespace, ...body })), 201);
    })
    .openapi(list, async (c) => {
      const { namespace } = c.req.valid('query');
      return c.json({ clusterings: await listClusterings(requireResources(services), namespace), namespace }, 200);
    })
    .openapi(get, async (c) => {
      const { id } = c.req.valid('param');
      const { namespace } = c.req.valid('query');
      return c.json(clusteringSummary(await getClustering(requireResources(services), namespace, id)), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      const { namespace } = c.req.valid('query');
      await deleteClustering(requireResources(services), namespace, id);
      return c.body(null, 204);
    })
    .openapi(cluster, async (c) => {
      const { id, cluster: number } = c.req.valid('param');
      const { namespace } = c.req.valid('query');
      const stored = await getClustering(requireResources(services), namespace, id);
      return c.json({ clustering: stored.id, ...clusterMembers(stored, number) }, 200);
    })
    .openapi(item, async (c) => {
      const { id, itemId } = c.req.valid('param');
      const { namespace } = c.req.valid('query');
      const stored = await getClustering(requireResources(services), namespace, id);
      const found = itemCluster(stored, itemId);
      if (!found) {
        throw new ProblemError('item-not-found', `Item "${itemId}" was not in namespace "${namespace}" when clustering "${id}" was made.`, {
          id: itemId,
          namespace,
        });
      }
      return c.json({ id: itemId, clustering: stored.id, ...found }, 200);
    })
    .openapi(assign, async (c) => {
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      const { probe } = await readProbe(c, AssignForm, AssignJson);
      const assigned = await assignCluster(requireResources(services), query.namespace, id, probe, embedRequest(c, query));
      cacheHeader(c, assigned.cache);
      return c.json({ clustering: assigned.clustering.id, cluster: assigned.cluster, score: assigned.score }, 200);
    });
}
