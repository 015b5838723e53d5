/**
 * @module The rules for item ids, namespaces and metadata, shared by every store (checked.ts applies
 * them in front of each adapter) and the HTTP layer.
 *
 * They are the intersection of what KV keys (512 B), Vectorize (ids and namespaces <= 64 B,
 * metadata <= 10 KiB, key rules) and URLs take, so an item valid in one store is valid in all.
 */
import type { Metric } from '../core/vector/metrics.ts';
import { resolveMetric } from './rank.ts';
import { DEFAULT_NAMESPACE, StoreError, type Metadata, type QueryOptions, type StoreCapabilities, type StoreModel } from './types.ts';

/** 1-64 URL-safe characters; not starting with a dot (so `.` and `..` never name an item). */
export const ID_PATTERN = /^[A-Za-z0-9_~:-][A-Za-z0-9._~:-]{0,63}$/;
export const ID_RULE = '1-64 characters from A-Z a-z 0-9 . _ ~ : - (not starting with ".")';

/** Shorter than an id: the Vectorize adapter adds a model tag and must stay within 64 bytes. */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,47}$/;
export const NAMESPACE_RULE = '1-48 characters from A-Z a-z 0-9 . _ - (not starting with ".")';

/** Vectorize's limit per vector; the stores reserve a few bytes of it. */
export const MAX_METADATA_BYTES = 10 * 1024 - 256;
export const MAX_METADATA_KEY_LENGTH = 512;

const encoder = new TextEncoder();
export const utf8Length = (s: string) => encoder.encode(s).byteLength;

export function checkId(id: string): void {
  if (!ID_PATTERN.test(id)) throw new StoreError('invalid', `id "${truncate(id)}" is not valid: ${ID_RULE}`);
}

export function checkNamespace(namespace: string): void {
  if (!NAMESPACE_PATTERN.test(namespace)) {
    throw new StoreError('invalid', `namespace "${truncate(namespace)}" is not valid: ${NAMESPACE_RULE}`);
  }
}

export function checkVector(vector: Float32Array, model: StoreModel): void {
  if (vector.length !== model.dims) {
    throw new StoreError('invalid', `the vector has ${vector.length} dimensions; ${model.id}@${model.version} makes ${model.dims}`);
  }
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(vector[i])) throw new StoreError('invalid', `vector[${i}] is not a finite number`);
  }
}

/** Returns why a metadata key is refused, or undefined when it is fine. */
export function metadataKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'metadata keys must not be empty';
  if (key.length > MAX_METADATA_KEY_LENGTH) return `metadata key "${truncate(key)}" is over ${MAX_METADATA_KEY_LENGTH} characters`;
  if (key.includes('.') || key.includes('"')) return `metadata key "${truncate(key)}" must not contain "." or '"'`;
  if (key.startsWith('$')) return `metadata key "${truncate(key)}" must not start with "$"`;
  if (key.startsWith('_')) return `metadata key "${truncate(key)}" must not start with "_" (reserved)`;
  return undefined;
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function isLeaf(value: unknown): boolean {
  return isScalar(value) || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
}

/** Checks metadata against the shared rules; returns the problem or undefined. */
export function metadataProblem(metadata: unknown): string | undefined {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return 'metadata must be a JSON object';
  for (const [key, value] of Object.entries(metadata)) {
    const keyProblem = metadataKeyProblem(key);
    if (keyProblem) return keyProblem;
    if (isLeaf(value)) continue;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, innerValue] of Object.entries(value)) {
        const innerProblem = metadataKeyProblem(inner);
        if (innerProblem) return `${key}: ${innerProblem}`;
        if (!isLeaf(innerValue)) return `metadata ${key}.${inner} must be a string, number, boolean or list of strings`;
      }
      continue;
    }
    return `metadata ${key} must be a string, finite number, boolean, list of strings or an object of those`;
  }
  const bytes = utf8Length(JSON.stringify(metadata));
  if (bytes > MAX_METADATA_BYTES) return `metadata is ${bytes} bytes of JSON; at most ${MAX_METADATA_BYTES} are kept`;
  return undefined;
}

export function checkMetadata(metadata: unknown): asserts metadata is Metadata {
  const problem = metadataProblem(metadata);
  if (problem) throw new StoreError('invalid', problem);
}

export function checkTopK(topK: number, max: number): void {
  if (!Number.isSafeInteger(topK) || topK < 1) throw new StoreError('invalid', `topK must be a positive integer, got ${topK}`);
  if (topK > max) throw new StoreError('limit', `topK is ${topK}; this store returns at most ${max}`, { limit: max });
}

/** Rejects a batch that names one (namespace, id) twice: which copy wins would be up to the backend. */
export function checkDistinct(items: ReadonlyArray<{ id: string; namespace?: string }>): void {
  const seen = new Set<string>();
  for (const item of items) {
    const key = `${item.namespace ?? ''}\u0000${item.id}`;
    if (seen.has(key)) throw new StoreError('invalid', `the batch names id "${item.id}" twice`);
    seen.add(key);
  }
}

/** Checks a query's topK, metric and namespace against a store; returns the metric and namespace to use. */
export function checkQuery(capabilities: StoreCapabilities, options: QueryOptions, byId: boolean): { metric: Metric; namespace: string } {
  checkTopK(options.topK, byId ? capabilities.maxTopKById : capabilities.maxTopK);
  if (options.metric !== undefined && !capabilities.metrics.includes(options.metric)) {
    throw new StoreError('invalid', `metric ${options.metric} is not available here; use ${capabilities.metrics.join(' or ')}`);
  }
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  checkNamespace(namespace);
  return { metric: resolveMetric(options.metric, capabilities.metrics), namespace };
}

/** A content hash: a sha256 as 64 lower-case hex characters. */
export const CONTENT_HASH_PATTERN = /^[0-9a-f]{64}$/;

export function checkContentHash(hash: string): void {
  if (typeof hash !== 'string' || !CONTENT_HASH_PATTERN.test(hash)) {
    throw new StoreError('invalid', `contentHash "${truncate(String(hash))}" is not a sha256 in 64 lower-case hex characters`);
  }
}

/** A scan's values mode and page size. */
export function checkScan(values: unknown, pageSize: number, maxPageSize: number): void {
  if (values !== 'codes' && values !== 'exact') {
    throw new StoreError('invalid', `scan values must be "codes" or "exact", got ${String(values)}`);
  }
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new StoreError('invalid', `scan pageSize must be a positive integer, got ${pageSize}`);
  }
  if (pageSize > maxPageSize) {
    throw new StoreError('limit', `scan pageSize is ${pageSize}; at most ${maxPageSize}`, { limit: maxPageSize });
  }
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
