/** @module The HTTP API as a plain Hono app: no Cloudflare bindings below this line. */
import { Hono } from 'hono';
import type { FeatureExtractor } from '../core/extractor.ts';
import type { ModelManifest } from '../core/model/manifest.ts';
import type { VectorStore } from '../store/types.ts';
import type { EmbedCache } from './embed-cache.ts';
import { handleError, notFound } from './errors.ts';
import { createInferenceGate, DEFAULT_INFERENCE_GATE, gatedExtractor, type InferenceGateOptions } from './inference-gate.ts';
import type { Limits } from './limits.ts';
import { apiKeyAuth, ApiKeys } from './middleware/api-key-auth/index.ts';
import { corsFor } from './middleware/cors/index.ts';
import { rateLimit, type RateLimitOptions } from './middleware/rate-limit/index.ts';
import { secureHeaders } from './middleware/secure-headers/index.ts';
import { compareRoutes } from './routes/compare.ts';
import { embedRoutes } from './routes/embed.ts';
import { itemRoutes } from './routes/items.ts';
import { healthRoutes, modelRoutes } from './routes/meta.ts';
import { searchRoutes } from './routes/search.ts';
import { staticRoutes, type AssetFetcher } from './routes/static.ts';
import { thumbnailRoutes } from './routes/thumbnails.ts';
import type { ThumbnailStore } from '../thumbnails/types.ts';

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
}

export type ReadAuth = 'open' | 'required';

export interface AuthOptions {
  readonly keys: ApiKeys;
  /** `open`: reads (embed, search, compare, GET items and thumbnails) need no key; `required`: the `read` scope. */
  readonly readAuth: ReadAuth;
}

/**
 * What a request needs: `public` (health, models, static files), `read` or `write`. Everything under
 * /v1 that is not listed as public or a read is a write, so a new route is protected until it is classified.
 */
export type Access = 'public' | 'read' | 'write';

const READ_METHODS = new Set(['GET', 'HEAD']);
/** POST routes that compute without storing anything. */
const READ_POSTS = new Set(['/v1/embed', '/v1/search', '/v1/compare']);

function under(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

export function accessOf(method: string, path: string): Access {
  // OPTIONS reaches no route: CORS answers preflights before this, anything else is a 404.
  if (!under(path, '/v1') || method === 'OPTIONS') return 'public';
  if (under(path, '/v1/models') && READ_METHODS.has(method)) return 'public';
  if (READ_METHODS.has(method)) return 'read';
  if (method === 'POST' && READ_POSTS.has(path)) return 'read';
  return 'write';
}

/** Thumbnail reads are plain image loads (the demo's <img> tags): counted by no rate limit. */
function rateLimited(method: string, path: string, access: Access): boolean {
  return access !== 'public' && !(READ_METHODS.has(method) && under(path, '/v1/thumbnails'));
}

export function createApp(options: AppOptions): Hono {
  const { keys, readAuth } = options.auth ?? { keys: ApiKeys.none(), readAuth: 'open' };
  const requireWrite = apiKeyAuth({ keys, scope: 'write' });
  const requireRead = apiKeyAuth({ keys, scope: 'read', optional: readAuth === 'open' });
  const limit = rateLimit(options.rateLimit ?? { retryAfterSeconds: 60 });
  const gate = createInferenceGate(options.inference ?? DEFAULT_INFERENCE_GATE);
  // Every route embeds through the gate: decoding and inference are bounded per isolate.
  const routeOptions = { ...options, extractor: gatedExtractor(options.extractor, gate) };

  const app = new Hono().use(secureHeaders());
  if (options.corsOrigins?.length) app.use('/v1/*', corsFor(options.corsOrigins)).use('/healthz', corsFor(options.corsOrigins));
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

  return app
    .route('/healthz', healthRoutes({ serving: options.model, stats: options.stats }))
    .route('/v1/models', modelRoutes({ serving: options.model, available: options.models }))
    .route('/v1/embed', embedRoutes(routeOptions))
    .route('/v1/items', itemRoutes(routeOptions))
    .route('/v1/search', searchRoutes(routeOptions))
    .route('/v1/compare', compareRoutes(routeOptions))
    .route('/v1/thumbnails', thumbnailRoutes(routeOptions))
    .route('/', staticRoutes(options))
    .notFound(notFound)
    .onError(handleError);
}
