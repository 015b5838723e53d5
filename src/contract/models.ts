/** @module GET /healthz, GET /v1/models and GET /v1/models/{id}/manifest. */
import * as z from 'zod';
import { modelManifestSchema, preprocessSchema } from '../core/model/manifest.ts';

/** The public description of a model that accompanies every vector. */
export const ModelInfo = z
  .object({
    id: z.string(),
    version: z.string(),
    architecture: z.string(),
    weights: modelManifestSchema.shape.weights,
    quantization: modelManifestSchema.shape.quantization,
    dims: z.number().int(),
    sha256: z.string().meta({ description: 'sha256 of the ONNX graph: equal ids and hashes give equal vectors.' }),
    preprocess: preprocessSchema,
  })
  .meta({ id: 'ModelInfo' });

export const ListedModel = ModelInfo.extend({
  description: z.string(),
  macs: z.number(),
  serving: z.boolean().meta({ description: 'True on the model this deployment embeds with.' }),
}).meta({ id: 'ListedModel' });

export const ModelList = z.array(ListedModel).meta({ id: 'ModelList' });

export const ModelManifest = modelManifestSchema.meta({
  id: 'ModelManifest',
  description: 'Everything a browser needs to run the model: input, preprocessing, files with sizes and sha256.',
});

export const ModelParams = z.object({ id: z.string().meta({ description: 'A model id, e.g. vgg16-imagenet.' }) });

export const Health = z
  .object({
    status: z.literal('ok'),
    model: z.object({ id: z.string(), version: z.string() }),
    runtime: z
      .record(z.string(), z.number())
      .meta({ description: 'Runtime figures the platform can tell, e.g. wasmMemoryBytes once the model has run.' }),
  })
  .meta({ id: 'Health' });

export type ModelInfo = z.infer<typeof ModelInfo>;
export type ListedModel = z.infer<typeof ListedModel>;
export type Health = z.infer<typeof Health>;
