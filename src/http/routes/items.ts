/**
 * @module /v1/items: store vectors under ids (from an image or a precomputed vector), read, list and delete
 * them, and find an item's nearest neighbours. Every route takes ?namespace= (default "default").
 */
import type { Context } from 'hono';
import * as z from 'zod';
import { decodeBase64 } from '../../core/util/base64.ts';
import {
  BatchJson,
  BatchQuery,
  GetItemQuery,
  ItemPage,
  ItemParams,
  ItemsWritten,
  ItemWritten,
  ListQuery,
  NamespaceQuery,
  PutItemForm,
  PutItemJson,
  PutItemQuery,
  StoredItem,
} from '../../contract/items.ts';
import { SimilarQuery, SimilarResponse } from '../../contract/search.ts';
import type { ItemDraft } from '../../services/indexer.ts';
import type { Metadata } from '../../store/types.ts';
import { searchAnswer, writeAnswer } from '../answers.ts';
import { routeApp } from '../openapi/app.ts';
import { formContent, JSON_TYPE, jsonContent, MULTIPART, rawImageContent } from '../openapi/media.ts';
import { embedHeaders, storeCostHeaders } from '../openapi/headers.ts';
import { BODY_PROBLEMS, EMBED_PROBLEMS, JSON_BODY_PROBLEMS, STORE_PROBLEMS, defineRoute } from '../openapi/route.ts';
import { problem } from '../problem.ts';
import { bodyForm, fileBytes, parsedBody, rawBytes, readBody } from '../request/body.ts';
import { cacheHeader, embedRequest } from '../request/embedding.ts';
import { requireItems, type AppServices } from '../services.ts';
import type { ProblemKind } from '../../contract/problems.ts';

const WRITES: readonly ProblemKind[] = ['rate-limited', 'model-mismatch', 'dims-mismatch'];

function notFound(id: string, namespace: string): never {
  throw problem('item-not-found', `No item "${id}" in namespace "${namespace}".`, { id, namespace });
}

/** The item a PUT body describes; `?metadata=` serves bodies that cannot carry metadata (a raw image). */
async function putDraft(c: Context, id: string, queryMetadata: Metadata | undefined): Promise<ItemDraft> {
  let draft: ItemDraft;
  switch (bodyForm(c)) {
    case 'raw':
      return { id, metadata: queryMetadata, source: { image: await rawBytes(c) } };
    case 'form': {
      const form = parsedBody(c, 'form', PutItemForm);
      draft = { id, metadata: form.metadata, source: { image: (await fileBytes(form.image))[0]! } };
      break;
    }
    case 'json': {
      const body = parsedBody(c, 'json', PutItemJson);
      const source = body.image !== undefined ? { image: decodeBase64(body.image) } : { vector: body.vector, model: body.model };
      draft = { id, metadata: body.metadata, source };
      break;
    }
  }
  if (queryMetadata === undefined) return draft;
  if (draft.metadata !== undefined) {
    throw problem('invalid-field', 'metadata: given both in the query and in the body; give it once', { field: 'metadata' });
  }
  return { ...draft, metadata: queryMetadata };
}

