/**
 * @module k-NN classification: the label distribution of the k nearest labelled items (scikit-learn's
 * KNeighborsClassifier(weights='distance') vote, src/core/learn/knn.ts).
 *
 * Through `store.query`, not a scan: the store's own search is exact on KV and memory (int8 bounds, then the
 * float vectors of the candidates), needs no namespace-sized memory, is not bounded by ANALYTICS_MAX_ITEMS and
 * works on Vectorize too (whose index cannot be scanned). Only labelled items take part: the label field is
 * added to the filter as `$ne: null` ("has a value"), so unlabelled neighbours never crowd out labelled ones.
 * A stored item is classified by its neighbours without itself (`queryById`: leave-one-out).
 */
import { DEFAULT_CLASSIFY_K, DEFAULT_LABEL_FIELD } from '../../config/defaults.ts';
import { ProblemError } from '../../contract/problems.ts';
import { knnVote, type Neighbour, type Vote } from '../../core/learn/knn.ts';
import type { LearnMetric } from '../../core/learn/rows.ts';
import type { MetadataFilter, QueryResult } from '../../store/types.ts';
import type { EmbedCacheStatus } from '../embed-cache.ts';
import type { EmbedRequest } from '../embedder.ts';
import { searchParams } from '../searcher.ts';
import { labelOf } from './labels.ts';
import { type Probe, type ProbeContext, itemNotFound, resolveProbe } from './probe.ts';

export interface ClassifyOptions {
  readonly namespace: string;
  readonly k?: number | undefined;
  readonly label?: string | undefined;
  readonly metric?: LearnMetric | undefined;
  readonly filter?: MetadataFilter | undefined;
}

export interface Classified extends Vote {
  readonly neighbours: Neighbour[];
  readonly k: number;
  readonly field: string;
  readonly metric: LearnMetric;
  readonly namespace: string;
  readonly cache?: EmbedCacheStatus | undefined;
}

/** The caller's filter and "has a label"; a caller's own condition on the label field is kept as it is. */
export function labelledFilter(field: string, filter: MetadataFilter | undefined): MetadataFilter {
  return filter && Object.hasOwn(filter, field) ? filter : { ...filter, [field]: { $ne: null } };
}

export async function classify(context: ProbeContext, probe: Probe, options: ClassifyOptions, request?: EmbedRequest): Promise<Classified> {
  const { store } = context;
  const field = options.label ?? DEFAULT_LABEL_FIELD;
  const metric = options.metric ?? 'cosine';
  const byId = 'id' in probe;
  const params = searchParams({ k: options.k ?? DEFAULT_CLASSIFY_K, metric, namespace: options.namespace }, store.capabilities, byId);
  const query = { topK: params.k, metric, namespace: options.namespace, filter: labelledFilter(field, options.filter) };
  let result: QueryResult | null;
  let cache: EmbedCacheStatus | undefined;
  if (byId) {
    result = await store.queryById(probe.id, query);
    if (!result) throw itemNotFound(probe.id, options.namespace);
  } else {
    const probed = await resolveProbe(context, probe, options.namespace, request);
    cache = probed.cache;
    result = await store.query(probed.vector, query);
  }
  const neighbours = result.matches.flatMap((match): Neighbour[] => {
    const label = labelOf(match.metadata ?? {}, field);
    return label === undefined ? [] : [{ id: match.id, score: match.score, label }];
  });
  if (neighbours.length === 0) {
    throw new ProblemError(
      'label-not-found',
      `No item in namespace "${options.namespace}"${options.filter ? ' matching the filter' : ''} has a label in the metadata field "${field}" (name another with "label").`,
      { field },
    );
  }
  if (neighbours.length < params.k) {
    throw new ProblemError(
      'too-few-items',
      `k is ${params.k}, but namespace "${options.namespace}" has only ${neighbours.length} ${byId ? 'other ' : ''}item(s) labelled in "${field}"${options.filter ? ' matching the filter' : ''}.`,
      { count: neighbours.length, k: params.k },
    );
  }
  return { ...knnVote(neighbours, metric), neighbours, k: params.k, field, metric, namespace: options.namespace, cache };
}
