/** @module What the analytics services work over: the store and its resources, the embedder, the serving model, the limit. */
import type { ResourceStore } from '../../store/resources.ts';
import type { ProbeContext } from './probe.ts';

export interface AnalyticsContext extends ProbeContext {
  readonly resources: ResourceStore;
  /** ANALYTICS_MAX_ITEMS: most items a namespace-wide computation loads. */
  readonly maxItems: number;
}
