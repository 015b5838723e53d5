/**
 * @module /v1/thumbnails/{id}: small preview images of items, kept where the deployment can serve them (R2).
 * Clients make the preview (the demo draws it in the browser) and upload it next to an item that exists.
 * Every route takes ?namespace= (default "default"), like the items.
 */
import { bodyLimit } from 'hono/body-limit';
import { Binary } from '../../contract/common.ts';
import { ItemParams, NamespaceQuery } from '../../contract/items.ts';
import { MAX_THUMBNAIL_BYTES, MAX_THUMBNAIL_SIDE } from '../../config/defaults.ts';
import { THUMBNAIL_TYPES, ThumbnailStored } from '../../contract/thumbnails.ts';
import { probeImage } from '../../core/image/probe.ts';
import type { ImageFormat } from '../../core/image/types.ts';
import { thumbnailKey as keyOf, type ThumbnailStore } from '../../thumbnails/types.ts';
import { routeApp } from '../openapi/app.ts';
import { jsonContent } from '../openapi/media.ts';
import { defineRoute } from '../openapi/route.ts';
import { problem } from '../problem.ts';
import { bodyTooLarge, rawBytes } from '../request/body.ts';
import { requireItems, type AppServices } from '../services.ts';

const FORMATS: Partial<Record<ImageFormat, (typeof THUMBNAIL_TYPES)[number]>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};
const imageContent = Object.fromEntries(THUMBNAIL_TYPES.map((type) => [type, { schema: Binary }]));

function requireThumbnails(store: ThumbnailStore | undefined): ThumbnailStore {
  if (store) return store;
  throw problem('thumbnails-unavailable', 'No THUMBNAILS R2 bucket is bound; see wrangler.toml.');
}

const putThumbnail = defineRoute(
  {
    method: 'put',
    path: '/v1/thumbnails/{id}',
    tags: ['thumbnails'],
    summary: `Store the preview of an item: a JPEG, PNG or WebP of at most ${MAX_THUMBNAIL_BYTES} bytes and ${MAX_THUMBNAIL_SIDE}x${MAX_THUMBNAIL_SIDE} pixels`,
    description: 'The item must exist in the namespace. The content type is taken from the bytes, never from the request.',
    middleware: bodyLimit({
      maxSize: MAX_THUMBNAIL_BYTES,
      onError: () => bodyTooLarge(MAX_THUMBNAIL_BYTES, `A thumbnail is at most ${MAX_THUMBNAIL_BYTES} bytes; send a smaller preview.`),
    }),
    request: { params: ItemParams, query: NamespaceQuery, body: { content: imageContent } },
    responses: { 200: { description: 'Stored.', content: jsonContent(ThumbnailStored) } },
  },
  [
    'body-too-large',
    'invalid-id',
    'unsupported-image-format',
    'malformed-image',
    'image-too-large',
    'item-not-found',
    'thumbnails-unavailable',
    'store-unavailable',
    'store-capacity',
    'store-misconfigured',
  ],
);

const getThumbnail = defineRoute(
  {
    method: 'get',
    path: '/v1/thumbnails/{id}',
    tags: ['thumbnails'],
    summary: 'The preview image (with an ETag; If-None-Match answers 304)',
    request: { params: ItemParams, query: NamespaceQuery },
    responses: {
      200: { description: 'The image, typed from its bytes.', content: imageContent },
      304: { description: 'Not modified (If-None-Match matched the ETag).' },
    },
  },
  ['invalid-id', 'thumbnail-not-found'],
);

const deleteThumbnail = defineRoute(
  {
    method: 'delete',
    path: '/v1/thumbnails/{id}',
    tags: ['thumbnails'],
    summary: 'Delete a preview (204 whether or not it existed)',
    request: { params: ItemParams, query: NamespaceQuery },
    responses: { 204: { description: 'Gone.' } },
  },
  ['invalid-id', 'thumbnails-unavailable'],
);

export function thumbnailRoutes(services: AppServices) {
  return routeApp()
    .openapi(putThumbnail, async (c) => {
      const thumbnails = requireThumbnails(services.thumbnails);
      const { id } = c.req.valid('param');
      const { namespace } = c.req.valid('query');
      const bytes = await rawBytes(c);
      const info = probeImage(bytes); // 415 / 400 problems for anything that is not a readable image
      const contentType = FORMATS[info.format];
      if (!contentType)
        throw problem('unsupported-image-format', `A thumbnail must be JPEG, PNG or WebP, not ${info.format}.`, {
          accepted: THUMBNAIL_TYPES,
        });
      if (info.width > MAX_THUMBNAIL_SIDE || info.height > MAX_THUMBNAIL_SIDE) {
        throw problem(
          'image-too-large',
          `The thumbnail is ${info.width}x${info.height}; at most ${MAX_THUMBNAIL_SIDE}x${MAX_THUMBNAIL_SIDE} pixels.`,
          { limit: MAX_THUMBNAIL_SIDE },
        );
      }
      // A preview of nothing would be served forever: the item must exist.
      if (!(await requireItems(services).store.get(id, { namespace }))) {
        throw problem('item-not-found', `No item "${id}" in namespace "${namespace}": store the item before its thumbnail.`, {
          id,
          namespace,
        });
      }
      await thumbnails.put(keyOf(namespace, id), bytes, contentType);
      return c.json({ id, namespace, contentType, bytes: bytes.byteLength, width: info.width, height: info.height }, 200);
    })
    .openapi(getThumbnail, async (c) => {
      const { id } = c.req.valid('param');
      const { namespace } = c.req.valid('query');
      const found = services.thumbnails ? await services.thumbnails.get(keyOf(namespace, id)) : null;
      if (!found) throw problem('thumbnail-not-found', `No thumbnail for "${id}" in namespace "${namespace}".`);
      const headers: Record<string, string> = {
        'content-type': found.contentType,
        'cache-control': 'public, max-age=60',
        'x-content-type-options': 'nosniff',
        'cross-origin-resource-policy': 'cross-origin',
      };
      if (found.etag) {
        headers.etag = found.etag;
        if (c.req.header('if-none-match') === found.etag) return c.body(null, 304, headers);
      }
      return c.body(found.bytes as Uint8Array<ArrayBuffer>, 200, headers);
    })
    .openapi(deleteThumbnail, async (c) => {
      const thumbnails = requireThumbnails(services.thumbnails);
      const { id } = c.req.valid('param');
      const { namespace } = c.req.valid('query');
      await thumbnails.delete(keyOf(namespace, id));
      return c.body(null, 204);
    });
}
