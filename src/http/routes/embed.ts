/** @module POST /v1/embed: one image (or a batch) in, feature vectors out. */
import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { FeatureExtractor } from '../../core/extractor.ts';
import type { ModelManifest } from '../../core/model/manifest.ts';
import { EMBED_CACHE_HEADER, type EmbedCache } from '../embed-cache.ts';
import { readImages } from '../image-input.ts';
import type { Limits } from '../limits.ts';
import { modelInfo } from '../model-info.ts';
import { problem, problemResponse } from '../problem.ts';

export const embedQuery = z.object({
  resize: z.enum(['nearest', 'bilinear']).optional(),
  orientation: z.enum(['apply', 'ignore']).optional(),
});

/** Turns zod failures of a query or body into a 422 problem naming each bad field. */
export const invalidFields = (result: {
  success: boolean;
  error?: { issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }> };
}) => {
  if (!result.success && result.error) {
    throw problem(422, {
      kind: 'invalid-field',
      title: 'Invalid request fields',
      detail: result.error.issues.map((issue) => `${issue.path.map(String).join('.')}: ${issue.message}`).join('; '),
    });
  }
};

export function payloadTooLarge(limit: number): Response {
  return problemResponse(413, {
    kind: 'body-too-large',
    title: 'Request body too large',
    detail: `The request body is over ${limit} bytes.`,
    limit,
  });
}

/** Little-endian float32, back to back: what `Accept: application/octet-stream` gets. */
function vectorsAsBytes(vectors: Float32Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(vectors.reduce((n, v) => n + v.byteLength, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const vector of vectors) {
    for (const value of vector) {
      view.setFloat32(offset, value, true);
      offset += 4;
    }
  }
  return out;
}

export function embedRoutes(options: {
  extractor: () => Promise<FeatureExtractor>;
  limits: Limits;
  /** Vectors of images seen before (single images only); without one every request runs the model. */
  embedCache?: EmbedCache | undefined;
}) {
  const { limits } = options;
  return new Hono().post(
    '/',
    bodyLimit({ maxSize: limits.maxBodyBytes, onError: () => payloadTooLarge(limits.maxBodyBytes) }),
    zValidator('query', embedQuery, invalidFields),
    async function embed(c) {
      const query = c.req.valid('query');
      const { images, batch } = await readImages(c, { field: 'image', maxBatch: limits.maxBatch });
      const embedOptions = {
        ...(query.resize && { resample: query.resize }),
        ...(query.orientation && { orientation: query.orientation }),
      };
      const cached = await options.embedCache?.lookup({ images, options: embedOptions, cacheControl: c.req.header('cache-control') });
      let manifest: ModelManifest;
      const vectors: Float32Array[] = [];
      if (cached?.status === 'hit') {
        manifest = cached.model;
        vectors.push(cached.vector);
      } else {
        const extractor = await options.extractor();
        for (const image of images) vectors.push(await extractor.embed(image, embedOptions));
        manifest = extractor.manifest;
        if (cached?.status === 'miss') await cached.store(vectors[0]!, manifest);
      }
      if (cached) c.header(EMBED_CACHE_HEADER, cached.status);

      if ((c.req.header('accept') ?? '').includes('application/octet-stream')) {
        return c.body(vectorsAsBytes(vectors), 200, {
          'content-type': 'application/octet-stream',
          'x-model-id': manifest.id,
          'x-model-version': manifest.version,
          'x-vector-dims': String(manifest.dims),
          'x-vector-count': String(vectors.length),
        });
      }
      const model = modelInfo(manifest);
      return batch
        ? c.json({ model, dims: manifest.dims, vectors: vectors.map((v) => Array.from(v)) })
        : c.json({ model, dims: manifest.dims, vector: Array.from(vectors[0]!) });
    },
  );
}
