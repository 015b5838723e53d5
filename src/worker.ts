/**
 * @module The Cloudflare Worker: the only file that reads bindings. It builds the app from them
 * once per isolate and keeps the model session for the isolate's lifetime.
 */
import { readConfig, type Config, type ConfigInput, type VariableName } from './config/index.ts';
import { MODEL_SWITCH_CHECK_MS, RATE_LIMIT_PERIOD_SECONDS } from './config/defaults.ts';
import { createExtractor, type FeatureExtractor } from './core/extractor.ts';
import { createApp, servicesOf, type AppOptions } from './http/app.ts';
import { createEmbedder } from './services/embedder.ts';
import { createIndexer, type Indexer } from './services/indexer.ts';
import { consumeDeadLetters, consumeIngest } from './services/jobs/consumer.ts';
import {
  cachedSwitch,
  kvModelSwitch,
  migrationMirror,
  servedModel,
  type ModelSwitch,
  type ServedModel,
} from './services/jobs/model-switch.ts';
import { originalsKeeper } from './services/jobs/originals.ts';
import { createJobService } from './services/jobs/service.ts';
import type { IngestQueueBody, JobDirectory, JobHandle, JobIndex } from './services/jobs/types.ts';
import { createEmbedCache, EMBED_CACHE_NAME, type EmbedCache } from './services/embed-cache.ts';
import { DEFAULT_INFERENCE_GATE } from './services/inference-gate.ts';
import type { Limits } from './http/limits.ts';
import { env as startupEnv } from 'cloudflare:workers';
import { findModel, MODELS } from './models.ts';
import { createWorkerdSession, runtimeStats } from './runtime/workerd.ts';
import type { ModelManifest } from './core/model/manifest.ts';
import { KvStore } from './store/kv.ts';
import { KvResourceStore, type ResourceStore } from './store/resources.ts';
import type { VectorStore } from './store/types.ts';
import { VectorizeStore } from './store/vectorize.ts';
import { r2Thumbnails } from './thumbnails/r2.ts';
import type { Hono } from 'hono';

import { JobIndexObject, JobObject } from './services/jobs/job-object.ts';

export { JobIndexObject, JobObject };

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

/** The job Durable Objects as the job service reaches them. */
function jobDirectory(jobs: DurableObjectNamespace<JobObject>, index: DurableObjectNamespace<JobIndexObject>): JobDirectory {
  return {
    job: (id) => jobs.get(jobs.idFromName(id)) as unknown as JobHandle,
    // A stub belongs to the request that made it: one per use.
    get index() {
      return index.get(index.idFromName('jobs')) as unknown as JobIndex;
    },
  };
}

/** What the Worker serves: the app, and the queue consumer over the same services. */
export interface Runtime {
  readonly app: Hono;
  queue(batch: MessageBatch<IngestQueueBody>): Promise<void>;
}

/** The served-model switch record of these bindings, read at most every MODEL_SWITCH_CHECK_MS per isolate. */
const switchReaders = new WeakMap<KVNamespace, () => Promise<ModelSwitch | null>>();
function switchReader(env: Env): () => Promise<ModelSwitch | null> {
  const kv = env.ITEMS;
  if (!kv) return async () => null;
  let reader = switchReaders.get(kv);
  if (!reader) switchReaders.set(kv, (reader = cachedSwitch(kvModelSwitch(kv), MODEL_SWITCH_CHECK_MS)));
  return reader;
}

/**
 * Builds the app and the queue consumer from the bindings (exported so tests can build one over other bindings,
 * e.g. a Vectorize fake). `served` names another model than MODEL_ID's, as a re-index job switched it.
 */
