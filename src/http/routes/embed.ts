/** @module POST /v1/embed: one image (or a batch) in, feature vectors out. */
import type { Context } from 'hono';
import { decodeBase64 } from '../../core/util/base64.ts';
import { float32ListToBytes } from '../../core/util/float32-bytes.ts';
import { Binary } from '../../contract/common.ts';
import { EmbedForm, EmbedJson, EmbedQuery, EmbedResponse } from '../../contract/embed.ts';
import { modelInfo } from '../model-info.ts';
import { routeApp } from '../openapi/app.ts';
import { formContent, JSON_TYPE, jsonContent, MULTIPART, rawImageContent } from '../openapi/media.ts';
import { vectorBytesHeaders } from '../openapi/headers.ts';
import { BODY_PROBLEMS, EMBED_PROBLEMS, defineRoute } from '../openapi/route.ts';
import { bodyForm, fileBytes, parsedBody, rawBytes, readBody, withinBatch } from '../request/body.ts';
import { cacheHeader, embedRequest } from '../request/embedding.ts';
import type { AppServices } from '../services.ts';

const ACCEPTED = [...Object.keys(rawImageContent), MULTIPART, JSON_TYPE];

/** The request's images, and whether the client sent a list (the answer then carries `vectors`). */
async function imagesOf(c: Context, maxBatch: number): Promise<{ images: Uint8Array[]; batch: boolean }> {
  switch (bodyForm(c)) {
    case 'raw':
      return { images: [await rawBytes(c)], batch: false };
    case 'form': {
      const { image } = parsedBody(c, 'form', EmbedForm);
      const images = await fileBytes(withinBatch(Array.isArray(image) ? image : [image], maxBatch));
      return { images, batch: images.length > 1 };
    }
    case 'json': {
      const body = parsedBody(c, 'json', EmbedJson);
      const strings = body.image !== undefined ? [body.image] : withinBatch(body.images, maxBatch);
      return { images: strings.map(decodeBase64), batch: body.image === undefined };
    }
  }
}

export function embedRoutes(services: AppServices) {
  const { embedder, limits } = services;
  const embed = defineRoute(
    {
      method: 'post',
      path: '/v1/embed',
      tags: ['embed'],
      summary: 'Feature vectors of one image or a batch',
      description: 'A single image is answered from the embedding cache when it was embedded before (`X-Embed-Cache: hit`).',
      middleware: readBody({ maxBytes: limits.maxBodyBytes, accepted: ACCEPTED }),
      request: { query: EmbedQuery, body: { content: { ...rawImageContent, ...formContent(EmbedForm), ...jsonContent(EmbedJson) } } },
      responses: {
        200: {
          description:
            'The vector (`vector`), or one per image for a batch (`vectors`); `Accept: application/octet-stream` gets little-endian float32 bytes.',
          headers: vectorBytesHeaders,
          content: { ...jsonContent(EmbedResponse), 'application/octet-stream': { schema: Binary } },
        },
      },
    },
    [...BODY_PROBLEMS, 'invalid-field', 'batch-too-large', ...EMBED_PROBLEMS],
  );

  return routeApp().openapi(embed, async (c) => {
    const query = c.req.valid('query');
    const { images, batch } = await imagesOf(c, limits.maxBatch);
    const { vectors, model, cache } = await embedder.embed(images, embedRequest(c, query));
    cacheHeader(c, cache);
    if ((c.req.header('accept') ?? '').includes('application/octet-stream')) {
      return c.body(float32ListToBytes(vectors), 200, {
        'content-type': 'application/octet-stream',
        'x-model-id': model.id,
        'x-model-version': model.version,
        'x-vector-dims': String(model.dims),
        'x-vector-count': String(vectors.length),
      });
    }
    const info = modelInfo(model);
    return batch
      ? c.json({ model: info, dims: model.dims, vectors: vectors.map((v) => Array.from(v)) }, 200)
      : c.json({ model: info, dims: model.dims, vector: Array.from(vectors[0]!) }, 200);
  });
}
