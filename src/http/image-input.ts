/**
 * @module Reads the images of a request, in any of the forms the API accepts:
 * a raw `image/*` body, `multipart/form-data` files, or JSON with base64 strings.
 */
import type { Context } from 'hono';
import { decodeBase64 } from 'hono/utils/encode';
import { z } from 'zod';
import { problem } from './problem.ts';

export const ACCEPTED_BODIES = [
  'image/jpeg, image/png, image/webp, image/gif, image/bmp (raw body)',
  'multipart/form-data (file field "image"; several = a batch)',
  'application/json ({"image": "<base64>"} or {"images": ["<base64>", ...]})',
] as const;

export interface ImageBatch {
  readonly images: Uint8Array[];
  /** True when the client sent a list: the answer then carries `vectors`. */
  readonly batch: boolean;
}

/** A base64 image string (bare or a data URL), as JSON bodies carry it. */
export const base64Image = z
  .string()
  .min(1, 'must not be empty')
  // Accept data URLs from browsers as well as bare base64.
  .transform((value) => value.replace(/^data:[^,]*;base64,/, ''))
  .refine((value) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(value.replace(/\s+/g, '')), 'is not valid base64');

const jsonBody = z
  .object({
    image: base64Image.optional(),
    images: z.array(base64Image).min(1, 'must hold at least one image').optional(),
  })
  .refine((body) => (body.image === undefined) !== (body.images === undefined), {
    message: 'give exactly one of "image" (a base64 string) or "images" (a list of them)',
  });

/** The bytes of a string that passed {@link base64Image} (standard or URL-safe alphabet). */
export function decodeBase64Image(value: string): Uint8Array {
  return decodeBase64(value.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/'));
}

function tooManyImages(count: number, maxBatch: number): never {
  throw problem(413, {
    kind: 'batch-too-large',
    title: 'Too many images in one request',
    detail: `The request holds ${count} images; at most ${maxBatch} are accepted per request.`,
    limit: maxBatch,
  });
}

function emptyBody(accepted: readonly string[] = ACCEPTED_BODIES): never {
  throw problem(400, {
    kind: 'empty-body',
    title: 'The request has no image',
    detail: 'The request body is empty.',
    accepted,
  });
}

function mediaType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The images of a JSON body: `{"image": "<base64>"}` or `{"images": [...]}`. */
export function imagesFromJson(body: unknown, maxBatch: number): ImageBatch {
  const parsed = jsonBody.safeParse(body);
  if (!parsed.success) {
    throw problem(422, {
      kind: 'invalid-field',
      title: 'The JSON body is not an image request',
      detail: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '),
      accepted: ACCEPTED_BODIES,
    });
  }
  const { image, images = [] } = parsed.data;
  const strings = image === undefined ? images : [image];
  if (strings.length > maxBatch) tooManyImages(strings.length, maxBatch);
  return { images: strings.map(decodeBase64Image), batch: image === undefined };
}

/** A request body in one of the accepted forms, read but not yet interpreted. */
export type RequestBody =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'form'; readonly form: FormData }
  | { readonly kind: 'json'; readonly value: unknown };

/**
 * Reads the body as raw image bytes, multipart form data or JSON, with the same problems as
 * `readImages` for anything else (415), an empty body (400) or a body that does not parse (400).
 * `accepted` is what the problems list as the endpoint's accepted forms.
 */
export async function readBody(c: Context, accepted: readonly string[] = ACCEPTED_BODIES): Promise<RequestBody> {
  const type = mediaType(c);
  if (type.startsWith('image/') || type === 'application/octet-stream') {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength === 0) emptyBody(accepted);
    return { kind: 'bytes', bytes };
  }
  if (type === 'multipart/form-data') {
    try {
      return { kind: 'form', form: await c.req.raw.formData() };
    } catch {
      throw problem(400, {
        kind: 'malformed-multipart',
        title: 'The multipart body could not be parsed',
        detail: 'The body is not valid multipart/form-data (check the boundary and that the upload completed).',
        accepted,
      });
    }
  }
  if (type === 'application/json') {
    try {
      return { kind: 'json', value: await c.req.json() };
    } catch {
      throw problem(400, { kind: 'malformed-json', title: 'The JSON body could not be parsed', detail: 'The body is not valid JSON.', accepted });
    }
  }
  throw problem(415, {
    kind: 'unsupported-media-type',
    title: 'Unsupported request content type',
    detail: type ? `Content-Type ${type} is not accepted here.` : 'The request has no Content-Type.',
    accepted,
  });
}

/** The files of one multipart field (at least one, at most `maxFiles`), as bytes. */
export async function formFiles(form: FormData, field: string, maxFiles: number, accepted: readonly string[] = ACCEPTED_BODIES): Promise<Uint8Array[]> {
  const files = form.getAll(field).filter((entry): entry is File => typeof entry !== 'string');
  if (files.length === 0) {
    throw problem(422, {
      kind: 'invalid-field',
      title: `No file field "${field}"`,
      detail: `The multipart body has no file in the field "${field}".`,
      field,
      accepted,
    });
  }
  if (files.length > maxFiles) tooManyImages(files.length, maxFiles);
  const images = await Promise.all(files.map(async (file) => new Uint8Array(await file.arrayBuffer())));
  if (images.some((image) => image.byteLength === 0)) emptyBody(accepted);
  return images;
}

/** Reads the request's images; throws a problem for anything but the accepted forms. */
export async function readImages(c: Context, options: { field: string; maxBatch: number }): Promise<ImageBatch> {
  const body = await readBody(c);
  switch (body.kind) {
    case 'bytes':
      return { images: [body.bytes], batch: false };
    case 'form': {
      const images = await formFiles(body.form, options.field, options.maxBatch);
      return { images, batch: images.length > 1 };
    }
    case 'json':
      return imagesFromJson(body.value, options.maxBatch);
  }
}
