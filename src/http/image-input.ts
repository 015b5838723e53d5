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

const base64Image = z
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

function tooManyImages(count: number, maxBatch: number): never {
  throw problem(413, {
    kind: 'batch-too-large',
    title: 'Too many images in one request',
    detail: `The request holds ${count} images; at most ${maxBatch} are accepted per request.`,
    limit: maxBatch,
  });
}

function emptyBody(): never {
  throw problem(400, {
    kind: 'empty-body',
    title: 'The request has no image',
    detail: 'The request body is empty.',
    accepted: ACCEPTED_BODIES,
  });
}

function mediaType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

async function fromMultipart(c: Context, field: string, maxBatch: number): Promise<ImageBatch> {
  let form: FormData;
  try {
    form = await c.req.raw.formData();
  } catch {
    throw problem(400, {
      kind: 'malformed-multipart',
      title: 'The multipart body could not be parsed',
      detail: 'The body is not valid multipart/form-data (check the boundary and that the upload completed).',
      accepted: ACCEPTED_BODIES,
    });
  }
  const files = form.getAll(field).filter((entry): entry is File => typeof entry !== 'string');
  if (files.length === 0) {
    throw problem(422, {
      kind: 'invalid-field',
      title: `No file field "${field}"`,
      detail: `The multipart body has no file in the field "${field}".`,
      field,
      accepted: ACCEPTED_BODIES,
    });
  }
  if (files.length > maxBatch) tooManyImages(files.length, maxBatch);
  const images = await Promise.all(files.map(async (file) => new Uint8Array(await file.arrayBuffer())));
  if (images.some((image) => image.byteLength === 0)) emptyBody();
  return { images, batch: images.length > 1 };
}

async function fromJson(c: Context, maxBatch: number): Promise<ImageBatch> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw problem(400, {
      kind: 'malformed-json',
      title: 'The JSON body could not be parsed',
      detail: 'The body is not valid JSON.',
      accepted: ACCEPTED_BODIES,
    });
  }
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
  return {
    images: strings.map((s) => decodeBase64(s.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/'))),
    batch: image === undefined,
  };
}

/** Reads the request's images; throws a problem for anything but the accepted forms. */
export async function readImages(c: Context, options: { field: string; maxBatch: number }): Promise<ImageBatch> {
  const type = mediaType(c);
  if (type.startsWith('image/') || type === 'application/octet-stream') {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength === 0) emptyBody();
    return { images: [bytes], batch: false };
  }
  if (type === 'multipart/form-data') return fromMultipart(c, options.field, options.maxBatch);
  if (type === 'application/json') return fromJson(c, options.maxBatch);
  throw problem(415, {
    kind: 'unsupported-media-type',
    title: 'Unsupported request content type',
    detail: type ? `Content-Type ${type} is not accepted here.` : 'The request has no Content-Type.',
    accepted: ACCEPTED_BODIES,
  });
}