export function buildRuntime(env: Env, served?: ServedModel): Runtime {
  const config = readConfig(env);
  const configured = config.MODEL_ID.model;
  const switched = served && served.id !== configured.id ? findModel(served.id) : undefined;
  const model = switched ?? configured;
  const reason = switched ? served!.reason : config.MODEL_ID.reason;
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

  /** One session per isolate and model, created on first use; a failed load is retried by the next request. */
  function lazyExtractor(manifest: ModelManifest): () => Promise<FeatureExtractor> {
    let extractor: Promise<FeatureExtractor> | undefined;
    return () =>
      (extractor ??= createWorkerdSession(manifest, assetSource(env.ASSETS, manifest.id)).then(
        (session) => createExtractor(session, { maxPixels: limits.maxPixels }),
        (error: unknown) => {
          extractor = undefined;
          throw error;
        },
      ));
  }
  const store = storeFrom(env, config, model);
  const keeperFor = (storeModel: ModelManifest) =>
    config.KEEP_ORIGINALS && env.ORIGINALS ? originalsKeeper(env.ORIGINALS, storeModel) : undefined;
  /** The KV store of another model (a re-index builds or reads it); the serving store for the serving model. */
  const storeFor = (id: string): VectorStore | undefined => {
    if (id === model.id) return store;
    const other = MODELS.find((m) => m.id === id);
    return other && env.ITEMS ? new KvStore(env.ITEMS, { id: other.id, version: other.version, dims: other.dims }) : undefined;
  };
  const { API_KEYS: keys, READ_AUTH: readAuth, CORS_ORIGINS: corsOrigins } = config;
  // Names and counts only: a key never reaches a log.
  console.log(
    `edge-features: ${keys.size} API key(s)${keys.size ? ` (${keys.identities.map((k) => `${k.name}: ${k.scopes.join('+')}`).join(', ')})` : ', so writes are refused'}; ` +
      `reads ${readAuth === 'open' ? 'open' : 'need the read scope'}; CORS origins: ${corsOrigins.join(', ') || 'none'}; ` +
      `rate limits: ${env.RATE_LIMIT_KEY ? 'per key' : 'no per-key binding'}, ${env.RATE_LIMIT_IP ? 'per anonymous IP' : 'no per-IP binding'}`,
  );
  const jobs = env.JOBS && env.JOB_INDEX ? jobDirectory(env.JOBS, env.JOB_INDEX) : undefined;
  const options: AppOptions = {
    model,
    models: MODELS,
    extractor: lazyExtractor(model),
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
    originals: keeperFor(model),
    mirror:
      env.INGEST_QUEUE && keeperFor(model)
        ? migrationMirror({ configured: configured.id, served: model.id, read: switchReader(env), queue: env.INGEST_QUEUE, storeFor })
        : undefined,
    jobs:
      jobs && env.INGEST_QUEUE && store
        ? createJobService({
            jobs,
            queue: env.INGEST_QUEUE,
            originals: env.ORIGINALS,
            maxItems: config.JOB_MAX_ITEMS,
            servingModel: model.id,
            configuredModel: configured.id,
            modelSwitch: env.ITEMS && kvModelSwitch(env.ITEMS),
            storeFor,
            uploadEvents: config.ORIGINALS_EVENTS,
          })
        : undefined,
  };
  const services = servicesOf(options);
  const app = createApp(options, services);

  // Indexers of other models, for re-index jobs: their own session and inference gate, loaded on first use.
  const others = new Map<string, Indexer>();
  const indexerFor = (id: string | undefined): Indexer => {
    if (!services.items) throw new Error('the ingest queue needs an item store (ITEMS)');
    if (id === undefined || id === model.id) return services.items.indexer;
    let indexer = others.get(id);
    const other = MODELS.find((m) => m.id === id);
    const otherStore = storeFor(id);
    if (!indexer && other && otherStore) {
      const embedder = createEmbedder({ extractor: lazyExtractor(other), inference: options.inference });
      indexer = createIndexer({ store: otherStore, embedder, model: other, maxImages: limits.maxBatch, originals: keeperFor(other) });
      others.set(id, indexer);
    }
    if (!indexer) throw new Error(`no model "${id}" in this build`);
    return indexer;
  };
  const fetchLimits = { maxBytes: config.MAX_BODY_BYTES, timeoutMs: config.FETCH_TIMEOUT_MS, maxRedirects: config.FETCH_MAX_REDIRECTS };

  return {
    app,
    async queue(batch) {
      // The dead-letter queue is consumed here too: its name ends in "-dlq" (wrangler.toml).
      if (batch.queue.endsWith('-dlq')) return consumeDeadLetters(batch.messages, jobs, env.ORIGINALS);
      return consumeIngest(batch.messages, {
        indexerFor,
        jobs,
        originals: env.ORIGINALS,
        fetchLimits,
        retryDelaySeconds: config.JOB_RETRY_DELAY_SECONDS,
      });
    },
  };
}

/** Builds the app from the bindings (exported so tests can build one over other bindings, e.g. a Vectorize fake). */
export function buildApp(env: Env): Hono {
  return buildRuntime(env).app;
}

// Built at start-up (cheap: the model loads on first use) so that the serving model is said at once and a
// bad configuration (src/config) fails the deployment instead of a request.
const configuredRuntime = buildRuntime(startupEnv);
const configuredModel = readConfig(startupEnv).MODEL_ID.model.id;
/** The runtime of a model a re-index switched to, built on first use (one at a time: the last switch's). */
let switchedRuntime: { readonly id: string; readonly runtime: Runtime } | undefined;

/** The runtime of the model to serve now: MODEL_ID's, or the one a re-index job switched to (model-switch.ts). */
async function servingRuntime(): Promise<Runtime> {
  const served = servedModel(configuredModel, await switchReader(startupEnv)(), (id) => findModel(id) !== undefined);
  if (served.id === configuredModel) return configuredRuntime;
  if (switchedRuntime?.id !== served.id) switchedRuntime = { id: served.id, runtime: buildRuntime(startupEnv, served) };
  return switchedRuntime.runtime;
}

export default {
  async fetch(request, env, ctx) {
    return (await servingRuntime()).app.fetch(request, env, ctx);
  },
  async queue(batch) {
    return (await servingRuntime()).queue(batch);
  },
} satisfies ExportedHandler<Env, IngestQueueBody>;
