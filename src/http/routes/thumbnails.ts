/**
 * @module /v1/thumbnails/:id: small preview images of items, kept where the deployment can serve them
 * (R2). Clients make the preview (the demo draws it in the browser) and upload it next to the item.
 *
 *   PUT    /v1/thumbnails/:id   raw JPEG, PNG or WebP, at most 64 KiB and 512x512 pixels
 *   GET    /v1/thumbnails/:id   the image (content type from its bytes, never from the uploader)
 *   DELETE /v1/thumbnails/:id   204 whether or not it existed
 * Every route takes ?namespace= (default "default"), like the items.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { probeImage } from '../../core/image/probe.ts';
import type { ImageFormat } from '../../core/image/types.ts';
import type { ThumbnailStore } from '../../thumbnails/types.ts';
import { problem, problemResponse } from '../problem.ts';
import { itemId, namespaceOf } from '../store-input.ts';

export const MAX_THUMBNAIL_BYTES = 64 * 1024;
export const MAX_THUMBNAIL_SIDE = 512;
const FORMATS: Partial<Record<ImageFormat, string>> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };
const ACCEPTED = ['image/jpeg', 'image/png', 'image/webp (raw body)'] as const;

function requireStore(store: ThumbnailStore | undefined): ThumbnailStore {
  if (store) return store;
  throw problem(503, {
    kind: 'thumbnails-unavailable',
    title: 'This deployment keeps no thumbnails',
    detail: 'No THUMBNAILS R2 bucket is bound; see wrangler.toml.',
  });
}

const keyOf = (namespace: string, id: string) => `thumbnails/${namespace}/${id}`;

export function thumbnailRoutes(options: { thumbnails?: ThumbnailStore | undefined }) {
  return new Hono()
    .put(
      '/:id',
      bodyLimit({
        maxSize: MAX_THUMBNAIL_BYTES,
        onError: () =>
          problemResponse(413, {
            kind: 'body-too-large',
            title: 'Thumbnail too large',
            detail: `A thumbnail is at most ${MAX_THUMBNAIL_BYTES} bytes; send a smaller preview.`,
            limit: MAX_THUMBNAIL_BYTES,
          }),
      }),
      async function putThumbnail(c) {
        const store = requireStore(options.thumbnails);
        const id = itemId(c.req.param('id'));
        const namespace = namespaceOf(c.req.query('namespace'));
        const bytes = new Uint8Array(await c.req.arrayBuffer());
        const info = probeImage(bytes); // 415 / 400 problems for anything that is not a readable image
        const contentType = FORMATS[info.format];
        if (!contentType) {
          throw problem(415, {
            kind: 'unsupported-image-format',
            title: 'Unsupported thumbnail format',
            detail: `A thumbnail must be JPEG, PNG or WebP, not ${info.format}.`,
            accepted: ACCEPTED,
          });
        }
        if (info.width > MAX_THUMBNAIL_SIDE || info.height > MAX_THUMBNAIL_SIDE) {
          throw problem(413, {
            kind: 'image-too-large',
            title: 'Thumbnail too large',
            detail: `The thumbnail is ${info.width}x${info.height}; at most ${MAX_THUMBNAIL_SIDE}x${MAX_THUMBNAIL_SIDE} pixels.`,
            limit: MAX_THUMBNAIL_SIDE,
          });
        }
        await store.put(keyOf(namespace, id), bytes, contentType);
        return c.json({ id, namespace, contentType, bytes: bytes.byteLength, width: info.width, height: info.height });
      },
    )
    .get('/:id', async function getThumbnail(c) {
      const id = itemId(c.req.param('id'));
      const namespace = namespaceOf(c.req.query('namespace'));
      const found = options.thumbnails ? await options.thumbnails.get(keyOf(namespace, id)) : null;
      if (!found) {
        throw problem(404, { kind: 'thumbnail-not-found', title: 'No thumbnail', detail: `No thumbnail for "${id}" in namespace "${namespace}".` });
      }
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
    .delete('/:id', async function deleteThumbnail(c) {
      const store = requireStore(options.thumbnails);
      await store.delete(keyOf(namespaceOf(c.req.query('namespace')), itemId(c.req.param('id'))));
      return c.body(null, 204);
    });
}
