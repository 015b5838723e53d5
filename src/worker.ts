/**
 * @module The Cloudflare Worker: the only file that reads bindings. It builds the app from them
 * once per isolate and keeps the model session for the isolate's lifetime.
 */
import { createExtractor, type FeatureExtractor } from './core/extractor.ts';
import { createApp } from './http/app.ts';
import { DEFAULT_LIMITS, type Limits } from './http/limits.ts';
import { DEFAULT_MODEL_ID, MODELS, findModel } from './models.ts';
import { createWorkerdSession, runtimeStats } from './runtime/workerd.ts';
import type { Hono } from 'hono';

export interface Env {
  /** Static assets: the model files live under /models/<id>/. */
  readonly ASSETS: Fetcher;
  readonly MODEL_ID?: string;
  readonly MAX_BODY_BYTES?: string;
  readonly MAX_PIXELS?: string;
  readonly MAX_BATCH?: string;
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

function buildApp(env: Env): Hono {
  const modelId = env.MODEL_ID || DEFAULT_MODEL_ID;
  const model = findModel(modelId);
  if (!model) throw new Error(`MODEL_ID "${modelId}" is not one of: ${MODELS.map((m) => m.id).join(', ')}`);
  const limits = limitsFrom(env);
  console.log(`edge-features: serving model ${model.id}@${model.version} (${model.weights} weights, ${model.quantization})`);

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
  return createApp({ model, models: MODELS, extractor: getExtractor, limits, stats: () => ({ ...runtimeStats() }) });
}

let app: Hono | undefined;

export default {
  fetch(request, env, ctx) {
    app ??= buildApp(env);
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
