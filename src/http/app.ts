/** @module The HTTP API as a plain Hono app (OpenAPIHono): no Cloudflare bindings below this line. */
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Hono } from 'hono';
import type { BlankEnv } from 'hono/types';
import packageJson from '../../package.json' with { type: 'json' };
import { DEFAULT_ANALYTICS_MAX_ITEMS, RATE_LIMIT_PERIOD_SECONDS } from '../config/defaults.ts';
import type { FeatureExtractor } from '../core/extractor.ts';
import type { ModelManifest } from '../core/model/manifest.ts';
import type { EmbedCache } from '../services/embed-cache.ts';
import { createEmbedder } from '../services/embedder.ts';
import { createIndexer, type IndexMirror } from '../services/indexer.ts';
import type { InferenceGateOptions } from '../services/inference-gate.ts';
import { createSearcher } from '../services/searcher.ts';
import type { ResourceStore } from '../store/resources.ts';
import type { VectorStore } from '../store/types.ts';
import type { ThumbnailStore } from '../thumbnails/types.ts';
import type { OriginalsKeeper } from '../services/jobs/originals.ts';
import type { JobService } from '../services/jobs/service.ts';
import { accessOf, rateLimited } from './access.ts';
import { handleError, notFound } from './errors.ts';
import type { Limits } from './limits.ts';
import { apiKeyAuth, ApiKeys } from './middleware/api-key-auth/index.ts';
import { corsFor } from './middleware/cors/index.ts';
import { rateLimit, type RateLimitOptions } from './middleware/rate-limit/index.ts';
import { secureHeaders } from './middleware/secure-headers/index.ts';
import { routeApp } from './openapi/app.ts';
import { jsonContent } from './openapi/media.ts';
import { API_KEY_SCHEME, defineRoute } from './openapi/route.ts';
import { classifierRoutes } from './routes/classifiers.ts';
import { classifyRoutes } from './routes/classify.ts';
import { clusteringRoutes } from './routes/clusterings.ts';
import { compareRoutes } from './routes/compare.ts';
import { duplicateRoutes } from './routes/duplicates.ts';
import { recommendRoutes } from './routes/recommend.ts';
import { embedRoutes } from './routes/embed.ts';
import { itemRoutes } from './routes/items.ts';
import { jobRoutes } from './routes/jobs.ts';
import { metaRoutes } from './routes/meta.ts';
import { searchRoutes } from './routes/search.ts';
import { staticRoutes, type AssetFetcher } from './routes/static.ts';
import { thumbnailRoutes } from './routes/thumbnails.ts';
import { transferRoutes } from './routes/transfer.ts';
import type { AppServices } from './services.ts';

export { accessOf, type Access } from './access.ts';

export interface AppOptions {
  /** The model this deployment serves. */
  readonly model: ModelManifest;
  /** Every model this build knows (for `GET /v1/models`). */
  readonly models: readonly ModelManifest[];
  /** Resolves the extractor, loading the model on first use. */
  readonly extractor: () => Promise<FeatureExtractor>;
  readonly limits: Limits;
  /** Runtime figures for /healthz (memory); the runtime decides what it can tell. */
  readonly stats?: () => Record<string, number>;
  /** Where items live (KV, Vectorize, memory); without one the item and search routes answer 503. */
  readonly store?: VectorStore;
  /** Trained classifiers and clusterings (KV, beside the items); without one the routes that keep them answer 501. */
  readonly resources?: ResourceStore | undefined;
  /** Most items a namespace-wide analytics request loads (ANALYTICS_MAX_ITEMS); default DEFAULT_ANALYTICS_MAX_ITEMS. */
  readonly analyticsMaxItems?: number | undefined;
  /** Item previews (R2); without one PUT /v1/thumbnails answers 503. */
  readonly thumbnails?: ThumbnailStore | undefined;
  /** Static files (demo, browser library, runtime files) for GETs the API does not answer. */
  readonly assets?: AssetFetcher | undefined;
  /** Vectors of images embedded before, by content (see embed-cache.ts); without one every embed runs the model. */
  readonly embedCache?: EmbedCache | undefined;
  /**
   * API keys, and whether reads need one (`readAuth: 'required'`) or not (`'open'`). Without this option
   * the app has no keys: it refuses every write and leaves reads open (fail closed).
   */
  readonly auth?: AuthOptions | undefined;
  /** Origins whose pages may call the API (CORS); without any, no cross-origin access. */
  readonly corsOrigins?: readonly string[] | undefined;
  /** Rate limits per key and per anonymous client; without limiters, none. */
  readonly rateLimit?: RateLimitOptions | undefined;
  /** How many embeds run and wait at once per app (isolate); defaults to DEFAULT_INFERENCE_GATE. */
  readonly inference?: InferenceGateOptions | undefined;
  /** Jobs over the ingest queue (src/services/jobs); without them the job routes answer 503. */
  readonly jobs?: JobService | undefined;
  /** Keeps each embedded image by content (KEEP_ORIGINALS); without it none is kept. */
  readonly originals?: OriginalsKeeper | undefined;
  /** Repeats the item writes elsewhere (a model migration: src/services/jobs/model-switch.ts). */
  readonly mirror?: IndexMirror | undefined;
}

export type ReadAuth = 'open' | 'required';

