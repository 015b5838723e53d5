/**
 * @module Stored classifiers and clusterings, read back with a check of the model they were made from: the
 * resource store keys them by model already, and a value that names another model (a store shared by
 * mistake, a hand-written key) is refused with 409 rather than applied to vectors it does not fit.
 */
import { ProblemError, type ProblemKind } from '../../contract/problems.ts';
import type { ModelManifest } from '../../core/model/manifest.ts';
import type { ResourceKind, ResourceStore } from '../../store/resources.ts';

/** What every stored resource carries. */
export interface StoredResource {
  readonly id: string;
  readonly namespace: string;
  readonly model: { readonly id: string; readonly version: string; readonly dims: number };
}

const MISSING: Record<ResourceKind, ProblemKind> = { classifier: 'classifier-not-found', clustering: 'clustering-not-found' };

export function isStoredResource(value: unknown): value is StoredResource {
  if (value === null || typeof value !== 'object') return false;
  const { id, model } = value as Record<string, unknown>;
  return typeof id === 'string' && model !== null && typeof model === 'object';
}

/** The resource, or 404; 409 when it was made from another model than `serving`. */
export async function readResource<T extends StoredResource>(
  resources: ResourceStore,
  kind: ResourceKind,
  namespace: string,
  id: string,
  serving: ModelManifest,
): Promise<T> {
  const value = await resources.get(kind, namespace, id);
  if (value === null)
    throw new ProblemError(MISSING[kind], `No ${kind} "${id}" in namespace "${namespace}" for ${serving.id}@${serving.version}.`, {
      id,
      namespace,
    });
  if (!isStoredResource(value)) throw new Error(`the stored ${kind} "${id}" is not one this version wrote`);
  const { model } = value;
  if (model.id !== serving.id || model.version !== serving.version || model.dims !== serving.dims) {
    throw new ProblemError(
      'resource-model-mismatch',
      `The ${kind} "${id}" was made from ${model.id}@${model.version} vectors; this deployment serves ${serving.id}@${serving.version}: train it again here.`,
      { found: model, expected: { id: serving.id, version: serving.version, dims: serving.dims } },
    );
  }
  return value as T;
}

/** Every resource of a kind in a namespace (those of another model are left out). */
export async function listResources<T extends StoredResource>(
  resources: ResourceStore,
  kind: ResourceKind,
  namespace: string,
  serving: ModelManifest,
): Promise<T[]> {
  const ids = await resources.list(kind, namespace);
  const found: T[] = [];
  for (const id of ids) {
    const value = await resources.get(kind, namespace, id);
    if (isStoredResource(value) && value.model.id === serving.id && value.model.version === serving.version) found.push(value as T);
  }
  return found;
}
