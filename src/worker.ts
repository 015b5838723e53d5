/**
 * @module The Cloudflare Worker: the only file that reads bindings. It builds the app from them
 * once per isolate and keeps the model session for the isolate's lifetime.
 */
import { createExtractor, type FeatureExtractor } from './core/extractor.ts';
import { createApp, type ReadAuth } from './http/app.ts';
import { createEmbedCache, DEFAULT_EMBED_CACHE_MAX_BYTES, EMBED_CACHE_NAME, type EmbedCache } from './http/embed-cache.ts';
import { DEFAULT_INFERENCE_GATE, type InferenceGateOptions } from './http/inference-gate.ts';
import { DEFAULT_LIMITS, type Limits } from './http/limits.ts';
import { ApiKeys } from './http/middleware/api-key-auth/index.ts';
import { parseCorsOrigins } from './http/middleware/cors/index.ts';
import { env as startupEnv } from 'cloudflare:workers';
import { chooseModel, MODELS } from './models.ts';
import { createWorkerdSession, runtimeStats } from './runtime/workerd.ts';
import type { ModelManifest } from './core/model/manifest.ts';
import { isMetric } from './store/rank.ts';
import { KvStore } from './store/kv.ts';
import type { VectorStore } from './store/types.ts';
import { VectorizeStore } from './store/vectorize.ts';
import { r2Thumbnails } from './thumbnails/r2.ts';
import type { Hono } from 'hono';

export interface Env {
  /** Static assets: the model files live under /models/<id>/. */
  readonly ASSETS: Fetcher;
  readonly MODEL_ID?: string;
  readonly MAX_BODY_BYTES?: string;
  readonly MAX_PIXELS?: string;
  readonly MAX_BATCH?: string;
  /** Items (vectors + metadata): the default store. */
  readonly ITEMS?: KVNamespace;
  /** A Vectorize index, used when VECTOR_STORE = "vectorize" (no local simulation exists). */
  readonly VECTORIZE?: Vectorize;
  /** "kv" (default) or "vectorize". */
  readonly VECTOR_STORE?: string;
  /** The metric the Vectorize index was created with: cosine (default), euclidean or dot. */
  readonly VECTORIZE_METRIC?: string;
  /** Item thumbnails (small previews uploaded by clients such as the demo). */
  readonly THUMBNAILS?: R2Bucket;
  /** Largest image whose vector the embedding cache keeps (default 8 MiB); "0" turns the cache off. */
  readonly EMBED_CACHE_MAX_BYTES?: string;
  /** Secret: API keys, `name:scope+scope:key` separated by commas (see middleware/api-key-auth). None = no writes. */
  readonly API_KEYS?: string;
  /** "open" (default): reads need no key; "required": reads need a key with the read scope. */
  readonly READ_AUTH?: string;
  /** Origins allowed to call the API from a browser (CORS), comma-separated, or "*"; blank = none. */
  readonly CORS_ORIGINS?: string;
  /** Rate Limiting bindings: requests per API key, and anonymous requests per client IP. */
  readonly RATE_LIMIT_KEY?: RateLimit;
  readonly RATE_LIMIT_IP?: RateLimit;
  /** Embeds running at once per isolate (default 1), and waiting before 503 (default 32). */
  readonly INFERENCE_CONCURRENCY?: string;
  readonly INFERENCE_QUEUE?: string;
}

/** The period of the [[ratelimits]] in wrangler.toml: what a 429 tells the client to wait at most. */
const RATE_LIMIT_PERIOD_SECONDS = 60;

function readAuthFrom(env: Env): ReadAuth {
  const value = env.READ_AUTH || 'open';
  if (value !== 'open' && value !== 'required') throw new Error(`READ_AUTH must be "open" or "required", got "${value}"`);
  return value;
}

function inferenceFrom(env: Env): InferenceGateOptions {
  return {
    ...DEFAULT_INFERENCE_GATE,
    concurrency: positiveInt('INFERENCE_CONCURRENCY', env.INFERENCE_CONCURRENCY, DEFAULT_INFERENCE_GATE.concurrency),
    maxQueue: positiveInt('INFERENCE_QUEUE', env.INFERENCE_QUEUE, DEFAULT_INFERENCE_GATE.maxQueue),
  };
}

/** The content-addressed embedding cache over the Workers Cache API, unless EMBED_CACHE_MAX_BYTES is "0". */
function embedCacheFrom(env: Env, model: ModelManifest): EmbedCache | undefined {
  const value = env.EMBED_CACHE_MAX_BYTES;
  const maxBytes = value === '0' ? 0 : positiveInt('EMBED_CACHE_MAX_BYTES', value, DEFAULT_EMBED_CACHE_MAX_BYTES);
  return maxBytes === 0 ? undefined : createEmbedCache({ model, maxBytes, open: () => caches.open(EMBED_CACHE_NAME) });
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return n;
}

