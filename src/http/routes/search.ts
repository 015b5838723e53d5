/** @module POST /v1/search: the k stored items nearest to an image or a precomputed vector. */
import type { Context } from 'hono';
import { decodeBase64 } from '../../core/util/base64.ts';
import { SearchForm, SearchJson, SearchQuery, SearchResponse } from '../../contract/search.ts';
import type { Searched, SearchOptions } from '../../services/searcher.ts';
import { DEFAULT_NAMESPACE } from '../../store/types.ts';
import { searchAnswer } from '../answers.ts';
import { routeApp } from '../openapi/app.ts';
import { formContent, JSON_TYPE, jsonContent, MULTIPART, rawImageContent } from '../openapi/media.ts';
import { embedHeaders, storeCostHeaders } from '../openapi/headers.ts';
import { BODY_PROBLEMS, EMBED_PROBLEMS, STORE_PROBLEMS, defineRoute } from '../openapi/route.ts';
import { bodyForm, fileBytes, parsedBody, rawBytes, readBody } from '../request/body.ts';
import { cacheHeader, embedRequest } from '../request/embedding.ts';
import { requireItems, type AppServices } from '../services.ts';

type Options = Partial<Pick<SearchOptions, 'k' | 'metric' | 'filter'>> & { namespace?: string | undefined };

/** The body's options win over the query's; an empty namespace is the default one. */
function merged(query: Options, body: Options): SearchOptions {
  return {
    k: body.k ?? query.k,
    metric: body.metric ?? query.metric,
    namespace: body.namespace || query.namespace || DEFAULT_NAMESPACE,
    filter: body.filter ?? query.filter,
  };
}

export function searchRoutes(services: AppServices) {
  const search = defineRoute(
    {
      method: 'post',
      path: '/v1/search',
      tags: ['search'],
      summary: 'The k stored items nearest to an image, or to a vector made by this model',
      description:
        'Options come from the query string and, for multipart and JSON, from the body too (the body wins). A repeated image is embedded from the cache.',
      middleware: readBody({ maxBytes: services.limits.maxBodyBytes, accepted: [...Object.keys(rawImageContent), MULTIPART, JSON_TYPE] }),
      request: { query: SearchQuery, body: { content: { ...rawImageContent, ...formContent(SearchForm), ...jsonContent(SearchJson) } } },
      responses: {
        200: {
          description: 'Best first.',
          headers: embedHeaders.extend(storeCostHeaders.shape),
          content: jsonContent(SearchResponse),
        },
      },
    },
    [...BODY_PROBLEMS, 'k-too-large', 'metric-not-supported', 'model-mismatch', 'dims-mismatch', ...EMBED_PROBLEMS, ...STORE_PROBLEMS],
  );

  async function run(c: Context, query: Options & Parameters<typeof embedRequest>[1]): Promise<Searched> {
    const { searcher } = requireItems(services);
    switch (bodyForm(c)) {
      case 'raw':
        return searcher.byImage(await rawBytes(c), merged(query, {}), embedRequest(c, query));
      case 'form': {
        const { image, ...options } = parsedBody(c, 'form', SearchForm);
        return searcher.byImage((await fileBytes(image))[0]!, merged(query, options), embedRequest(c, query));
      }
      case 'json': {
        const body = parsedBody(c, 'json', SearchJson);
        if (body.image !== undefined) return searcher.byImage(decodeBase64(body.image), merged(query, body), embedRequest(c, query));
        return searcher.byVector(body.vector, body.model, merged(query, body));
      }
    }
  }

  return routeApp().openapi(search, async (c) => {
    const searched = await run(c, c.req.valid('query'));
    cacheHeader(c, searched.cache);
    return c.json(searchAnswer(c, searched, services.model), 200);
  });
}
