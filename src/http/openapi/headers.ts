/** @module Response headers the document states, beside the bodies. */
import * as z from 'zod';

/** The format each image was decoded as (sniffed from its bytes), comma-separated in request order. */
export const IMAGE_FORMAT_HEADER = 'x-image-format';

export const embedHeaders = z.object({
  'x-embed-cache': z.enum(['hit', 'miss', 'bypass']).optional().meta({
    description:
      'What the embedding cache did (absent when the deployment has no cache or nothing was embedded): hit, miss (computed, then stored) or bypass.',
  }),
  [IMAGE_FORMAT_HEADER]: z.string().optional().meta({
    description:
      'The format each image was decoded as (jpeg, png, webp, gif, bmp, …), read from its bytes, comma-separated in request order; the declared Content-Type is not used, so a mislabelled upload shows here. Absent when no image was embedded.',
  }),
});

export const storeCostHeaders = z.object({
  'x-store-operations': z
    .string()
    .optional()
    .meta({ description: 'Backend operations the search spent (KV list/get calls, Vectorize calls).' }),
  'x-store-scanned': z.string().optional().meta({ description: 'Items whose score was bounded or computed.' }),
  'x-store-fetched': z.string().optional().meta({ description: 'Items whose full vector was read to settle the ranking.' }),
});

export const vectorBytesHeaders = embedHeaders.extend({
  'x-model-id': z.string().optional().meta({ description: 'With Accept: application/octet-stream: the model of the vectors.' }),
  'x-model-version': z.string().optional(),
  'x-vector-dims': z.string().optional().meta({ description: 'float32 values per vector.' }),
  'x-vector-count': z.string().optional().meta({ description: 'Vectors in the body, back to back.' }),
});

/** Of problem answers: when to retry (429, and the 503s of load), and the Bearer challenge (401, 403). */
export function problemHeaders(status: number): z.ZodObject | undefined {
  if (status === 429 || status === 503)
    return z.object({ 'retry-after': z.string().optional().meta({ description: 'Seconds to wait before retrying.' }) });
  if (status === 401 || status === 403)
    return z.object({ 'www-authenticate': z.string().meta({ description: 'The Bearer challenge (RFC 6750).' }) });
  return undefined;
}
