/**
 * @module The Cloudflare Worker: the only file that reads bindings. It builds the app from them
 * once per isolate and keeps the model session for the isolate's lifetime.
 */
import { readConfig, type Config, type ConfigInput, type VariableName } from './config/index.ts';
import { RATE_LIMIT_PERIOD_SECONDS } from './config/defaults.ts';
import { createExtractor, type FeatureExtractor } from './core/extractor.ts';
import { createApp } from './http/app.ts';
import { createEmbedCache, EMBED_CACHE_NAME, type EmbedCache } from './services/embed-cache.ts';
import { DEFAULT_INFERENCE_GATE } from './services/inference-gate.ts';
import type { Limits } from './http/limits.ts';
import { env as startupEnv } from 'cloudflare:workers';
import { MODELS } from './models.ts';
import { createWorkerdSession, runtimeStats } from './runtime/workerd.ts';
import type { ModelManifest } from './core/model/manifest.ts';
import { KvStore } from './store/kv.ts';
import { KvResourceStore, type ResourceStore } from './store/resources.ts';
import type { VectorStore } from './store/types.ts';
import { VectorizeStore } from './store/vectorize.ts';
import { r2Thumbnails } from './thumbnails/r2.ts';
import type { Hono } from 'hono';

/**
 * What the Worker reads: the bindings `wrangler types` generates from wrangler.toml (worker-configuration.d.ts,
 * `npm run types:env`), each optional but the assets, and the variables of the configuration schema
 * (src/config/schema.ts), each optional. VECTORIZE is commented out in wrangler.toml, so it is declared here.
 */
export type Env = Partial<Omit<Cloudflare.Env, VariableName>> &
  Pick<Cloudflare.Env, 'ASSETS'> & { readonly VECTORIZE?: Vectorize } & ConfigInput;

/** The content-addressed embedding cache over the Workers Cache API, unless EMBED_CACHE_MAX_BYTES is 0. */
function embedCacheFrom(maxBytes: number, model: ModelManifest): EmbedCache | undefined {
  return maxBytes === 0 ? undefined : createEmbedCache({ model, maxBytes, open: () => caches.open(EMBED_CACHE_NAME) });
}

function assetSource(assets: Fetcher, modelId: string) {
  return async (path: string): Promise<Uint8Array<ArrayBuffer>> => {
    const response = await assets.fetch(`https://assets.local/models/${modelId}/${path}`);
    if (!response.ok) throw new Error(`static asset /models/${modelId}/${path} answered ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };
}

/** The store the bindings name: KV by default, Vectorize when VECTOR_STORE says so; none without bindings. */
function storeFrom(env: Env, config: Config, model: ModelManifest): VectorStore | undefined {
  const storeModel = { id: model.id, version: model.version, dims: model.dims };
  if (config.VECTOR_STORE === 'vectorize') {
    if (!env.VECTORIZE) throw new Error('VECTOR_STORE is "vectorize" but no VECTORIZE binding is configured');
    return new VectorizeStore(env.VECTORIZE, storeModel, { metric: config.VECTORIZE_METRIC });
  }
  return env.ITEMS ? new KvStore(env.ITEMS, storeModel) : undefined;
}

/** Trained classifiers and clusterings, in the ITEMS namespace beside the items (keys scoped to the model). */
function resourcesFrom(env: Env, model: ModelManifest): ResourceStore | undefined {
  return env.ITEMS ? new KvResourceStore(env.ITEMS, { id: model.id, version: model.version }) : undefined;
}

/** Builds the app from the bindings (exported so tests can build one over other bindings, e.g. a Vectorize fake). */
export function buildApp(env: Env): Hono {
  const config = readConfig(env);
  const { model, reason } = config.MODEL_ID;
  const limits: Limits = {
    maxBodyBytes: config.MAX_BODY_BYTES,
    maxPixels: config.MAX_PIXELS,
    maxBatch: config.MAX_BATCH,
    importMaxBytes: config.IMPORT_MAX_BYTES,
    importMaxItems: config.IMPORT_MAX_ITEMS,
  };
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
  const store = storeFrom(env, config, model);
  const { API_KEYS: keys, READ_AUTH: readAuth, CORS_ORIGINS: corsOrigins } = config;
  // Names and counts only: a key never reaches a log.
  console.log(
    `edge-features: ${keys.size} API key(s)${keys.size ? ` (${keys.identities.map((k) => `${k.name}: ${k.scopes.join('+')}`).join(', ')})` : ', so writes are refused'}; ` +
      `reads ${readAuth === 'open' ? 'open' : 'need the read scope'}; CORS origins: ${corsOrigins.join(', ') || 'none'}; ` +
      `rate limits: ${env.RATE_LIMIT_KEY ? 'per key' : 'no per-key binding'}, ${env.RATE_LIMIT_IP ? 'per anonymous IP' : 'no per-IP binding'}`,
  );
  return createApp({
    model,
    models: MODELS,
    extractor: getExtractor,
    limits,
    stats: () => ({ ...runtimeStats() }),
    store,
    resources: resourcesFrom(env, model),
    analyticsMaxItems: config.ANALYTICS_MAX_ITEMS,
    thumbnails: env.THUMBNAILS && r2Thumbnails(env.THUMBNAILS),
    assets: (request) => env.ASSETS.fetch(request),
    embedCache: embedCacheFrom(config.EMBED_CACHE_MAX_BYTES, model),
    auth: { keys, readAuth },
    corsOrigins,
    rateLimit: { perKey: env.RATE_LIMIT_KEY, perClient: env.RATE_LIMIT_IP, retryAfterSeconds: RATE_LIMIT_PERIOD_SECONDS },
    inference: { ...DEFAULT_INFERENCE_GATE, concurrency: config.INFERENCE_CONCURRENCY, maxQueue: config.INFERENCE_QUEUE },
  });
}

// Built at start-up (cheap: the model loads on first use) so that the serving model is said at once and a
// bad configuration (src/config) fails the deployment instead of a request.
const app = buildApp(startupEnv);

export default {
  fetch(request, env, ctx) {
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
