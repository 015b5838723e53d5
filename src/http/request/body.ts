/**
 * @module Reading request bodies, in every form the API accepts (raw image bytes, multipart files, JSON with
 * base64 or vectors), for every route: the size limit, the content type and the parse are checked here,
 * before the schema of the body's form and before any route code runs.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type * as z from 'zod';
import { problem, problemResponse } from '../problem.ts';

export type BodyForm = 'raw' | 'form' | 'json';

export interface BodyRules {
  /** Largest body, in bytes. */
  readonly maxBytes: number;
  /** The media types the route declares (`image/*` ranges allowed): what a 415 lists as accepted. */
  readonly accepted: readonly string[];
}

function mediaType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

function matches(range: string, type: string): boolean {
  return range.endsWith('/*') ? type.startsWith(range.slice(0, -1)) : range === type;
}

/** The 413 of a body over `limit` bytes. */
export function bodyTooLarge(limit: number, detail = `The request body is over ${limit} bytes.`): Response {
  return problemResponse('body-too-large', detail, { limit });
}

/**
 * The middleware of a route with a body: 413 over the limit (before reading it all), 415 for an undeclared
 * content type, 400 for a body that is empty or does not parse. The parsed body is cached on the request
 * for the schema validators and the handler.
 */
export function readBody(rules: BodyRules): MiddlewareHandler[] {
  const { accepted } = rules;
  const gate: MiddlewareHandler = async function readBody(c, next) {
    const type = mediaType(c);
    if (!type || !accepted.some((range) => matches(range, type))) {
      throw problem('unsupported-media-type', type ? `Content-Type ${type} is not accepted here.` : 'The request has no Content-Type.', {
        accepted,
      });
    }
    if (type === 'application/json') {
      await c.req.json().catch(() => {
        throw problem('malformed-json', 'The body is not valid JSON.', { accepted });
      });
    } else if (type === 'multipart/form-data') {
      await c.req.formData().catch(() => {
        throw problem(
          'malformed-multipart',
          'The body is not valid multipart/form-data (check the boundary and that the upload completed).',
          { accepted },
        );
      });
    } else if ((await c.req.arrayBuffer()).byteLength === 0) {
      throw problem('empty-body', 'The request body is empty.', { accepted });
    }
    await next();
  };
  return [bodyLimit({ maxSize: rules.maxBytes, onError: () => bodyTooLarge(rules.maxBytes) }), gate];
}

/** Which form the (accepted) body came in. */
export function bodyForm(c: Context): BodyForm {
  const type = mediaType(c);
  return type === 'application/json' ? 'json' : type === 'multipart/form-data' ? 'form' : 'raw';
}

/** The bytes of a raw body. */
export async function rawBytes(c: Context): Promise<Uint8Array> {
  return new Uint8Array(await c.req.arrayBuffer());
}

/** The body as its schema parsed it (the route declared `schema` for this form, so it was validated). */
export function parsedBody<T extends z.ZodType>(c: Context, form: 'json' | 'form', _schema: T): z.output<T> {
  return c.req.valid(form as never) as z.output<T>;
}

/** The bytes of multipart files; an empty file is an empty body. */
export async function fileBytes(files: File | readonly File[]): Promise<Uint8Array[]> {
  const list = Array.isArray(files) ? files : [files as File];
  const bytes = await Promise.all(list.map(async (file) => new Uint8Array(await file.arrayBuffer())));
  if (bytes.some((b) => b.byteLength === 0)) throw problem('empty-body', 'A file of the multipart body is empty.');
  return bytes;
}

/** Refuses more images than one request may embed. */
export function withinBatch<T>(images: T[], maxBatch: number): T[] {
  if (images.length > maxBatch) {
    throw problem('batch-too-large', `The request holds ${images.length} images; at most ${maxBatch} are accepted per request.`, {
      limit: maxBatch,
    });
  }
  return images;
}