export function itemRoutes(services: AppServices) {
  const { limits } = services;
  const putItem = defineRoute(
    {
      method: 'put',
      path: '/v1/items/{id}',
      tags: ['items'],
      summary: 'Store an item: an image to embed, or a precomputed vector of this model, with metadata',
      description: 'A raw image body takes its metadata from `?metadata=`; a repeated image is embedded from the cache (`X-Embed-Cache`).',
      middleware: readBody({ maxBytes: limits.maxBodyBytes, accepted: [...Object.keys(rawImageContent), MULTIPART, JSON_TYPE] }),
      request: {
        params: ItemParams,
        query: PutItemQuery,
        body: { content: { ...rawImageContent, ...formContent(PutItemForm), ...jsonContent(PutItemJson) } },
      },
      responses: {
        200: {
          description: 'Stored (with `consistency: eventual`, maybe not yet searchable).',
          headers: embedHeaders,
          content: jsonContent(ItemWritten),
        },
      },
    },
    [...BODY_PROBLEMS, 'invalid-id', ...STORE_PROBLEMS, ...WRITES, ...EMBED_PROBLEMS],
  );

  const putItems = defineRoute(
    {
      method: 'post',
      path: '/v1/items',
      tags: ['items'],
      summary: 'Store a batch of items (images and vectors)',
      middleware: readBody({ maxBytes: limits.maxBodyBytes, accepted: [JSON_TYPE] }),
      request: { query: BatchQuery, body: { content: jsonContent(BatchJson) } },
      responses: { 200: { description: 'Stored.', headers: embedHeaders, content: jsonContent(ItemsWritten) } },
    },
    [...JSON_BODY_PROBLEMS, 'batch-too-large', ...STORE_PROBLEMS, ...WRITES, ...EMBED_PROBLEMS],
  );

  const listItems = defineRoute(
    {
      method: 'get',
      path: '/v1/items',
      tags: ['items'],
      summary: 'A page of items (ids and metadata)',
      request: { query: ListQuery },
      responses: { 200: { description: 'A page; `cursor` leads to the next one.', content: jsonContent(ItemPage) } },
    },
    [...STORE_PROBLEMS, 'not-supported'],
  );

  const getItem = defineRoute(
    {
      method: 'get',
      path: '/v1/items/{id}',
      tags: ['items'],
      summary: 'One item, with its vector on ?vector=true',
      request: { params: ItemParams, query: GetItemQuery },
      responses: { 200: { description: 'The item.', content: jsonContent(StoredItem) } },
    },
    ['invalid-id', 'item-not-found', ...STORE_PROBLEMS],
  );

  const deleteItem = defineRoute(
    {
      method: 'delete',
      path: '/v1/items/{id}',
      tags: ['items'],
      summary: 'Delete an item (204 whether or not it existed), its thumbnail and, when no other item uses it, its original',
      request: { params: ItemParams, query: NamespaceQuery },
      responses: {
        204: {
          description: 'Gone (whether or not it existed).',
          headers: z.object({
            'x-mutation-id': z.string().optional().meta({ description: 'Where the store applies writes later (Vectorize).' }),
          }),
        },
      },
    },
    ['invalid-id', 'rate-limited', ...STORE_PROBLEMS],
  );

  const similarItems = defineRoute(
    {
      method: 'get',
      path: '/v1/items/{id}/similar',
      tags: ['search'],
      summary: "An item's nearest neighbours, without itself",
      request: { params: ItemParams, query: SimilarQuery },
      responses: { 200: { description: 'Best first.', headers: storeCostHeaders, content: jsonContent(SimilarResponse) } },
    },
    ['invalid-id', 'item-not-found', 'k-too-large', 'metric-not-supported', ...STORE_PROBLEMS],
  );

  return routeApp()
    .openapi(putItem, async (c) => {
      const { store, indexer } = requireItems(services);
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      const draft = await putDraft(c, id, query.metadata);
      const { written, cache } = await indexer.put(query.namespace, draft, embedRequest(c, query));
      cacheHeader(c, cache);
      return c.json({ id, ...writeAnswer(store, query.namespace, written) }, 200);
    })
    .openapi(putItems, async (c) => {
      const { store, indexer } = requireItems(services);
      const query = c.req.valid('query');
      const { items } = parsedBody(c, 'json', BatchJson);
      const drafts = items.map(
        (item): ItemDraft => ({
          id: item.id,
          metadata: item.metadata,
          source: item.image !== undefined ? { image: decodeBase64(item.image) } : { vector: item.vector, model: item.model },
        }),
      );
      const { written, cache } = await indexer.putMany(query.namespace, drafts, embedRequest(c, query));
      cacheHeader(c, cache);
      return c.json({ ids: written.ids, count: written.ids.length, ...writeAnswer(store, query.namespace, written) }, 200);
    })
    .openapi(listItems, async (c) => {
      const { store } = requireItems(services);
      const { namespace, cursor, limit } = c.req.valid('query');
      if (!store.capabilities.list) {
        throw problem(
          'not-supported',
          `The ${store.capabilities.kind} store cannot list items (the Vectorize binding has no list; use \`wrangler vectorize list-vectors\`).`,
        );
      }
      const page = await store.list({ namespace, cursor: cursor ?? null, limit: limit ?? 100 });
      return c.json(
        { items: page.items, cursor: page.cursor, namespace, model: { id: store.model.id, version: store.model.version } },
        200,
      );
    })
    .openapi(getItem, async (c) => {
      const { store } = requireItems(services);
      const { id } = c.req.valid('param');
      const { namespace, vector } = c.req.valid('query');
      const item = await store.get(id, { namespace });
      if (!item) notFound(id, namespace);
      return c.json(
        {
          id: item.id,
          namespace: item.namespace,
          model: item.model,
          dims: item.vector.length,
          metadata: item.metadata,
          ...(item.contentHash !== undefined && { contentHash: item.contentHash }),
          ...((vector === 'true' || vector === '1') && { vector: Array.from(item.vector) }),
        },
        200,
      );
    })
    .openapi(deleteItem, async (c) => {
      const { indexer } = requireItems(services);
      const { id } = c.req.valid('param');
      const { namespace } = c.req.valid('query');
      const written = await indexer.remove(namespace, id);
      if (written.mutationId) c.header('x-mutation-id', written.mutationId);
      return c.body(null, 204);
    })
    .openapi(similarItems, async (c) => {
      const { searcher } = requireItems(services);
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      const found = await searcher.similar(id, query);
      if (!found) notFound(id, query.namespace);
      return c.json({ id, ...searchAnswer(c, found, services.model) }, 200);
    });
}
