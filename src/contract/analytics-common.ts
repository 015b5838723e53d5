/**
 * @module What the analytics routes share: the id of a stored classifier or clustering, the metadata field a
 * label is read from, the two metrics k-means and k-NN work in, and the "probe" a route classifies, predicts,
 * assigns or checks: an image (raw, multipart or base64 JSON), a vector of this model, or a stored item's id.
 */
import * as z from 'zod';
import { absent, Base64Image, ItemId, ModelId, ModelRef, NamespaceName, Vector } from './common.ts';

export const ResourceId = ItemId.meta({
  id: 'ResourceId',
  description: 'The id of a classifier or clustering (the same rule as item ids).',
  example: 'by-label',
});

/** A metadata field (dotted for one level of nesting), as filters name them. */
export const LabelField = z
  .string()
  .min(1)
  .max(512)
  .regex(/^(?![$_])[^".]+(\.(?![$_])[^".]+)?$/, 'must be a metadata field name ("a" or "a.b"; not starting with "$" or "_")')
  .meta({ description: 'The metadata field that holds the label (default "label").', example: 'label' });

/** The metrics of the analytics: cosine (similarity, higher is nearer) or euclidean (distance, lower is nearer). */
export const LearnMetric = z
  .enum(['cosine', 'euclidean'])
  .meta({ id: 'LearnMetric', description: 'cosine (the default): similarity, higher is nearer; euclidean: distance, lower is nearer.' });

const ONE_PROBE = 'give exactly one of "image" (base64), "vector" (with "model") or "id" (a stored item)';
const NOT_BOTH = 'give one of "image", "vector" or "id"';

/** The JSON probe with `options` beside it: `{image}`, `{vector, model}` or `{id}`. */
export function probeJson<S extends z.ZodRawShape>(options: S, id: string, description: string) {
  return z
    .union(
      [
        z.object({ image: Base64Image, vector: absent(NOT_BOTH), id: absent(NOT_BOTH), ...options }),
        z.object({ vector: Vector, model: ModelRef, image: absent(NOT_BOTH), id: absent(NOT_BOTH), ...options }),
        z.object({ id: ItemId, image: absent(NOT_BOTH), vector: absent(NOT_BOTH), ...options }),
      ],
      { error: ONE_PROBE },
    )
    .meta({ id, description });
}

/** A namespace in a JSON body (the query's `namespace` when absent). */
export const BodyNamespace = { namespace: NamespaceName };

/** The resource a stored classifier or clustering names: this deployment's model. */
export const ResourceModel = ModelId;

export const ResourceParams = z.object({ id: ResourceId });
