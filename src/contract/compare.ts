/** @module POST /v1/compare: how alike two images are (cosine similarity and euclidean distance). */
import * as z from 'zod';
import { base64Image, imageFile, ModelDims } from './common.ts';

export const CompareJson = z
  .object({ a: base64Image('is missing (a base64 image)'), b: base64Image('is missing (a base64 image)') })
  .meta({ id: 'CompareJson', description: 'Two images in base64.' });

export const CompareForm = z
  .object({ a: imageFile('a'), b: imageFile('b') })
  .meta({ id: 'CompareForm', description: 'Two files, in the fields "a" and "b".' });

export const CompareResponse = z
  .object({
    cosine: z.number().meta({ description: 'Cosine similarity: 1 for the same direction.' }),
    euclidean: z.number().meta({ description: 'Euclidean distance: 0 for equal vectors.' }),
    model: ModelDims,
  })
  .meta({ id: 'CompareResponse' });

export type CompareJson = z.input<typeof CompareJson>;
export type CompareResponse = z.infer<typeof CompareResponse>;
