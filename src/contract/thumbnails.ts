/** @module /v1/thumbnails/{id}: small preview images of items, next to the item (same id and namespace). */
import * as z from 'zod';

export const THUMBNAIL_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

export const ThumbnailStored = z
  .object({
    id: z.string(),
    namespace: z.string(),
    contentType: z.enum(THUMBNAIL_TYPES).meta({ description: 'From the bytes, never from the uploader.' }),
    bytes: z.number().int(),
    width: z.number().int(),
    height: z.number().int(),
  })
  .meta({ id: 'ThumbnailStored' });

export type ThumbnailStored = z.infer<typeof ThumbnailStored>;
