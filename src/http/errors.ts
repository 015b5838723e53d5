/** @module The one place where failures become HTTP responses. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ImageError, type ImageErrorCode } from '../core/image/types.ts';
import { ModelLoadError } from '../core/model/load.ts';
import { problemResponse } from './problem.ts';

export const ACCEPTED_IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'bmp'] as const;

const IMAGE_ERRORS: Record<ImageErrorCode, { status: 400 | 413 | 415; kind: string; title: string }> = {
  unsupported_format: { status: 415, kind: 'unsupported-image-format', title: 'Unsupported image format' },
  malformed: { status: 400, kind: 'malformed-image', title: 'The image could not be decoded' },
  too_many_pixels: { status: 413, kind: 'image-too-large', title: 'The image has too many pixels' },
};

export function handleError(error: Error, c: Context): Response {
  if (error instanceof HTTPException) return error.getResponse();
  if (error instanceof ImageError) {
    const { status, kind, title } = IMAGE_ERRORS[error.code];
    return problemResponse(status, { kind, title, detail: error.message, accepted: ACCEPTED_IMAGE_FORMATS });
  }
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
