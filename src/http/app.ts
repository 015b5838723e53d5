/** @module The HTTP API as a plain Hono app: no Cloudflare bindings below this line. */
import { Hono } from 'hono';
import type { FeatureExtractor } from '../core/extractor.ts';
import type { ModelManifest } from '../core/model/manifest.ts';
import { handleError, notFound } from './errors.ts';
import type { Limits } from './limits.ts';
import { embedRoutes } from './routes/embed.ts';
import { healthRoutes, modelRoutes } from './routes/meta.ts';

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
}

export function createApp(options: AppOptions): Hono {
  return new Hono()
    .route('/healthz', healthRoutes({ serving: options.model, stats: options.stats }))
    .route('/v1/models', modelRoutes({ serving: options.model, available: options.models }))
    .route('/v1/embed', embedRoutes(options))
    .notFound(notFound)
    .onError(handleError);
}
