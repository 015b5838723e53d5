/**
 * @module /v1/items: store vectors under ids (from an image or a precomputed vector), read, list and
 * delete them, and find an item's nearest neighbours.
 *
 *   PUT    /v1/items/:id            image (raw, multipart "image" + "metadata", JSON {image, metadata})
 *                                   or JSON {vector, model, metadata}
 *   POST   /v1/items                JSON {items: [{id, image | vector + model, metadata}]}
 *   GET    /v1/items/:id            ?vector=true adds the vector
 *   DELETE /v1/items/:id            204 whether or not it existed
 *   GET    /v1/items                ?cursor=&limit=
 *   GET    /v1/items/:id/similar    ?k=&metric=&filter=
 * Every route takes ?namespace= (default "default").
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ItemInput, VectorStore, WriteResult } from '../../store/types.ts';
import { base64Image, decodeBase64Image, formFiles, readBody } from '../image-input.ts';
import { problem } from '../problem.ts';
import { clientVector, formFields, idSchema, invalid, itemId, metadataOf, namespaceOf, requireStore, searchParams } from '../store-input.ts';
import { payloadTooLarge } from './embed.ts';
import { embedOptionsOf, searchAnswer, type StoreRouteOptions } from './search.ts';

export const ITEM_BODIES = [
  'image/jpeg, image/png, image/webp, image/gif, image/bmp (raw body, no metadata)',
  'multipart/form-data (file field "image", optional text field "metadata" holding a JSON object)',
  'application/json ({"image": "<base64>", "metadata": {...}} or {"vector": [...], "model": {"id", "version"}, "metadata": {...}})',
] as const;

export const BATCH_BODIES = [
  'application/json ({"items": [{"id", "image": "<base64>" | "vector": [...] + "model", "metadata"}, ...]})',
] as const;

/** One item's source, before embedding: an image to embed or a vector to take as it is. */
type Source = { image: Uint8Array; vector?: undefined } | { vector: Float32Array; image?: undefined };

function jsonSource(value: unknown, options: StoreRouteOptions, where: string): Source & { metadata: unknown } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid(where, 'must be a JSON object', { accepted: ITEM_BODIES });
  const json = value as Record<string, unknown>;
  if ((json.image === undefined) === (json.vector === undefined)) {
    invalid(where, 'give exactly one of "image" (base64) or "vector" (with "model")', { accepted: ITEM_BODIES });
  }
  if (json.image !== undefined) {
    const parsed = base64Image.safeParse(json.image);
    if (!parsed.success) invalid(`${where === 'body' ? '' : `${where}.`}image`, parsed.error.issues[0]!.message);
    return { image: decodeBase64Image(parsed.data), metadata: json.metadata };
  }
  return { vector: clientVector(json.vector, json.model, options.model, where === 'body' ? 'vector' : `${where}.vector`), metadata: json.metadata };
}

function writeAnswer(store: VectorStore, namespace: string, written: WriteResult) {
  return {
    namespace,
    model: { id: store.model.id, version: store.model.version },
    dims: store.model.dims,
    consistency: store.capabilities.consistency,
    ...(written.mutationId && { mutationId: written.mutationId }),
  };
}

function notFound(id: string, namespace: string): never {
  throw problem(404, { kind: 'item-not-found', title: 'No such item', detail: `No item "${id}" in namespace "${namespace}".`, id, namespace });
}

