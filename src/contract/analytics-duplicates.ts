/**
 * @module Near-duplicates: groups over a namespace (`GET /v1/duplicates`): exact ones by the sha256 of the image
 * an item was stored from, near ones by cosine similarity at a threshold, grouped transitively; and "have I
 * seen this?" for one image (`POST /v1/duplicates/check`).
 */
import * as z from 'zod';
import { Base64Image, EmbedOptionsQuery, imageFile, ModelId, Namespace, NamespaceName } from './common.ts';

const THRESHOLD = "Cosine similarity at or above which two images are near-duplicates (default: the model's, docs/analytics.md).";

const thresholdText = z.coerce
  .number<string>()
  .min(0, 'must be between 0 and 1')
  .max(1, 'must be between 0 and 1')
  .meta({ type: 'number', description: THRESHOLD });

export const DuplicatesQuery = z.object({
  namespace: Namespace,
  threshold: thresholdText.optional(),
  exact: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .meta({ description: 'true: only exact duplicates (same image bytes), no similarity.' }),
});

export const DuplicateGroup = z.object({
  ids: z.array(z.string()).meta({ description: 'Sorted.' }),
  kind: z.enum(['exact', 'near']).meta({ description: 'exact: every item was stored from the same image bytes.' }),
  minScore: z.number().meta({ description: 'The lowest similarity of the pairs that join the group (1 for exact).' }),
  exact: z
    .array(z.array(z.string()))
    .optional()
    .meta({ description: 'Of a near group: its items stored from the same image bytes, in sets of two or more.' }),
});

export const DuplicatesResponse = z
  .object({
    threshold: z.number(),
    exactOnly: z.boolean(),
    namespace: z.string(),
    size: z.number().int().meta({ description: 'Items compared.' }),
    groups: z.array(DuplicateGroup).meta({ description: 'Largest first.' }),
    model: ModelId,
  })
  .meta({ id: 'DuplicatesResponse' });

export const CheckQuery = EmbedOptionsQuery.extend({ namespace: NamespaceName, threshold: thresholdText.optional() });

export const CheckJson = z
  .object({
    image: Base64Image,
    threshold: z.number().min(0).max(1).optional().meta({ description: THRESHOLD }),
    namespace: NamespaceName,
  })
  .meta({ id: 'CheckJson' });

export const CheckForm = z
  .object({ image: imageFile('image'), threshold: thresholdText.optional(), namespace: NamespaceName })
  .meta({ id: 'CheckForm' });

export const CheckResponse = z
  .object({
    sha256: z.string().meta({ description: "The image's sha256 (hex)." }),
    exact: z.array(z.string()).meta({ description: 'Items stored from the same image bytes.' }),
    near: z
      .array(z.object({ id: z.string(), score: z.number() }))
      .meta({ description: 'Other items at or above the threshold, best first.' }),
    threshold: z.number(),
    namespace: z.string(),
    model: ModelId,
  })
  .meta({ id: 'CheckResponse' });

export type DuplicatesResponse = z.infer<typeof DuplicatesResponse>;
export type CheckJson = z.input<typeof CheckJson>;
export type CheckResponse = z.infer<typeof CheckResponse>;
