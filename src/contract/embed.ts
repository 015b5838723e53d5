/** @module POST /v1/embed: one image (or a batch) in, feature vectors out. */
import * as z from 'zod';
import { absent, Base64Image, EmbedOptionsQuery, imageFile } from './common.ts';
import { ModelInfo } from './models.ts';

export const EmbedQuery = EmbedOptionsQuery;

export const EmbedJson = z
  .union(
    [
      z.object({ image: Base64Image, images: absent('give "image" or "images", not both') }),
      z.object({
        images: z.array(Base64Image).min(1, 'must hold at least one image'),
        image: absent('give "image" or "images", not both'),
      }),
    ],
    { error: 'give exactly one of "image" (a base64 string) or "images" (a list of them)' },
  )
  .meta({ id: 'EmbedJson', description: '{"image": "<base64>"} for one vector, {"images": [...]} for a batch.' });

export const EmbedForm = z
  .object({ image: z.union([imageFile('image'), z.array(imageFile('image')).min(1)]) })
  .meta({ id: 'EmbedForm', description: 'Files in the field "image"; several are a batch.' });

export const EmbedVector = z.object({ model: ModelInfo, dims: z.number().int(), vector: z.array(z.number()) }).meta({ id: 'EmbedVector' });
export const EmbedVectors = z
  .object({ model: ModelInfo, dims: z.number().int(), vectors: z.array(z.array(z.number())) })
  .meta({ id: 'EmbedVectors', description: 'The answer to a batch (a JSON "images" list or several files).' });
export const EmbedResponse = z.union([EmbedVector, EmbedVectors]).meta({ id: 'EmbedResponse' });

export type EmbedJson = z.input<typeof EmbedJson>;
export type EmbedVector = z.infer<typeof EmbedVector>;
export type EmbedVectors = z.infer<typeof EmbedVectors>;
export type EmbedResponse = z.infer<typeof EmbedResponse>;
