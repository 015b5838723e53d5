/** @module POST /v1/recommend: the k best items for positive and negative examples; the examples are never in the answer. */
import { RecommendJson, RecommendResponse } from '../../contract/analytics-recommend.ts';
import { NamespaceQuery } from '../../contract/items.ts';
import { recommend } from '../../services/analytics/index.ts';
import { DEFAULT_NAMESPACE } from '../../store/types.ts';
import { routeApp } from '../openapi/app.ts';
import { JSON_TYPE, jsonContent } from '../openapi/media.ts';
import { JSON_BODY_PROBLEMS, defineRoute } from '../openapi/route.ts';
import { parsedBody, readBody } from '../request/body.ts';
import { requireAnalytics, type AppServices } from '../services.ts';
import { LOAD_PROBLEMS } from './analytics-shared.ts';

export function recommendRoutes(services: AppServices) {
  const route = defineRoute(
    {
      method: 'post',
      path: '/v1/recommend',
      tags: ['analytics'],
      summary: 'The k best items for positive (and negative) examples: stored ids or vectors',
      description:
        "Qdrant's strategies. average_vector searches once (every store); best_score scores every item of the namespace (KV and memory, at most ANALYTICS_MAX_ITEMS).",
      middleware: readBody({ maxBytes: services.limits.maxBodyBytes, accepted: [JSON_TYPE] }),
      request: { query: NamespaceQuery.partial(), body: { content: jsonContent(RecommendJson) } },
      responses: { 200: { description: 'Best first, without the examples.', content: jsonContent(RecommendResponse) } },
    },
    [...JSON_BODY_PROBLEMS, ...LOAD_PROBLEMS, 'k-too-large', 'metric-not-supported', 'model-mismatch', 'dims-mismatch', 'item-not-found'],
  );

  return routeApp().openapi(route, async (c) => {
    const query = c.req.valid('query');
    const body = parsedBody(c, 'json', RecommendJson);
    const namespace = body.namespace || query.namespace || DEFAULT_NAMESPACE;
    const found = await recommend(requireAnalytics(services), { ...body, namespace });
    const { model } = services;
    return c.json(
      {
        results: found.matches.map((m) => ({ id: m.id, score: m.score, metadata: m.metadata ?? {} })),
        model: { id: model.id, version: model.version, dims: model.dims },
        metric: found.metric,
        namespace: found.namespace,
        k: found.k,
        strategy: found.strategy,
      },
      200,
    );
  });
}
