/**
 * @module The Vectorize store: Cloudflare's distributed ANN index, for production-sized collections.
 *
 * Mapping (the binding's limits shape every choice):
 * - Vectorize ids are unique per INDEX (ids take no namespace) and at most 64 bytes, so an item's
 *   vector id is a hash of (model, namespace, id): 22 base64url characters. The item id itself is
 *   kept in the vector's metadata as `_id` (item ids are <= 64 bytes, so even an `indexed` metadata
 *   read returns it whole).
 * - The Vectorize namespace is `<namespace>@<model tag>` (tag = 12 characters of a hash of the model
 *   id and version): a query names it, so vectors of another model — even one with the same number
 *   of dimensions, e.g. after a weights update — never appear in results.
 * - Results need `_id`, so queries ask for `returnMetadata: 'all'`: topK is then at most 20 (the
 *   binding's limit with values or all metadata); queryById spends one of those on the item itself.
 * - The metric is fixed when the index is created (`wrangler vectorize create --metric`): the store
 *   offers only that one. Vectorize's `dot-product` scores are negated dot products (lower is nearer);
 *   this store turns them back into dot products so every store reports scores the same way.
 * - An index holds at most 1536 dimensions: MobileNetV2's 1792-d vectors cannot go to Vectorize.
 * - Mutations are asynchronous: an upsert answers with a mutation id and becomes visible to
 *   `getByIds`/`query` seconds later. The binding cannot list vectors, so `list` is unsupported.
 */
import { MAX_SEARCH_K_VECTORIZE } from '../config/defaults.ts';
import { encodeBase64 } from '../core/util/base64.ts';
import { sha256 } from '../core/util/sha256.ts';
import type { Metric } from '../core/vector/metrics.ts';
import { CheckedStore, type CheckedItem, type CheckedQuery, type StoreAdapter } from './checked.ts';
import { compareMatches } from './rank.ts';
import {
  StoreError,
  type Item,
  type ListPage,
  type Match,
  type Metadata,
  type QueryResult,
  type ScanPage,
  type StoreCapabilities,
  type StoreModel,
  type WriteResult,
} from './types.ts';

/** The slice of the Workers `Vectorize` binding (V2) this store uses. */
export type VectorizeBinding = Pick<Vectorize, 'describe' | 'query' | 'queryById' | 'upsert' | 'deleteByIds' | 'getByIds'>;

export const VECTORIZE_MAX_TOPK = MAX_SEARCH_K_VECTORIZE;
/** An index holds vectors of at most this many dimensions. */
export const VECTORIZE_MAX_DIMS = 1536;
export const VECTORIZE_MAX_UPSERT = 1000;

const ID_KEY = '_id';
const MODEL_KEY = '_model';
/** The item's content hash (64 hex characters, well inside the 256 bytes of metadata the stores reserve). */
const HASH_KEY = '_h';

const METRIC_NAMES: Record<Metric, VectorizeDistanceMetric> = { cosine: 'cosine', euclidean: 'euclidean', dot: 'dot-product' };

export function vectorizeMetric(metric: Metric): VectorizeDistanceMetric {
  return METRIC_NAMES[metric];
}

/** The first `chars` base64url characters of the text's SHA-256. */
async function hash(text: string, chars: number): Promise<string> {
  return encodeBase64(await sha256(text), { urlSafe: true }).slice(0, chars);
}

function userMetadata(metadata: Record<string, unknown> | undefined): Metadata {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) if (!key.startsWith('_')) out[key] = value;
  return out as Metadata;
}

export interface VectorizeStoreOptions {
  /** The metric the index was created with. */
  readonly metric: Metric;
}

/** The binding's I/O; {@link VectorizeStore} puts the checks in front. */
class VectorizeAdapter implements StoreAdapter {
  readonly model: StoreModel;
  readonly capabilities: StoreCapabilities;
  readonly #index: VectorizeBinding;
  readonly #metric: Metric;
  #modelTag: Promise<string> | undefined;
  #checked: Promise<void> | undefined;

  constructor(index: VectorizeBinding, model: StoreModel, options: VectorizeStoreOptions) {
    if (model.dims > VECTORIZE_MAX_DIMS) {
      throw new StoreError(
        'misconfigured',
        `${model.id}@${model.version} makes ${model.dims}-d vectors; a Vectorize index holds at most ${VECTORIZE_MAX_DIMS} ` +
          'dimensions: serve a narrower model (VGG16: 512) or use the KV store',
      );
    }
    this.#index = index;
    this.model = model;
    this.#metric = options.metric;
    this.capabilities = {
      kind: 'vectorize',
      exact: false,
      metrics: [options.metric],
      maxTopK: VECTORIZE_MAX_TOPK,
      maxTopKById: VECTORIZE_MAX_TOPK - 1,
      maxUpsertBatch: VECTORIZE_MAX_UPSERT,
      list: false,
      scan: false,
      consistency: 'eventual',
    };
  }