export interface AuthOptions {
  readonly keys: ApiKeys;
  /** `open`: reads (embed, search, compare, GET items and thumbnails) need no key; `required`: the `read` scope. */
  readonly readAuth: ReadAuth;
}

/** Where the OpenAPI document is served (public, like /healthz). */
export const OPENAPI_PATH = '/openapi.json';

const openApiDocument = defineRoute(
  {
    method: 'get',
    path: OPENAPI_PATH,
    tags: ['meta'],
    summary: 'This document: OpenAPI 3.1, generated from the schemas the routes are declared with',
    responses: { 200: { description: 'The OpenAPI document.', content: jsonContent(z.record(z.string(), z.unknown())) } },
  },
  [],
);

/** The services every route uses, built once per app (the Worker's queue consumer shares them). */
export function servicesOf(options: AppOptions): AppServices {
  const embedder = createEmbedder({ extractor: options.extractor, cache: options.embedCache, inference: options.inference });
  const { store, model, limits } = options;
  const items = store && {
    store,
    indexer: createIndexer({
      store,
      embedder,
      model,
      maxImages: limits.maxBatch,
      originals: options.originals,
      mirror: options.mirror,
      thumbnails: options.thumbnails,
    }),
    searcher: createSearcher({ store, embedder, model }),
  };
  const analytics = store && {
    store,
    embedder,
    model,
    resources: options.resources,
    maxItems: options.analyticsMaxItems ?? DEFAULT_ANALYTICS_MAX_ITEMS,
  };
  return { model, limits, embedder, items, resources: options.resources, thumbnails: options.thumbnails, analytics, jobs: options.jobs };
}

export function createApp(options: AppOptions, services: AppServices = servicesOf(options)): Hono {
  const { keys, readAuth } = options.auth ?? { keys: ApiKeys.none(), readAuth: 'open' };
  const requireWrite = apiKeyAuth({ keys, scope: 'write' });
  const requireRead = apiKeyAuth({ keys, scope: 'read', optional: readAuth === 'open' });
  const limit = rateLimit(options.rateLimit ?? { retryAfterSeconds: RATE_LIMIT_PERIOD_SECONDS });

  const app = routeApp();
  app.openAPIRegistry.registerComponent('securitySchemes', API_KEY_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    description: 'Authorization: Bearer <key>. Writes need the write scope; reads need the read scope where READ_AUTH is "required".',
  });
  app.use(secureHeaders());
  // The API, its health and its description (an API tool on an allowed origin reads /openapi.json too).
  if (options.corsOrigins?.length) {
    const cors = corsFor(options.corsOrigins);
    app.use('/v1/*', cors).use('/healthz', cors).use(OPENAPI_PATH, cors);
  }
  // Before any route reads a body: who is asking, may they, and have they asked too often.
  app.use('/v1/*', async function guard(c, next) {
    const { method, path } = c.req;
    const access = accessOf(method, path);
    if (access === 'public') return next();
    const counted = async () => {
      if (rateLimited(method, path, access)) await limit(c, next);
      else await next();
    };
    await (access === 'write' ? requireWrite : requireRead)(c, counted);
  });

  app
    .route('/', metaRoutes({ serving: options.model, available: options.models, stats: options.stats }))
    .route('/', embedRoutes(services))
    .route('/', itemRoutes(services))
    .route('/', transferRoutes(services))
    .route('/', searchRoutes(services))
    .route('/', compareRoutes(services))
    .route('/', thumbnailRoutes(services))
    .route('/', classifyRoutes(services))
    .route('/', classifierRoutes(services))
    .route('/', clusteringRoutes(services))
    .route('/', duplicateRoutes(services))
    .route('/', recommendRoutes(services))
    .route('/', jobRoutes(services));
  let document: ReturnType<typeof openApiDocumentOf> | undefined;
  app.openapi(openApiDocument, (c) => c.json((document ??= openApiDocumentOf(app)), 200));
  return app.route('/', staticRoutes(options)).notFound(notFound).onError(handleError);
}

/** The OpenAPI 3.1 document of an app's routes (static files are not part of the API). */
export function openApiDocumentOf(app: OpenAPIHono<BlankEnv>) {
  const document = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'edge-features',
      version: packageJson.version,
      description: 'Image feature vectors at the edge: embed, store, search and compare images. Failures are RFC 9457 problem+json.',
    },
    tags: [
      { name: 'embed', description: 'Images in, vectors out' },
      { name: 'items', description: 'Stored vectors with metadata' },
      { name: 'search', description: 'Nearest neighbours' },
      { name: 'thumbnails', description: 'Previews of items' },
      { name: 'analytics', description: 'Classify, cluster, find duplicates and recommend over stored items' },
      { name: 'jobs', description: 'Bulk ingestion and re-indexing through the ingest queue' },
      { name: 'models', description: 'The models this build knows' },
      { name: 'meta', description: 'Health and this document' },
    ],
  });
  // Every body is required. Declared so, the validators would also parse a raw image as JSON (they check
  // `required` bodies whatever their content type), so the routes leave it out and the document says it here.
  for (const operations of Object.values(document.paths ?? {})) {
    for (const method of ['post', 'put'] as const) {
      const body = operations[method]?.requestBody;
      if (body && 'content' in body) body.required = true;
    }
  }
  return document;
}
