/**
 * @module What the item, search and compare endpoints read besides images: ids, namespaces,
 * k / metric / filter, precomputed vectors and metadata — each refused with a 422 problem that
 * names the field and the rule.
 */
import { z } from 'zod';
import type { ModelManifest } from '../core/model/manifest.ts';
import { METRICS, type Metric } from '../core/vector/metrics.ts';
import { filterSchema, type MetadataFilter } from '../store/filter.ts';
import { DEFAULT_NAMESPACE, type Metadata, type StoreCapabilities, type VectorStore } from '../store/types.ts';
import { ID_PATTERN, ID_RULE, NAMESPACE_PATTERN, NAMESPACE_RULE, metadataProblem } from '../store/validate.ts';
import { problem } from './problem.ts';

export const idSchema = z.string().regex(ID_PATTERN, ID_RULE);
export const namespaceSchema = z.string().regex(NAMESPACE_PATTERN, NAMESPACE_RULE);

export function invalid(field: string, detail: string, extra: Record<string, unknown> = {}): never {
  throw problem(422, { kind: 'invalid-field', title: `Invalid ${field}`, detail: `${field}: ${detail}`, field, ...extra });
}

export function requireStore(store: VectorStore | undefined): VectorStore {
  if (store) return store;
  throw problem(503, {
    kind: 'store-unavailable',
    title: 'No vector store is configured',
    detail: 'This deployment has no ITEMS KV namespace (or VECTORIZE index) bound; see wrangler.toml.',
  });
}

export function itemId(raw: string): string {
  if (!ID_PATTERN.test(raw)) {
    throw problem(422, { kind: 'invalid-id', title: 'Invalid item id', detail: `"${raw.slice(0, 80)}" is not a valid id: ${ID_RULE}.`, rule: ID_RULE });
  }
  return raw;
}

export function namespaceOf(raw: unknown): string {
  if (raw === undefined || raw === null || raw === '') return DEFAULT_NAMESPACE;
  if (typeof raw !== 'string' || !NAMESPACE_PATTERN.test(raw)) invalid('namespace', `must be ${NAMESPACE_RULE}`);
  return raw;
}

/** Parses JSON metadata (an object, or a JSON string of one from a form field or query). */
export function metadataOf(raw: unknown, field = 'metadata'): Metadata {
  if (raw === undefined || raw === null || raw === '') return {};
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      invalid(field, 'is not valid JSON');
    }
  }
  const why = metadataProblem(value);
  if (why) invalid(field, why);
  return value as Metadata;
}

export function filterOf(raw: unknown): MetadataFilter | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      invalid('filter', 'is not valid JSON');
    }
  }
  const parsed = filterSchema.safeParse(value);
  if (!parsed.success) {
    invalid('filter', parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'filter'}: ${i.message}`).join('; '), {
      operators: ['$eq', '$ne', '$in', '$nin', '$lt', '$lte', '$gt', '$gte'],
    });
  }
  return parsed.data;
}

export interface SearchParams {
  readonly k: number;
  readonly metric: Metric;
  readonly namespace: string;
  readonly filter: MetadataFilter | undefined;
}

/** k, metric, namespace and filter from raw values (query string, form fields or JSON), checked against the store. */
export function searchParams(raw: Record<string, unknown>, capabilities: StoreCapabilities, byId: boolean): SearchParams {
  const max = byId ? capabilities.maxTopKById : capabilities.maxTopK;
  let k = Math.min(10, max);
  if (raw.k !== undefined && raw.k !== '') {
    const n = typeof raw.k === 'number' ? raw.k : Number(raw.k);
    if (!Number.isSafeInteger(n) || n < 1) invalid('k', `must be a positive integer, got ${JSON.stringify(raw.k)}`);
    if (n > max) {
      throw problem(422, {
        kind: 'k-too-large',
        title: 'k is above what this store returns',
        detail: `k is ${n}; the ${capabilities.kind} store returns at most ${max}${byId && max < capabilities.maxTopK ? ' neighbours of an item' : ''}.`,
        limit: max,
      });
    }
    k = n;
  }
  let metric = capabilities.metrics[0]!;
  if (raw.metric !== undefined && raw.metric !== '') {
    if (!(METRICS as readonly unknown[]).includes(raw.metric)) invalid('metric', `must be one of ${METRICS.join(', ')}`);
    if (!capabilities.metrics.includes(raw.metric as Metric)) {
      throw problem(422, {
        kind: 'metric-not-supported',
        title: 'The store does not offer this metric',
        detail: `The ${capabilities.kind} store ranks by ${capabilities.metrics.join(', ')} only${
          capabilities.kind === 'vectorize' ? ' (a Vectorize index fixes its metric when created)' : ''
        }.`,
        supported: capabilities.metrics,
      });
    }
    metric = raw.metric as Metric;
  }
  return { k, metric, namespace: namespaceOf(raw.namespace), filter: filterOf(raw.filter) };
}

/** The model a client says it ran: id and version must be this deployment's; dims and sha256 too when given. */
export const clientModelSchema = z.looseObject({
  id: z.string().min(1),
  version: z.string().min(1),
  dims: z.number().int().positive().optional(),
  sha256: z.string().optional(),
});

export const vectorSchema = z.array(z.number().refine(Number.isFinite, 'must be finite')).min(1, 'must not be empty');

/** A precomputed vector, accepted only from the model this deployment serves. */
export function clientVector(vector: unknown, model: unknown, serving: ModelManifest, field = 'vector'): Float32Array {
  const parsedModel = clientModelSchema.safeParse(model);
  if (!parsedModel.success) {
    invalid('model', 'a precomputed vector needs the model that made it: {"id", "version"} (as /v1/embed answers)');
  }
  const m = parsedModel.data;
  const expected = { id: serving.id, version: serving.version, dims: serving.dims, sha256: serving.graph.sha256 };
  if (m.id !== serving.id || m.version !== serving.version || (m.sha256 !== undefined && m.sha256 !== serving.graph.sha256)) {
    throw problem(422, {
      kind: 'model-mismatch',
      title: 'The vector comes from another model',
      detail: `The vector was made by ${m.id}@${m.version}; this deployment stores ${serving.id}@${serving.version} vectors only.`,
      expected,
    });
  }
  const parsed = vectorSchema.safeParse(vector);
  if (!parsed.success) invalid(field, parsed.error.issues.map((i) => `${i.path.join('.') || field}: ${i.message}`).join('; '));
  if (parsed.data.length !== serving.dims || (m.dims !== undefined && m.dims !== serving.dims)) {
    throw problem(422, {
      kind: 'dims-mismatch',
      title: 'The vector has the wrong number of dimensions',
      detail: `${field} has ${parsed.data.length} dimensions; ${serving.id}@${serving.version} makes ${serving.dims}.`,
      expected,
    });
  }
  return Float32Array.from(parsed.data);
}

/** Text fields of a multipart form, for options sent beside a file. */
export function formFields(form: FormData, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = form.get(name);
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}
