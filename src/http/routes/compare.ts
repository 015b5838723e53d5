/** @module POST /v1/compare: how alike two images are (cosine similarity and euclidean distance). */
import type { Context } from 'hono';
import { decodeBase64 } from '../../core/util/base64.ts';
import { EmbedOptionsQuery } from '../../contract/common.ts';
import { CompareForm, CompareJson, CompareResponse } from '../../contract/compare.ts';
import { cosine, euclidean } from '../../core/vector/metrics.ts';
import { combinedCacheStatus } from '../../services/embedder.ts';
import { routeApp } from '../openapi/app.ts';
import { formContent, JSON_TYPE, jsonContent, MULTIPART } from '../openapi/media.ts';
import { embedHeaders } from '../openapi/headers.ts';
import { BODY_PROBLEMS, EMBED_PROBLEMS, defineRoute } from '../openapi/route.ts';
import { bodyForm, fileBytes, parsedBody, readBody } from '../request/body.ts';
import { cacheHeader, embedRequest } from '../request/embedding.ts';
import type { AppServices } from '../services.ts';

/** The two images (the body is multipart or JSON: readBody refused anything else). */
async function pairOf(c: Context): Promise<[Uint8Array, Uint8Array]> {
  if (bodyForm(c) === 'form') {
    const { a, b } = parsedBody(c, 'form', CompareForm);
    const [first, second] = await fileBytes([a, b]);
    return [first!, second!];
  }
  const { a, b } = parsedBody(c, 'json', CompareJson);
  return [decodeBase64(a), decodeBase64(b)];
}

export function compareRoutes(services: AppServices) {
  const { embedder } = services;
  const compare = defineRoute(
    {
      method: 'post',
      path: '/v1/compare',
      tags: ['embed'],
      summary: 'How alike two images are',
      description: 'Each image is embedded from the cache when it was embedded before; `X-Embed-Cache: hit` when both were.',
      middleware: readBody({ maxBytes: services.limits.maxBodyBytes, accepted: [MULTIPART, JSON_TYPE] }),
      request: { query: EmbedOptionsQuery, body: { content: { ...formContent(CompareForm), ...jsonContent(CompareJson) } } },
      responses: {
        200: {
          description: 'Cosine similarity and euclidean distance of the two vectors.',
          headers: embedHeaders,
          content: jsonContent(CompareResponse),
        },
      },
    },
    [...BODY_PROBLEMS, 'invalid-field', ...EMBED_PROBLEMS],
  );

  return routeApp().openapi(compare, async (c) => {
    const query = c.req.valid('query');
    const [a, b] = await pairOf(c);
    const first = await embedder.embed([a], embedRequest(c, query));
    const second = await embedder.embed([b], embedRequest(c, query));
    cacheHeader(c, combinedCacheStatus([first, second]));
    const [va, vb] = [first.vectors[0]!, second.vectors[0]!];
    const { model } = first;
    return c.json(
      { cosine: cosine(va, vb), euclidean: euclidean(va, vb), model: { id: model.id, version: model.version, dims: model.dims } },
      200,
    );
  });
}
