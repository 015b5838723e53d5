/** @module What the analytics services work over: the store, the embedder, the serving model, the limit, and where results are kept. */
import type { ResourceStore } from '../../store/resources.ts';
import type { ProbeContext } from './probe.ts';

export interface AnalyticsContext extends ProbeContext {
  /** ANALYTICS_MAX_ITEMS: most items a namespace-wide computation loads. */
  readonly maxItems: number;
}

/** Where classifiers and clusterings are stored (KV, beside the items). */
export interface ResourceContext extends AnalyticsContext {
  readonly resources: ResourceStore;
}
