/**
 * @module /v1/items: store vectors under ids (from an image or a precomputed vector), read, list and delete
 * them. Every route takes ?namespace= (default "default").
 */
import * as z from 'zod';
import {
  absent,
  Base64Image,
  EmbedOptionsQuery,
  ItemId,
  imageFile,
  jsonText,
  Metadata,
  ModelId,
  ModelRef,
  Namespace,
  positiveIntText,
  Vector,
} from './common.ts';

export const ItemParams = z.object({ id: ItemId });

export const NamespaceQuery = z.object({ namespace: Namespace });

export const PutItemQuery = EmbedOptionsQuery.extend({
  namespace: Namespace,
  metadata: jsonText(Metadata, "The item's metadata as JSON, for a raw image body (other bodies carry it themselves).").optional(),
});

export const BatchQuery = EmbedOptionsQuery.extend({ namespace: Namespace });

export const GetItemQuery = z.object({
  namespace: Namespace,
  vector: z.enum(['true', 'false', '1', '0']).optional().meta({ description: 'true: the answer carries the vector.' }),
});

export const ListQuery = z.object({
  namespace: Namespace,
  cursor: z.string().optional().meta({ description: 'From the previous page.' }),
  limit: positiveIntText.max(1000, 'must be at most 1000').optional().meta({ description: 'Items per page, 1-1000 (default 100).' }),
});

const ONE_SOURCE = 'give "image" or "vector", not both';

/** The two sources of an item in JSON: an image the service embeds, or a vector and the model that made it. */
const imageSource = { image: Base64Image, vector: absent(ONE_SOURCE), metadata: Metadata.optional() };
const vectorSource = { vector: Vector, model: ModelRef, image: absent(ONE_SOURCE), metadata: Metadata.optional() };
const oneSource = { error: 'give exactly one of "image" (base64) or "vector" (with "model")' };

export const PutItemJson = z.union([z.object(imageSource), z.object(vectorSource)], oneSource).meta({
  id: 'PutItemJson',
  description: '{"image": "<base64>", "metadata"} or {"vector": [...], "model": {"id", "version"}, "metadata"}.',
});

export const PutItemForm = z
  .object({ image: imageFile('image'), metadata: jsonText(Metadata, 'The metadata as JSON.').optional() })
  .meta({ id: 'PutItemForm' });

export const BatchItem = z
  .union([z.object({ id: ItemId, ...imageSource }), z.object({ id: ItemId, ...vectorSource })], oneSource)
  .meta({ id: 'BatchItem' });

export const BatchJson = z
  .object({ items: z.array(BatchItem).min(1, 'must be a non-empty list of items') })
  .meta({ id: 'BatchJson', description: 'Items by image or vector; images count against the batch limit, vectors do not.' });

const written = {
  namespace: z.string(),
  model: ModelId,
  dims: z.number().int(),
  consistency: z
    .enum(['read-your-writes', 'eventual'])
    .meta({ description: 'eventual: a write may not be visible to the next read or search.' }),
  mutationId: z.string().optional().meta({ description: 'Stores whose writes apply later (Vectorize) name the mutation.' }),
};

export const ItemWritten = z.object({ id: z.string(), ...written }).meta({ id: 'ItemWritten' });
export const ItemsWritten = z.object({ ids: z.array(z.string()), count: z.number().int(), ...written }).meta({ id: 'ItemsWritten' });

export const StoredItem = z
  .object({
    id: z.string(),
    namespace: z.string(),
    model: ModelId,
    dims: z.number().int(),
    metadata: Metadata,
    contentHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional()
      .meta({ description: 'sha256 (hex) of the image the item was embedded from; absent for items stored as vectors.' }),
    vector: z.array(z.number()).optional().meta({ description: 'With ?vector=true.' }),
  })
  .meta({ id: 'StoredItem' });

export const ItemPage = z
  .object({
    items: z.array(z.object({ id: z.string(), metadata: Metadata })),
    cursor: z.string().nullable().meta({ description: 'For the next page; null when there is nothing more.' }),
    namespace: z.string(),
    model: ModelId,
  })
  .meta({ id: 'ItemPage' });

export type PutItemJson = z.input<typeof PutItemJson>;
export type BatchJson = z.input<typeof BatchJson>;
export type ItemWritten = z.infer<typeof ItemWritten>;
export type ItemsWritten = z.infer<typeof ItemsWritten>;
export type StoredItem = z.infer<typeof StoredItem>;
export type ItemPage = z.infer<typeof ItemPage>;
