/**
 * @module /v1/export and /v1/import: a namespace out as NDJSON (streamed), and NDJSON back in (streamed, written
 * in batches). The model travels in headers, so the body is exactly the lines Vectorize's bulk insert reads.
 */
import * as z from 'zod';
import {
  ExportQuery,
  ImportHeaders,
  ImportQuery,
  ImportResult,
  MODEL_ID_HEADER,
  MODEL_VERSION_HEADER,
  NDJSON_TYPE,
  NdjsonItem,
  VECTOR_DIMS_HEADER,
} from '../../contract/transfer.ts';
import { Binary } from '../../contract/common.ts';
import { DEFAULT_IMPORT_MAX_BYTES, DEFAULT_IMPORT_MAX_ITEMS } from '../../config/defaults.ts';
import { exportNamespace, importNdjson } from '../../services/transfer.ts';
import { routeApp } from '../openapi/app.ts';
import { jsonContent } from '../openapi/media.ts';
import { defineRoute, STORE_PROBLEMS } from '../openapi/route.ts';
import { problem } from '../problem.ts';
import { requireItems, type AppServices } from '../services.ts';

const modelHeaders = z.object({
  [MODEL_ID_HEADER]: z.string().meta({ description: 'The model of the vectors.' }),
  [MODEL_VERSION_HEADER]: z.string().meta({ description: "The model's version." }),
  [VECTOR_DIMS_HEADER]: z.string().meta({ description: 'Numbers per `values`.' }),
});

/** Typed as any media type: zod-openapi reads a type with "json" in it as JSON and would type the streamed body as one value. */
const ndjsonLines: Record<string, { schema: typeof NdjsonItem }> = { [NDJSON_TYPE]: { schema: NdjsonItem } };

const exportRoute = defineRoute(
  {
    method: 'get',
    path: '/v1/export',
    tags: ['items'],
    summary: 'Every item of a namespace as NDJSON, one `{"id","values","metadata"}` a line (streamed)',
    description:
      'The lines `wrangler vectorize insert --file` reads, so an export can seed a Vectorize index; the model is in the headers. Values are the stored float32s, written so that they parse back bit-exactly. Lines are in no particular order.',
    request: { query: ExportQuery },
    responses: {
      200: {
        description: 'The items, one a line; empty for an empty namespace.',
        headers: modelHeaders,
        content: ndjsonLines,
      },
    },
  },
  [...STORE_PROBLEMS, 'not-supported'],
);

const importRoute = defineRoute(
  {
    method: 'post',
    path: '/v1/import',
    tags: ['items'],
    summary: 'Items from NDJSON (an export), written in batches; the model in X-Model-Id / X-Model-Version',
    description:
      'Read a line at a time. A line that is not an item stops the import with 400 `malformed-ndjson` naming the line (`line`) and how many items before it were written (`written`): they stay written, the rest of the body is not read. At most IMPORT_MAX_ITEMS items and IMPORT_MAX_BYTES bytes per request.',
    request: { query: ImportQuery, headers: ImportHeaders, body: { content: { [NDJSON_TYPE]: { schema: Binary } } } },
    responses: { 200: { description: 'Every line written.', content: jsonContent(ImportResult) } },
  },
  [
    'malformed-ndjson',
    'empty-body',
    'unsupported-media-type',
    'body-too-large',
    'batch-too-large',
    'model-mismatch',
    'dims-mismatch',
    'rate-limited',
    ...STORE_PROBLEMS,
  ],
);

export function transferRoutes(services: AppServices) {
  const maxBytes = services.limits.importMaxBytes ?? DEFAULT_IMPORT_MAX_BYTES;
  const maxItems = services.limits.importMaxItems ?? DEFAULT_IMPORT_MAX_ITEMS;
  return routeApp()
    .openapi(exportRoute, async (c) => {
      const { store } = requireItems(services);
      const { namespace } = c.req.valid('query');
      const body = await exportNamespace(store, namespace);
      return c.body(body, 200, {
        'content-type': NDJSON_TYPE,
        [MODEL_ID_HEADER]: store.model.id,
        [MODEL_VERSION_HEADER]: store.model.version,
        [VECTOR_DIMS_HEADER]: String(store.model.dims),
      });
    })
    .openapi(importRoute, async (c) => {
      const { store, indexer } = requireItems(services);
      const { namespace } = c.req.valid('query');
      const headers = c.req.valid('header');
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== NDJSON_TYPE) {
        throw problem('unsupported-media-type', `An import is ${NDJSON_TYPE} (one item a line), not "${type || 'none'}".`, {
          accepted: [NDJSON_TYPE],
        });
      }
      const length = Number(c.req.header('content-length') ?? Number.NaN);
      if (length > maxBytes) {
        throw problem('body-too-large', `The body is ${length} bytes; an import is at most ${maxBytes} (IMPORT_MAX_BYTES).`, {
          limit: maxBytes,
        });
      }
      const body = c.req.raw.body;
      if (!body || length === 0) throw problem('empty-body', 'The import has no lines.');
      const dims = headers[VECTOR_DIMS_HEADER];
      const from = {
        id: headers[MODEL_ID_HEADER],
        version: headers[MODEL_VERSION_HEADER],
        dims: dims === undefined ? undefined : Number(dims),
      };
      const { written, lines } = await importNdjson(body, { indexer, model: services.model, namespace, from, maxBytes, maxItems });
      return c.json(
        { namespace, model: { id: store.model.id, version: store.model.version }, dims: store.model.dims, written, lines },
        200,
      );
    });
}
