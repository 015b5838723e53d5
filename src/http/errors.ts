/** @module The one place where failures become HTTP responses. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ImageError, type ImageErrorCode } from '../core/image/types.ts';
import { ModelLoadError } from '../core/model/load.ts';
import { StoreError, type StoreErrorCode } from '../store/types.ts';
import { problemResponse } from './problem.ts';

export const ACCEPTED_IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'bmp'] as const;

const IMAGE_ERRORS: Record<ImageErrorCode, { status: 400 | 413 | 415; kind: string; title: string }> = {
  unsupported_format: { status: 415, kind: 'unsupported-image-format', title: 'Unsupported image format' },
  malformed: { status: 400, kind: 'malformed-image', title: 'The image could not be decoded' },
  too_many_pixels: { status: 413, kind: 'image-too-large', title: 'The image has too many pixels' },
};

const STORE_ERRORS: Record<StoreErrorCode, { status: 422 | 429 | 500 | 501 | 503; kind: string; title: string }> = {
  invalid: { status: 422, kind: 'invalid-field', title: 'The store refused the request' },
  limit: { status: 422, kind: 'limit-exceeded', title: 'Over a limit of the store' },
  unsupported: { status: 501, kind: 'not-supported', title: 'The store cannot do this' },
  'rate-limited': { status: 429, kind: 'rate-limited', title: 'Too many writes to one item' },
  capacity: { status: 503, kind: 'store-capacity', title: 'The store cannot answer this within one request' },
  misconfigured: { status: 500, kind: 'store-misconfigured', title: 'The vector store is misconfigured' },
};

function storeProblem(error: StoreError): Response {
  const { status, kind, title } = STORE_ERRORS[error.code];
  if (status >= 500) console.error(`store ${error.code}: ${error.message}`);
  const headers = error.code === 'rate-limited' ? { 'retry-after': '1' } : undefined;
  return problemResponse(status, { kind, title, detail: error.message, ...(error.limit !== undefined && { limit: error.limit }) }, headers);
}

export function handleError(error: Error, c: Context): Response {
  if (error instanceof HTTPException) return error.getResponse();
  if (error instanceof ImageError) {
    const { status, kind, title } = IMAGE_ERRORS[error.code];
    return problemResponse(status, { kind, title, detail: error.message, accepted: ACCEPTED_IMAGE_FORMATS });
  }
  if (error instanceof StoreError) return storeProblem(error);
  if (error instanceof ModelLoadError) {
    console.error(`model unavailable: ${error.message}`);
    return problemResponse(
      503,
      { kind: 'model-unavailable', title: 'The model could not be loaded', detail: error.message },
      { 'retry-after': '30' },
    );
  }
  // Unknown faults: log the stack here, never send it.
  console.error(`${c.req.method} ${new URL(c.req.url).pathname} failed:`, error);
  return problemResponse(500, {
    kind: 'internal',
    title: 'Internal error',
    detail: 'The server failed to handle this request. It has been logged.',
  });
}

export function notFound(c: Context): Response {
  return problemResponse(404, {
    kind: 'not-found',
    title: 'Not found',
    detail: `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`,
  });
}
