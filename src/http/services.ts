/** @module The services an app is built over (once per app), as the routes reach them. */
import type { ModelManifest } from '../core/model/manifest.ts';
import type { Embedder } from '../services/embedder.ts';
import type { Indexer } from '../services/indexer.ts';
import type { AnalyticsContext, ResourceContext } from '../services/analytics/index.ts';
import type { JobService } from '../services/jobs/service.ts';
import type { Searcher } from '../services/searcher.ts';
import type { ResourceStore } from '../store/resources.ts';
import type { VectorStore } from '../store/types.ts';
import type { ThumbnailStore } from '../thumbnails/types.ts';
import type { Limits } from './limits.ts';
import { problem } from './problem.ts';

export interface AppServices {
  readonly model: ModelManifest;
  readonly limits: Limits;
  readonly embedder: Embedder;
  /** The item store and the services over it; absent when the deployment binds none. */
  readonly items: { readonly store: VectorStore; readonly indexer: Indexer; readonly searcher: Searcher } | undefined;
  /** Trained classifiers and clusterings of this model; absent when the deployment binds no ITEMS namespace. */
  readonly resources: ResourceStore | undefined;
  readonly thumbnails: ThumbnailStore | undefined;
  /** The analytics over the item store; absent without one. `resources` is absent without a place to keep them. */
  readonly analytics: (AnalyticsContext & { readonly resources: ResourceStore | undefined }) | undefined;
  /** Jobs over the ingest queue; absent without the JOBS, JOB_INDEX and INGEST_QUEUE bindings. */
  readonly jobs: JobService | undefined;
}

/** The item store's services, or 503 store-unavailable. */
export function requireItems(services: AppServices): NonNullable<AppServices['items']> {
  if (services.items) return services.items;
  throw problem('store-unavailable', 'This deployment has no ITEMS KV namespace (or VECTORIZE index) bound; see wrangler.toml.');
}

/** The analytics services, or 503 store-unavailable. */
export function requireAnalytics(services: AppServices): NonNullable<AppServices['analytics']> {
  if (services.analytics) return services.analytics;
  requireItems(services);
  throw new Error('an item store without analytics');
}

/** The analytics with a resource store (classifiers, clusterings), or 501 where the deployment keeps none. */
export function requireResources(services: AppServices): ResourceContext {
  const analytics = requireAnalytics(services);
  const { resources } = analytics;
  if (resources) return { ...analytics, resources };
  throw problem(
    'not-supported',
    'Classifiers and clusterings are kept in the ITEMS KV namespace, and this deployment binds none (a Vectorize-only store).',
  );
}
