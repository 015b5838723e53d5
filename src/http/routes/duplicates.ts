/**
 * @module GET /v1/duplicates (exact and near-duplicate groups over a namespace) and POST /v1/duplicates/check
 * (whether an image is already stored, exactly or nearly).
 */
import type { Context } from 'hono';
import {
  CheckForm,
  CheckJson,
  CheckQuery,
  CheckResponse,
  DuplicatesQuery,
  DuplicatesResponse,
} from '../../contract/analytics-duplicates.ts';
import { decodeBase64 } from '../../core/util/base64.ts';
import { checkDuplicate, findDuplicates } from '../../services/analytics/index.ts';
import { DEFAULT_NAMESPACE } from '../../store/types.ts';
import { routeApp } from '../openapi/app.ts';
import { embedHeaders } from '../openapi/headers.ts';
import { formContent, jsonContent, rawImageContent } from '../openapi/media.ts';
import { BODY_PROBLEMS, EMBED_PROBLEMS, defineRoute } from '../openapi/route.ts';
import { bodyForm, fileBytes, parsedBody, rawBytes, readBody } from '../request/body.ts';
import { cacheHeader, embedRequest } from '../request/embedding.ts';
import { requireAnalytics, type AppServices } from '../services.ts';
import { LOAD_PROBLEMS, PROBE_TYPES } from './analytics-shared.ts';

/** The image and the body's options (a raw body has none). */
async function checked(c: Context): Promise<{ image: Uint8Array; threshold?: number | undefined; namespace?: string | undefined }> {
  switch (bodyForm(c)) {
    case 'raw':
      return { image: await rawBytes(c) };
    case 'form': {
      const { image, ...options } = parsedBody(c, 'form', CheckForm);
      return { image: (await fileBytes(image))[0]!, ...options };
    }
    case 'json': {
      const { image, ...options } = parsedBody(c, 'json', CheckJson);
      return { image: decodeBase64(image), ...options };
    }
  }
}

export function duplicateRoutes(services: AppServices) {
  const groups = defineRoute(
    {
      method: 'get',
      path: '/v1/duplicates',
      tags: ['analytics'],
      summary: 'Groups of exact and near-duplicate items in a namespace',
      description:
        "Exact: items stored from the same image bytes (sha256). Near: pairs at or above the cosine threshold (default: the model's), grouped transitively.",
      request: { query: DuplicatesQuery },
      responses: { 200: { description: 'Largest group first.', content: jsonContent(DuplicatesResponse) } },
    },
    LOAD_PROBLEMS,
  );
  const check = defineRoute(
    {
      method: 'post',
      path: '/v1/duplicates/check',
      tags: ['analytics'],
      summary: 'Have I seen this image? Stored items of the same bytes, and near-duplicates',
      middleware: readBody({ maxBytes: services.limits.maxBodyBytes, accepted: PROBE_TYPES }),
      request: { query: CheckQuery, body: { content: { ...rawImageContent, ...formContent(CheckForm), ...jsonContent(CheckJson) } } },
      responses: { 200: { description: 'Exact and near matches.', headers: embedHeaders, content: jsonContent(CheckResponse) } },
    },
    [...BODY_PROBLEMS, ...EMBED_PROBLEMS, ...LOAD_PROBLEMS],
  );

  const modelId = () => ({ id: services.model.id, version: services.model.version });
  return routeApp()
    .openapi(groups, async (c) => {
      const { namespace, threshold, exact } = c.req.valid('query');
      const found = await findDuplicates(requireAnalytics(services), namespace, {
        threshold,
        exactOnly: exact === 'true' || exact === '1',
      });
      return c.json({ ...found, model: modelId() }, 200);
    })
    .openapi(check, async (c) => {
      const query = c.req.valid('query');
      const { image, ...options } = await checked(c);
      const namespace = options.namespace || query.namespace || DEFAULT_NAMESPACE;
      const { cache, ...found } = await checkDuplicate(
        requireAnalytics(services),
        namespace,
        image,
        { threshold: options.threshold ?? query.threshold },
        embedRequest(c, query),
      );
      cacheHeader(c, cache);
      return c.json({ ...found, model: modelId() }, 200);
    });
}
