/** @module POST /v1/search: the k stored items nearest to an image or a precomputed vector. */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { EmbedOptions, FeatureExtractor } from '../../core/extractor.ts';
import type { ModelManifest } from '../../core/model/manifest.ts';
import type { QueryResult, VectorStore } from '../../store/types.ts';
import { base64Image, decodeBase64Image, formFiles, readBody } from '../image-input.ts';
import type { Limits } from '../limits.ts';
import { clientVector, formFields, invalid, requireStore, searchParams, type SearchParams } from '../store-input.ts';
import { embedQuery, invalidFields, payloadTooLarge } from './embed.ts';

export const SEARCH_BODIES = [
  'image/jpeg, image/png, image/webp, image/gif, image/bmp (raw body; options in the query string)',
  'multipart/form-data (file field "image"; fields k, metric, namespace, filter)',
  'application/json ({"image": "<base64>"} or {"vector": [...], "model": {"id", "version"}}, with k, metric, namespace, filter)',
] as const;

const OPTION_NAMES = ['k', 'metric', 'namespace', 'filter'] as const;

export interface StoreRouteOptions {
  readonly model: ModelManifest;
  readonly store?: VectorStore | undefined;
  readonly extractor: () => Promise<FeatureExtractor>;
  readonly limits: Limits;
}

/** Embedding options (`resize`, `orientation`) from the query string, as /v1/embed takes them. */
export function embedOptionsOf(c: Context): EmbedOptions {
  const parsed = embedQuery.safeParse(c.req.query());
  invalidFields(parsed);
  const query = parsed.data!;
  return { ...(query.resize && { resample: query.resize }), ...(query.orientation && { orientation: query.orientation }) };
}

/** The answer of search and similar: best first, with the model that made the vectors. */
export function searchAnswer(c: Context, result: QueryResult, params: SearchParams, model: ModelManifest, extra: Record<string, unknown> = {}) {
  if (result.stats) {
    c.header('x-store-operations', String(result.stats.operations));
    c.header('x-store-scanned', String(result.stats.scanned));
    c.header('x-store-fetched', String(result.stats.fetched));
  }
  return c.json({
    ...extra,
    results: result.matches.map((m) => ({ id: m.id, score: m.score, metadata: m.metadata ?? {} })),
    model: { id: model.id, version: model.version, dims: model.dims },
    metric: params.metric,
    namespace: params.namespace,
    k: params.k,
  });
}

export function searchRoutes(options: StoreRouteOptions) {
  const { limits, model } = options;
  return new Hono().post(
    '/',
    bodyLimit({ maxSize: limits.maxBodyBytes, onError: () => payloadTooLarge(limits.maxBodyBytes) }),
    async function search(c) {
      const store = requireStore(options.store);
      const embedOptions = embedOptionsOf(c);
      const query = c.req.query();
      const raw: Record<string, unknown> = Object.fromEntries(OPTION_NAMES.filter((n) => query[n] !== undefined).map((n) => [n, query[n]]));
      let image: Uint8Array | undefined;
      let vector: Float32Array | undefined;
      const body = await readBody(c, SEARCH_BODIES);
      if (body.kind === 'bytes') image = body.bytes;
      if (body.kind === 'form') {
        [image] = await formFiles(body.form, 'image', 1, SEARCH_BODIES);
        Object.assign(raw, formFields(body.form, OPTION_NAMES));
      }
      if (body.kind === 'json') {
        const value = body.value;
        if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid('body', 'must be a JSON object', { accepted: SEARCH_BODIES });
        const json = value as Record<string, unknown>;
        for (const name of OPTION_NAMES) if (json[name] !== undefined) raw[name] = json[name];
        if ((json.image === undefined) === (json.vector === undefined)) {
          invalid('body', 'give exactly one of "image" (base64) or "vector" (with "model")', { accepted: SEARCH_BODIES });
        }
        if (json.image !== undefined) {
          const parsed = base64Image.safeParse(json.image);
          if (!parsed.success) invalid('image', parsed.error.issues[0]!.message);
          image = decodeBase64Image(parsed.data);
        } else {
          vector = clientVector(json.vector, json.model, model);
        }
      }
      const params = searchParams(raw, store.capabilities, false);
      if (image) vector = await (await options.extractor()).embed(image, embedOptions);
      const result = await store.query(vector!, { topK: params.k, metric: params.metric, namespace: params.namespace, filter: params.filter });
      return searchAnswer(c, result, params, model);
    },
  );
}
