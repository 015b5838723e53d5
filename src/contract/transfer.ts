/**
 * @module /v1/export and /v1/import: a namespace as NDJSON, one item a line (`{"id","values","metadata"}`, the
 * lines `wrangler vectorize insert --file` reads), the model named in headers (X-Model-Id, X-Model-Version,
 * X-Vector-Dims) so that the body stays exactly that format.
 */
import * as z from 'zod';
import { ItemId, Metadata, ModelId, Namespace } from './common.ts';

/** The media type of an export, and the one an import must declare. */
export const NDJSON_TYPE = 'application/x-ndjson';

/** The headers that name the model of an export's vectors (and that an import must send). */
export const MODEL_ID_HEADER = 'x-model-id';
export const MODEL_VERSION_HEADER = 'x-model-version';
export const VECTOR_DIMS_HEADER = 'x-vector-dims';

export const ExportQuery = z.object({ namespace: Namespace });

export const ImportQuery = z.object({ namespace: Namespace });

export const ImportHeaders = z.object({
  [MODEL_ID_HEADER]: z.string().min(1).meta({ description: 'The model that made the vectors (an export names it in the same header).' }),
  [MODEL_VERSION_HEADER]: z.string().min(1).meta({ description: "The model's version." }),
  [VECTOR_DIMS_HEADER]: z
    .string()
    .regex(/^[1-9][0-9]*$/, 'must be a positive integer')
    .optional()
    .meta({ description: 'Dimensions of the vectors; checked against the model when given.' }),
});

/** One line of an export or an import. `values` are float32s written so that parsing them gives the same float32s. */
export const NdjsonItem = z
  .object({
    id: ItemId,
    values: z.array(z.number()).min(1, 'must not be empty'),
    metadata: Metadata.optional(),
  })
  .meta({ id: 'NdjsonItem', description: 'One NDJSON line: the item id, its vector and its metadata (Vectorize bulk-insert lines).' });

export const ImportResult = z
  .object({
    namespace: z.string(),
    model: ModelId,
    dims: z.number().int(),
    written: z.number().int().meta({ description: 'Items written (every line of the body).' }),
    lines: z.number().int().meta({ description: 'Lines read, blank ones included.' }),
  })
  .meta({ id: 'ImportResult' });

export type NdjsonItem = z.infer<typeof NdjsonItem>;
export type ImportResult = z.infer<typeof ImportResult>;
