/** @module What an embedding route passes the embedder besides images: options, Cache-Control, waitUntil. */
import type { Context } from 'hono';
import type { EmbedCacheStatus } from '../../services/embed-cache.ts';
import { IMAGE_FORMAT_HEADER } from '../openapi/headers.ts';
import { EMBED_CACHE_HEADER } from '../../services/embed-cache.ts';
import type { EmbedRequest } from '../../services/embedder.ts';

/** The Worker's `waitUntil`, if the request came with an execution context (not `app.request()` in tests). */
function deferOf(c: Context): EmbedRequest['defer'] {
  let ctx: Context['executionCtx'];
  try {
    ctx = c.executionCtx;
  } catch {
    return undefined;
  }
  return (task) => ctx.waitUntil(task);
}

/** The embed request of a route, from its validated `resize` / `orientation` query. */
export function embedRequest(
  c: Context,
  query: { readonly resize?: 'nearest' | 'bilinear' | undefined; readonly orientation?: 'apply' | 'ignore' | undefined },
): EmbedRequest {
  return {
    options: { ...(query.resize && { resample: query.resize }), ...(query.orientation && { orientation: query.orientation }) },
    cacheControl: c.req.header('cache-control'),
    defer: deferOf(c),
    // The format decoded is the one the bytes are in, whatever Content-Type said: a mislabelled upload shows
    // here. Appended: compare embeds its two images one at a time.
    reportFormats: (formats) => c.header(IMAGE_FORMAT_HEADER, formats.join(', '), { append: true }),
  };
}

/** Says what the embedding cache did (no header when the app has no cache or nothing was embedded). */
export function cacheHeader(c: Context, status: EmbedCacheStatus | undefined): void {
  if (status) c.header(EMBED_CACHE_HEADER, status);
}