export function itemRoutes(options: StoreRouteOptions) {
  const { limits } = options;
  const limit = bodyLimit({ maxSize: limits.maxBodyBytes, onError: () => payloadTooLarge(limits.maxBodyBytes) });
  const embed = async (c: Context, image: Uint8Array) => (await options.extractor()).embed(image, embedOptionsOf(c));

  return new Hono()
    .put('/:id', limit, async function putItem(c) {
      const store = requireStore(options.store);
      const id = itemId(c.req.param('id'));
      const namespace = namespaceOf(c.req.query('namespace'));
      embedOptionsOf(c); // refuse bad options before reading the body
      const body = await readBody(c, ITEM_BODIES);
      let source: Source;
      let metadata: unknown;
      if (body.kind === 'bytes') source = { image: body.bytes };
      else if (body.kind === 'form') {
        const [image] = await formFiles(body.form, 'image', 1, ITEM_BODIES);
        source = { image: image! };
        metadata = formFields(body.form, ['metadata']).metadata;
      } else ({ metadata, ...source } = jsonSource(body.value, options, 'body'));
      const item: ItemInput = { id, namespace, metadata: metadataOf(metadata), vector: source.vector ?? (await embed(c, source.image)) };
      const written = await store.upsert([item]);
      return c.json({ id, ...writeAnswer(store, namespace, written) });
    })

    .post('/', limit, async function putItems(c) {
      const store = requireStore(options.store);
      const namespace = namespaceOf(c.req.query('namespace'));
      embedOptionsOf(c);
      const body = await readBody(c, BATCH_BODIES);
      if (body.kind !== 'json') {
        throw problem(415, { kind: 'unsupported-media-type', title: 'Send the batch as JSON', detail: 'POST /v1/items takes application/json.', accepted: BATCH_BODIES });
      }
      const list = (body.value as { items?: unknown } | null)?.items;
      if (!Array.isArray(list) || list.length === 0) invalid('items', 'must be a non-empty list of items', { accepted: BATCH_BODIES });
      const max = store.capabilities.maxUpsertBatch;
      if (list.length > max) {
        throw problem(413, { kind: 'batch-too-large', title: 'Too many items in one request', detail: `The request holds ${list.length} items; at most ${max} per request.`, limit: max });
      }
      const parsed = list.map((entry, i) => {
        const where = `items.${i}`;
        const id = idSchema.safeParse((entry as { id?: unknown } | null)?.id);
        if (!id.success) invalid(`${where}.id`, id.error.issues[0]!.message);
        const { metadata, ...source } = jsonSource(entry, options, where);
        return { id: id.data, source: source as Source, metadata: metadataOf(metadata, `${where}.metadata`) };
      });
      const images = parsed.filter((p) => p.source.image).length;
      if (images > limits.maxBatch) {
        throw problem(413, {
          kind: 'batch-too-large',
          title: 'Too many images in one request',
          detail: `The request holds ${images} images to embed; at most ${limits.maxBatch} per request (precomputed vectors do not count).`,
          limit: limits.maxBatch,
        });
      }
      const seen = new Set<string>();
      for (const p of parsed) {
        if (seen.has(p.id)) invalid('items', `id "${p.id}" appears twice`);
        seen.add(p.id);
      }
      const items: ItemInput[] = [];
      for (const p of parsed) items.push({ id: p.id, namespace, metadata: p.metadata, vector: p.source.vector ?? (await embed(c, p.source.image!)) });
      const written = await store.upsert(items);
      return c.json({ ids: written.ids, count: written.ids.length, ...writeAnswer(store, namespace, written) });
    })

    .get('/', async function listItems(c) {
      const store = requireStore(options.store);
      const namespace = namespaceOf(c.req.query('namespace'));
      const rawLimit = c.req.query('limit');
      const pageSize = rawLimit === undefined ? 100 : Number(rawLimit);
      if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 1000) invalid('limit', 'must be an integer from 1 to 1000');
      if (!store.capabilities.list) {
        throw problem(501, {
          kind: 'not-supported',
          title: 'This store cannot list items',
          detail: `The ${store.capabilities.kind} store cannot list items (the Vectorize binding has no list; use \`wrangler vectorize list-vectors\`).`,
        });
      }
      const page = await store.list({ namespace, cursor: c.req.query('cursor') ?? null, limit: pageSize });
      return c.json({ items: page.items, cursor: page.cursor, namespace, model: { id: store.model.id, version: store.model.version } });
    })

    .get('/:id', async function getItem(c) {
      const store = requireStore(options.store);
      const id = itemId(c.req.param('id'));
      const namespace = namespaceOf(c.req.query('namespace'));
      const withVector = c.req.query('vector');
      if (withVector !== undefined && !['true', 'false', '1', '0'].includes(withVector)) invalid('vector', 'must be true or false');
      const item = await store.get(id, { namespace });
      if (!item) notFound(id, namespace);
      return c.json({
        id: item.id,
        namespace: item.namespace,
        model: item.model,
        dims: item.vector.length,
        metadata: item.metadata,
        ...((withVector === 'true' || withVector === '1') && { vector: Array.from(item.vector) }),
      });
    })

    .delete('/:id', async function deleteItem(c) {
      const store = requireStore(options.store);
      const id = itemId(c.req.param('id'));
      const namespace = namespaceOf(c.req.query('namespace'));
      const written = await store.delete([id], { namespace });
      if (written.mutationId) c.header('x-mutation-id', written.mutationId);
      return c.body(null, 204);
    })

    .get('/:id/similar', async function similarItems(c) {
      const store = requireStore(options.store);
      const id = itemId(c.req.param('id'));
      const params = searchParams(c.req.query(), store.capabilities, true);
      const result = await store.queryById(id, { topK: params.k, metric: params.metric, namespace: params.namespace, filter: params.filter });
      if (!result) notFound(id, params.namespace);
      return searchAnswer(c, result, params, options.model, { id });
    });
}