function limitsFrom(env: Env): Limits {
  return {
    maxBodyBytes: positiveInt('MAX_BODY_BYTES', env.MAX_BODY_BYTES, DEFAULT_LIMITS.maxBodyBytes),
    maxPixels: positiveInt('MAX_PIXELS', env.MAX_PIXELS, DEFAULT_LIMITS.maxPixels),
    maxBatch: positiveInt('MAX_BATCH', env.MAX_BATCH, DEFAULT_LIMITS.maxBatch),
  };
}

function assetSource(assets: Fetcher, modelId: string) {
  return async (path: string): Promise<Uint8Array<ArrayBuffer>> => {
    const response = await assets.fetch(`https://assets.local/models/${modelId}/${path}`);
    if (!response.ok) throw new Error(`static asset /models/${modelId}/${path} answered ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };
}

/** The store the bindings name: KV by default, Vectorize when VECTOR_STORE says so; none without bindings. */
function storeFrom(env: Env, model: ModelManifest): VectorStore | undefined {
  const kind = env.VECTOR_STORE || 'kv';
  const storeModel = { id: model.id, version: model.version, dims: model.dims };
  if (kind === 'vectorize') {
    if (!env.VECTORIZE) throw new Error('VECTOR_STORE is "vectorize" but no VECTORIZE binding is configured');
    const metric = env.VECTORIZE_METRIC || 'cosine';
    if (!isMetric(metric)) throw new Error(`VECTORIZE_METRIC must be cosine, euclidean or dot, got "${metric}"`);
    return new VectorizeStore(env.VECTORIZE, storeModel, { metric });
  }
  if (kind !== 'kv') throw new Error(`VECTOR_STORE must be "kv" or "vectorize", got "${kind}"`);
  return env.ITEMS ? new KvStore(env.ITEMS, storeModel) : undefined;
}

/** Builds the app from the bindings (exported so tests can build one over other bindings, e.g. a Vectorize fake). */
export function buildApp(env: Env): Hono {
  const { model, reason } = chooseModel(env.MODEL_ID);
  const limits = limitsFrom(env);
  console.log(
    `edge-features: serving model ${model.id}@${model.version} (${model.weights} weights, ${model.quantization}, ` +
      `${model.dims}-d) because ${reason}`,
  );

  // One session per isolate, created on first use; a failed load is retried by the next request.
  let extractor: Promise<FeatureExtractor> | undefined;
  const getExtractor = () =>
    (extractor ??= createWorkerdSession(model, assetSource(env.ASSETS, model.id)).then(
      (session) => createExtractor(session, { maxPixels: limits.maxPixels }),
      (error: unknown) => {
        extractor = undefined;
        throw error;
      },
    ));
  const store = storeFrom(env, model);
  const keys = ApiKeys.parse(env.API_KEYS);
  const readAuth = readAuthFrom(env);
  const corsOrigins = parseCorsOrigins(env.CORS_ORIGINS);
  // Names and counts only: a key never reaches a log.
  console.log(
    `edge-features: ${keys.size} API key(s)${keys.size ? ` (${keys.identities.map((k) => `${k.name}: ${k.scopes.join('+')}`).join(', ')})` : ', so writes are refused'}; ` +
      `reads ${readAuth === 'open' ? 'open' : 'need the read scope'}; CORS origins: ${corsOrigins.join(', ') || 'none'}; ` +
      `rate limits: ${env.RATE_LIMIT_KEY ? 'per key' : 'no per-key binding'}, ${env.RATE_LIMIT_IP ? 'per anonymous IP' : 'no per-IP binding'}`,
  );
  return createApp({ model, models: MODELS, extractor: getExtractor, limits, stats: () => ({ ...runtimeStats() }), store,
    thumbnails: env.THUMBNAILS && r2Thumbnails(env.THUMBNAILS), assets: (request) => env.ASSETS.fetch(request),
    embedCache: embedCacheFrom(env, model),
    auth: { keys, readAuth },
    corsOrigins,
    rateLimit: { perKey: env.RATE_LIMIT_KEY, perClient: env.RATE_LIMIT_IP, retryAfterSeconds: RATE_LIMIT_PERIOD_SECONDS },
    inference: inferenceFrom(env) });
}

// Built at start-up (cheap: the model loads on first use) so that the serving model is said at once and a
// bad configuration fails the deployment instead of a request.
const app = buildApp(startupEnv as unknown as Env);

export default {
  fetch(request, env, ctx) {
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
