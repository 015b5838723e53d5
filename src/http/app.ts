/** @module The HTTP API as a plain Hono app: no Cloudflare bindings below this line. */
import { Hono } from 'hono';
import type { FeatureExtractor } from '../core/extractor.ts';
import type { ModelManifest } from '../core/model/manifest.ts';
import type { VectorStore } from '../store/types.ts';
import type { EmbedCache } from './embed-cache.ts';
import { handleError, notFound } from './errors.ts';
import type { Limits } from './limits.ts';
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
}

export function createApp(options: AppOptions): Hono {
  return new Hono()
    .route('/healthz', healthRoutes({ serving: options.model, stats: options.stats }))
    .route('/v1/models', modelRoutes({ serving: options.model, available: options.models }))
    .route('/v1/embed', embedRoutes(options))
    .route('/v1/items', itemRoutes(options))
    .route('/v1/search', searchRoutes(options))
    .route('/v1/compare', compareRoutes(options))
    .route('/v1/thumbnails', thumbnailRoutes(options))
    .route('/', staticRoutes(options))
    .notFound(notFound)
    .onError(handleError);
}