  /** Checks once per isolate that the index was made for this model's dimensions. */
  #checkIndex(): Promise<void> {
    return (this.#checked ??= this.#index.describe().then(
      (info) => {
        const dims = (info as { dimensions?: number }).dimensions;
        if (dims !== undefined && dims !== this.model.dims) {
          throw new StoreError(
            'misconfigured',
            `the Vectorize index has ${dims} dimensions; ${this.model.id}@${this.model.version} makes ${this.model.dims}`,
          );
        }
      },
      (error: unknown) => {
        this.#checked = undefined;
        throw error;
      },
    ));
  }

  #tag(): Promise<string> {
    return (this.#modelTag ??= hash(`${this.model.id}@${this.model.version}`, 12));
  }

  async #namespace(namespace: string): Promise<string> {
    return `${namespace}@${await this.#tag()}`;
  }

  async #vectorId(namespace: string, id: string): Promise<string> {
    return hash(`${this.model.id}@${this.model.version}\n${namespace}\n${id}`, 22);
  }

  async upsert(items: readonly CheckedItem[]): Promise<WriteResult> {
    await this.#checkIndex();
    const vectors: VectorizeVector[] = await Promise.all(
      items.map(async (item) => ({
        id: await this.#vectorId(item.namespace, item.id),
        namespace: await this.#namespace(item.namespace),
        values: Array.from(item.vector),
        metadata: {
          ...item.metadata,
          [ID_KEY]: item.id,
          [MODEL_KEY]: `${this.model.id}@${this.model.version}`,
          ...(item.contentHash !== undefined && { [HASH_KEY]: item.contentHash }),
        },
      })),
    );
    const { mutationId } = await this.#index.upsert(vectors);
    return { ids: items.map((item) => item.id), mutationId };
  }

  async get(id: string, namespace: string): Promise<Item | null> {
    const [found] = await this.#index.getByIds([await this.#vectorId(namespace, id)]);
    // The vector id hashes model, namespace and id: a hit is this item.
    if (!found || found.metadata?.[ID_KEY] !== id) return null;
    const contentHash = found.metadata[HASH_KEY];
    return {
      id,
      namespace,
      vector: Float32Array.from(found.values),
      metadata: userMetadata(found.metadata),
      model: { id: this.model.id, version: this.model.version },
      ...(typeof contentHash === 'string' && { contentHash }),
    };
  }

  async delete(ids: readonly string[], namespace: string): Promise<WriteResult> {
    const vectorIds = await Promise.all(ids.map((id) => this.#vectorId(namespace, id)));
    const { mutationId } = await this.#index.deleteByIds(vectorIds);
    return { ids: [...ids], mutationId };
  }

  async list(): Promise<ListPage> {
    throw new StoreError(
      'unsupported',
      'the Vectorize binding cannot list vectors; use `wrangler vectorize list-vectors <index>` or the KV store',
    );
  }

  async namespaces(): Promise<string[]> {
    throw new StoreError('unsupported', 'the Vectorize binding cannot list namespaces (it answers queries and reads by id only)');
  }

  // An async generator: the refusal arrives with the first page, as a rejection (checked.ts's rule).
  // biome-ignore lint/correctness/useYield: it refuses before yielding anything
  async *scan(): AsyncIterable<ScanPage> {
    throw new StoreError(
      'unsupported',
      'Vectorize cannot list or scan an index: its binding answers only queries (at most 20 vectors with values) and ' +
        'reads by id, so there is no way to visit every vector of a namespace. Use the KV store (VECTOR_STORE = "kv") for ' +
        'classification, clustering and duplicates over a whole namespace.',
    );
  }

  #options(query: CheckedQuery, namespace: string, topK: number): VectorizeQueryOptions {
    return {
      topK,
      namespace,
      returnMetadata: 'all',
      returnValues: query.returnValues,
      ...(query.filter && { filter: query.filter as VectorizeVectorMetadataFilter }),
    };
  }

  #matches(raw: VectorizeMatches, query: CheckedQuery, exclude: string | undefined): Match[] {
    const matches: Match[] = [];
    for (const match of raw.matches) {
      const id = match.metadata?.[ID_KEY];
      if (typeof id !== 'string' || id === exclude) continue;
      matches.push({
        id,
        score: this.#metric === 'dot' ? -match.score : match.score,
        ...(query.returnMetadata && { metadata: userMetadata(match.metadata) }),
        ...(query.returnValues && match.values && { values: Float32Array.from(match.values) }),
      });
    }
    return matches.sort(compareMatches(this.#metric)).slice(0, query.topK);
  }

  async query(vector: Float32Array, query: CheckedQuery): Promise<QueryResult> {
    await this.#checkIndex();
    const raw = await this.#index.query(Array.from(vector), this.#options(query, await this.#namespace(query.namespace), query.topK));
    const matches = this.#matches(raw, query, undefined);
    return { matches, stats: { operations: 1, scanned: raw.matches.length, fetched: 0 } };
  }

  async queryById(id: string, query: CheckedQuery): Promise<QueryResult | null> {
    await this.#checkIndex();
    const vectorId = await this.#vectorId(query.namespace, id);
    const [found] = await this.#index.getByIds([vectorId]);
    if (!found || found.metadata?.[ID_KEY] !== id) return null;
    // One more than asked: the item itself is (almost always) its own nearest neighbour.
    const raw = await this.#index.queryById(vectorId, this.#options(query, await this.#namespace(query.namespace), query.topK + 1));
    const matches = this.#matches(raw, query, id);
    return { matches, stats: { operations: 2, scanned: raw.matches.length, fetched: 0 } };
  }
}

export class VectorizeStore extends CheckedStore {
  constructor(index: VectorizeBinding, model: StoreModel, options: VectorizeStoreOptions) {
    super(new VectorizeAdapter(index, model, options));
  }
}
