/** @module POST /v1/compare: how alike two images are (cosine similarity and euclidean distance). */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { FeatureExtractor } from '../../core/extractor.ts';
import { cosine, euclidean } from '../../core/vector/metrics.ts';
import { base64Image, decodeBase64Image, formFiles, readBody } from '../image-input.ts';
import type { Limits } from '../limits.ts';
import { problem } from '../problem.ts';
import { invalid } from '../store-input.ts';
import { payloadTooLarge } from './embed.ts';
import { embedOptionsOf } from './search.ts';

export const COMPARE_BODIES = [
  'multipart/form-data (file fields "a" and "b")',
  'application/json ({"a": "<base64>", "b": "<base64>"})',
] as const;

export function compareRoutes(options: { extractor: () => Promise<FeatureExtractor>; limits: Limits }) {
  const { limits } = options;
  return new Hono().post(
    '/',
    bodyLimit({ maxSize: limits.maxBodyBytes, onError: () => payloadTooLarge(limits.maxBodyBytes) }),
    async function compare(c) {
      const embedOptions = embedOptionsOf(c);
      const body = await readBody(c, COMPARE_BODIES);
      let pair: Uint8Array[];
      if (body.kind === 'form') {
        pair = [(await formFiles(body.form, 'a', 1, COMPARE_BODIES))[0]!, (await formFiles(body.form, 'b', 1, COMPARE_BODIES))[0]!];
      } else if (body.kind === 'json') {
        const json = (body.value ?? {}) as Record<string, unknown>;
        pair = (['a', 'b'] as const).map((field) => {
          const parsed = base64Image.safeParse(json[field]);
          if (!parsed.success) invalid(field, json[field] === undefined ? 'is missing (a base64 image)' : parsed.error.issues[0]!.message, { accepted: COMPARE_BODIES });
          return decodeBase64Image(parsed.data);
        });
      } else {
        throw problem(415, {
          kind: 'unsupported-media-type',
          title: 'Send two images',
          detail: 'POST /v1/compare takes two images: multipart fields "a" and "b", or JSON {"a", "b"} in base64.',
          accepted: COMPARE_BODIES,
        });
      }
      const extractor = await options.extractor();
      const a = await extractor.embed(pair[0]!, embedOptions);
      const b = await extractor.embed(pair[1]!, embedOptions);
      const { manifest } = extractor;
      return c.json({
        cosine: cosine(a, b),
        euclidean: euclidean(a, b),
        model: { id: manifest.id, version: manifest.version, dims: manifest.dims },
      });
    },
  );
}
