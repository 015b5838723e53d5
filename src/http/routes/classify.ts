/** @module POST /v1/classify: the label distribution of the k nearest labelled items (k-NN, distance-weighted). */
import { ClassifyForm, ClassifyJson, ClassifyQuery, ClassifyResponse } from '../../contract/analytics-classify.ts';
import { classify } from '../../services/analytics/index.ts';
import { DEFAULT_NAMESPACE } from '../../store/types.ts';
import { routeApp } from '../openapi/app.ts';
import { embedHeaders } from '../openapi/headers.ts';
import { formContent, jsonContent, rawImageContent } from '../openapi/media.ts';
import { defineRoute } from '../openapi/route.ts';
import { readBody } from '../request/body.ts';
import { cacheHeader, embedRequest } from '../request/embedding.ts';
import { readProbe } from '../request/probe.ts';
import { requireAnalytics, type AppServices } from '../services.ts';
import { PROBE_PROBLEMS, PROBE_TYPES } from './analytics-shared.ts';

export function classifyRoutes(services: AppServices) {
  const route = defineRoute(
    {
      method: 'post',
      path: '/v1/classify',
      tags: ['analytics'],
      summary: 'Classify an image, a vector or a stored item by the labels of its k nearest labelled items',
      description:
        'Options come from the query string and, for multipart and JSON, from the body too (the body wins). A stored item does not vote for itself. Works on every store (it is a search).',
      middleware: readBody({ maxBytes: services.limits.maxBodyBytes, accepted: PROBE_TYPES }),
      request: {
        query: ClassifyQuery,
        body: { content: { ...rawImageContent, ...formContent(ClassifyForm), ...jsonContent(ClassifyJson) } },
      },
      responses: { 200: { description: 'The vote.', headers: embedHeaders, content: jsonContent(ClassifyResponse) } },
    },
    [...PROBE_PROBLEMS, 'k-too-large', 'metric-not-supported', 'label-not-found', 'too-few-items'],
  );

  return routeApp().openapi(route, async (c) => {
    const analytics = requireAnalytics(services);
    const query = c.req.valid('query');
    const { probe, options } = await readProbe(c, ClassifyForm, ClassifyJson);
    const classified = await classify(
      analytics,
      probe,
      {
        namespace: options.namespace || query.namespace || DEFAULT_NAMESPACE,
        k: options.k ?? query.k,
        label: options.label ?? query.label,
        metric: options.metric ?? query.metric,
        filter: options.filter ?? query.filter,
      },
      embedRequest(c, query),
    );
    cacheHeader(c, classified.cache);
    const { model } = services;
    return c.json(
      {
        label: classified.label,
        labels: classified.labels,
        neighbours: classified.neighbours.map(({ id, score, label }) => ({ id, score, label })),
        k: classified.k,
        field: classified.field,
        metric: classified.metric,
        namespace: classified.namespace,
        model: { id: model.id, version: model.version, dims: model.dims },
      },
      200,
    );
  });
}
