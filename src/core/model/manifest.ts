/**
 * @module A model is data: this manifest says how to feed it and what it returns.
 * The schema is the single source of truth; manifests are parsed (not cast) wherever they are read.
 */
// A namespace import, not `{ z }`: bundlers then keep only the parts of zod used here (~90 KB, not ~450 KB).
import * as z from 'zod';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex sha256');

export const modelFileSchema = z.object({
  /** File name, relative to the model's folder. */
  path: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be a plain file name'),
  bytes: z.number().int().nonnegative(),
  /** Checked when the model is loaded. */
  sha256,
});

const triple = z.tuple([z.number(), z.number(), z.number()]);

export const preprocessSchema = z.object({
  /** Input size the image is resized to (Keras `target_size`). */
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  resample: z.enum(['nearest', 'bilinear']),
  /** Channel order of the tensor. Keras "caffe" mode is BGR. */
  channelOrder: z.enum(['RGB', 'BGR']),
  /** value = (pixel * scale - mean[c]) / std[c], with mean/std given in `channelOrder`. */
  scale: z.number().positive(),
  mean: triple,
  std: triple,
  /** Tensor layout of the model input. */
  layout: z.enum(['NHWC', 'NCHW']),
});

export const modelManifestSchema = z.object({
  /** Stable identifier, e.g. `vgg16-synthetic`. Vectors of different ids never mix. */
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,63}$/),
  /** Bumped whenever weights or graph change the vectors. */
  version: z.string().min(1),
  architecture: z.string().min(1),
  description: z.string(),
  weights: z.enum(['imagenet', 'synthetic']),
  quantization: z.enum(['fp32', 'int8']),
  /** Length of the output vector. */
  dims: z.number().int().positive(),
  /** Multiply-accumulates per image, for GMAC/s figures. */
  macs: z.number().nonnegative(),
  input: z.object({ name: z.string().min(1), shape: z.array(z.number().int().positive()).min(1) }),
  output: z.object({ name: z.string().min(1) }),
  preprocess: preprocessSchema,
  /** The ONNX graph, then its external-data files (each under the 25 MiB static-asset limit). */
  graph: modelFileSchema,
  externalData: z.array(modelFileSchema),
});

export type ModelFile = z.infer<typeof modelFileSchema>;
export type PreprocessSpec = z.infer<typeof preprocessSchema>;
export type ModelManifest = z.infer<typeof modelManifestSchema>;

/** Parses a manifest from JSON data, with an error naming every bad field. */
export function parseManifest(data: unknown, origin = 'manifest'): ModelManifest {
  const result = modelManifestSchema.safeParse(data);
  if (!result.success) {
    throw new Error(`${origin}: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}
