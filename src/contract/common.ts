/**
 * @module The building blocks every resource's schemas share: ids, namespaces, metadata, filters,
 * vectors and the model a vector comes from, images in each form, and the problem document.
 * Zod only (no hono): the typed client imports these for its types and its response checks.
 */
import * as z from 'zod';
import type { Metric as MetricName } from '../core/vector/metrics.ts';
import { filterSchema } from '../store/filter.ts';
import { DEFAULT_NAMESPACE } from '../store/types.ts';
import { ID_PATTERN, ID_RULE, metadataProblem, NAMESPACE_PATTERN, NAMESPACE_RULE } from '../store/validate.ts';

export const ItemId = z
  .string()
  .regex(ID_PATTERN, ID_RULE)
  .meta({ id: 'ItemId', description: `An item id: ${ID_RULE}.`, example: 'chelsea' });

/** A namespace as a request may name it; empty means the default. */
export const NamespaceName = z
  .union([z.literal(''), z.string().regex(NAMESPACE_PATTERN, `must be ${NAMESPACE_RULE}`)], { error: `must be ${NAMESPACE_RULE}` })
  .optional()
  .meta({ description: `Where items live (${NAMESPACE_RULE}); a search sees one namespace. Default "${DEFAULT_NAMESPACE}".` });

/** A namespace, "default" when omitted or empty. */
export const Namespace = NamespaceName.transform((value) => value || DEFAULT_NAMESPACE);

export const Metric = z.enum(['cosine', 'euclidean', 'dot'] as const satisfies readonly MetricName[]).meta({
  id: 'Metric',
  description: 'cosine and dot: similarity (higher is nearer); euclidean: distance (lower is nearer).',
});

const MetadataScalar = z.union([z.string(), z.number(), z.boolean()]);
const MetadataLeaf = z.union([MetadataScalar, z.array(z.string())]);
export const Metadata = z
  .record(z.string(), z.union([MetadataLeaf, z.record(z.string(), MetadataLeaf)]))
  .superRefine((value, ctx) => {
    const why = metadataProblem(value);
    if (why) ctx.addIssue({ code: 'custom', message: why });
  })
  .meta({
    id: 'Metadata',
    description:
      'A JSON object: strings, finite numbers, booleans, lists of strings, or one level of objects of those; keys without "." or \'"\', not starting with "$" or "_"; at most ~10 KiB.',
  });

export const Filter = filterSchema.meta({
  id: 'Filter',
  description: 'A metadata filter: {"field": value} or {"field": {"$op": value}}; $eq $ne $in $nin $lt $lte $gt $gte.',
});

/** A member that must be absent: the other alternative of a union owns it ("image" or "vector", not both). */
export function absent(message: string) {
  return z
    .unknown()
    .refine(() => false, message)
    .optional()
    .transform((): undefined => undefined)
    .meta({ not: {} });
}

/** A JSON document carried in a string (a query parameter or a multipart text field), checked by `schema`. */
export function jsonText<T extends z.ZodType>(schema: T, description: string) {
  return z
    .string()
    .transform((text, ctx): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema)
    .meta({ description, contentMediaType: 'application/json' });
}

/** A positive integer sent as text (query string, multipart field). */
export const positiveIntText = z.coerce.number<string>().int('must be an integer').positive('must be positive');

export const Vector = z
  .array(z.number())
  .min(1, 'must not be empty')
  .meta({ id: 'Vector', description: 'float32 values, as /v1/embed answers them.' });

/** The model a client says made a vector: id and version must be the deployment's; dims and sha256 too when given. */
export const ModelRef = z
  .looseObject(
    {
      id: z.string().min(1),
      version: z.string().min(1),
      dims: z.number().int().positive().optional(),
      sha256: z.string().optional(),
    },
    {
      error: (issue) =>
        issue.input === undefined
          ? 'is missing: a vector needs the {"id", "version"} of the model that made it (GET /v1/models)'
          : 'must be an object {"id", "version"}',
    },
  )
  .meta({ id: 'ModelRef', description: 'The model that made a vector; the model card /v1/embed answers is accepted as it is.' });

/** The model of stored vectors, as write and read answers name it. */
export const ModelId = z.object({ id: z.string(), version: z.string() }).meta({ id: 'ModelId' });
export const ModelDims = z.object({ id: z.string(), version: z.string(), dims: z.number().int() }).meta({ id: 'ModelDims' });

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** A base64 image (bare or a data URL, standard or URL-safe alphabet); parses to the bare base64. */
export function base64Image(missing: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? missing : 'must be a base64 string') })
    .min(1, 'must not be empty')
    .transform((value) => value.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, ''))
    .refine((value) => BASE64.test(value), 'is not valid base64')
    .meta({ description: 'A JPEG, PNG, WebP, GIF, BMP, AVIF or HEIC image in base64, or a data: URL of one.', contentEncoding: 'base64' });
}

/** Where a body takes an image or a vector (items, search), a body with neither is closest to the image form. */
export const Base64Image = base64Image('is missing: give "image" (base64), or "vector" and "model" where a vector is accepted').meta({
  id: 'Base64Image',
});

/** A file field of a multipart body. */
export function imageFile(field: string) {
  return z
    .file({ error: `is missing: send a file in the multipart field "${field}"` })
    .meta({ type: 'string', format: 'binary', description: 'An image file (JPEG, PNG, WebP, GIF, BMP, AVIF or HEIC).' });
}

/** A raw request or response body of bytes. */
export const Binary = z.string().meta({ id: 'Binary', type: 'string', format: 'binary' });

/** A raw image body (the format is sniffed from the bytes, whatever the Content-Type says). */
export const RawImage = z.string().meta({
  id: 'RawImage',
  type: 'string',
  format: 'binary',
  description: 'A JPEG, PNG, WebP, GIF, BMP, AVIF or HEIC image as the raw body.',
});

export const ACCEPTED_IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'bmp', 'avif', 'heic'] as const;

/** The media types of a raw image body (octet-stream: the format is sniffed from the bytes either way). */
export const RAW_IMAGE_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/bmp',
  'image/avif',
  'image/heic',
  'image/heif',
  'application/octet-stream',
] as const;

export const EmbedOptionsQuery = z.object({
  resize: z.enum(['nearest', 'bilinear']).optional().meta({ description: "Resampling to the model's input size (default: the model's)." }),
  orientation: z.enum(['apply', 'ignore']).optional().meta({ description: 'Whether the EXIF orientation is applied (default apply).' }),
});

/** RFC 9457 problem details, as every failure is answered. */
export const Problem = z
  .looseObject({
    type: z.string().meta({ description: 'https://edge-features.dev/problems/<kind>' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
  })
  .meta({ id: 'Problem', description: 'application/problem+json; extra members such as limit, accepted, expected, field.' });

export type Problem = z.infer<typeof Problem>;
