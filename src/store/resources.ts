/**
 * @module Where trained classifiers and clusterings live: JSON resources of one model, by kind, namespace and id.
 *
 *     resources/<model id>@<version>/<kind>/<namespace>/<id>
 *
 * in the item store's KV binding (`ITEMS`). The model leads the key, as it does for items: a resource
 * trained on one model's vectors is never read by a store of another model (or version), so a
 * classifier can never be applied to vectors it was not trained on. Values are JSON text, at most
 * KV's 25 MiB per value; a larger one is refused with `limit` before anything is written.
 */
import type { KvBinding } from './kv/binding.ts';
import { listKeys } from './kv/binding.ts';
import { StoreError, type StoreModel } from './types.ts';
import { checkId, checkNamespace, utf8Length } from './validate.ts';

export const RESOURCE_KINDS = ['classifier', 'clustering'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** KV's limit on one value. */
export const MAX_RESOURCE_BYTES = 25 * 1024 * 1024;

const ROOT = 'resources';

/** JSON resources of one model. Ids and namespaces follow the item rules (validate.ts). */
export interface ResourceStore {
  readonly model: { readonly id: string; readonly version: string };
  /** The resource as stored (parsed JSON), or null when there is none. */
  get(kind: ResourceKind, namespace: string, id: string): Promise<unknown | null>;
  /** Creates or replaces; the value must serialise to JSON of at most {@link MAX_RESOURCE_BYTES}. */
  put(kind: ResourceKind, namespace: string, id: string, value: unknown): Promise<void>;
  /** Deleting an absent resource is not an error. */
  delete(kind: ResourceKind, namespace: string, id: string): Promise<void>;
  /** The ids of one kind in one namespace, sorted. */
  list(kind: ResourceKind, namespace: string): Promise<string[]>;
}

type ResourceModel = Pick<StoreModel, 'id' | 'version'>;

/** `resources/<model>@<version>/<kind>/<namespace>/`: the prefix every resource of that kind and namespace has. */
export function resourcePrefix(model: ResourceModel, kind: ResourceKind, namespace: string): string {
  return `${ROOT}/${model.id}@${encodeURIComponent(model.version)}/${kind}/${namespace}/`;
}

function checkKey(kind: ResourceKind, namespace: string, id?: string): void {
  if (!RESOURCE_KINDS.includes(kind)) {
    throw new StoreError('invalid', `resource kind "${String(kind)}" is not one of ${RESOURCE_KINDS.join(', ')}`);
  }
  checkNamespace(namespace);
  if (id !== undefined) checkId(id);
}

/** The value as JSON text, or a StoreError saying why it cannot be stored. */
function serialise(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new StoreError('invalid', `the resource is not JSON-serialisable: ${(error as Error).message}`, { cause: error });
  }
  if (text === undefined) throw new StoreError('invalid', 'the resource is not JSON-serialisable');
  // UTF-8 is at most 3 bytes per UTF-16 unit: count the bytes only when it could matter.
  const bytes = text.length * 3 > MAX_RESOURCE_BYTES ? utf8Length(text) : text.length;
  if (bytes > MAX_RESOURCE_BYTES) {
    throw new StoreError('limit', `the resource is ${bytes} bytes of JSON; KV holds at most ${MAX_RESOURCE_BYTES} per value`, {
      limit: MAX_RESOURCE_BYTES,
    });
  }
  return text;
}

/** Resources in Workers KV (the `ITEMS` binding), beside the items. */
export class KvResourceStore implements ResourceStore {
  readonly model: ResourceModel;
  readonly #kv: KvBinding;

  constructor(kv: KvBinding, model: ResourceModel) {
    this.#kv = kv;
    this.model = { id: model.id, version: model.version };
  }

  async get(kind: ResourceKind, namespace: string, id: string): Promise<unknown | null> {
    checkKey(kind, namespace, id);
    return this.#kv.get(resourcePrefix(this.model, kind, namespace) + id, 'json');
  }

  async put(kind: ResourceKind, namespace: string, id: string, value: unknown): Promise<void> {
    checkKey(kind, namespace, id);
    await this.#kv.put(resourcePrefix(this.model, kind, namespace) + id, serialise(value));
  }

  async delete(kind: ResourceKind, namespace: string, id: string): Promise<void> {
    checkKey(kind, namespace, id);
    await this.#kv.delete(resourcePrefix(this.model, kind, namespace) + id);
  }

  async list(kind: ResourceKind, namespace: string): Promise<string[]> {
    checkKey(kind, namespace);
    const prefix = resourcePrefix(this.model, kind, namespace);
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listKeys(this.#kv, prefix, cursor);
      ids.push(...page.keys.map((key) => key.name.slice(prefix.length)));
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
    return ids.sort();
  }
}

/**
 * Resources in a Map of JSON text (tests): the same keys and checks as KV. Stores of several models may
 * share one Map, as they share one KV binding.
 */
export class MemoryResourceStore implements ResourceStore {
  readonly model: ResourceModel;
  readonly #entries: Map<string, string>;

  constructor(model: ResourceModel, entries: Map<string, string> = new Map()) {
    this.model = { id: model.id, version: model.version };
    this.#entries = entries;
  }

  async get(kind: ResourceKind, namespace: string, id: string): Promise<unknown | null> {
    checkKey(kind, namespace, id);
    const text = this.#entries.get(resourcePrefix(this.model, kind, namespace) + id);
    return text === undefined ? null : (JSON.parse(text) as unknown);
  }

  async put(kind: ResourceKind, namespace: string, id: string, value: unknown): Promise<void> {
    checkKey(kind, namespace, id);
    this.#entries.set(resourcePrefix(this.model, kind, namespace) + id, serialise(value));
  }

  async delete(kind: ResourceKind, namespace: string, id: string): Promise<void> {
    checkKey(kind, namespace, id);
    this.#entries.delete(resourcePrefix(this.model, kind, namespace) + id);
  }

  async list(kind: ResourceKind, namespace: string): Promise<string[]> {
    checkKey(kind, namespace);
    const prefix = resourcePrefix(this.model, kind, namespace);
    return [...this.#entries.keys()]
      .filter((key) => key.startsWith(prefix))
      .map((key) => key.slice(prefix.length))
      .sort();
  }
}
