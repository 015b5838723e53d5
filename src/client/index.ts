/**
 * @module A typed client for the edge-features HTTP API. Web standards only (`fetch`, `Blob`,
 * `FormData`): it runs in browsers, Web Workers, Node 18+ and other Cloudflare Workers — pass a
 * service binding's `fetch` there. Every failure is an {@link EdgeFeaturesError}.
 */

/** What the API says about the model with every vector. */
export interface ModelRef {
  readonly id: string;
  readonly version: string;
  readonly dims?: number;
  /** sha256 of the ONNX graph; equal ids and hashes give equal vectors. */
  readonly sha256?: string;
}

export interface ModelInfo extends ModelRef {
  readonly architecture: string;
  readonly weights: string;
  readonly quantization: string;
  readonly dims: number;
  readonly sha256: string;
  readonly preprocess: Record<string, unknown>;
}

export interface ListedModel extends ModelInfo {
  readonly description: string;
  readonly macs: number;
  /** True on the model this deployment embeds with. */
  readonly serving: boolean;
}

/** Image bytes in any of the usual forms. */
export type ImageInput = Blob | ArrayBuffer | ArrayBufferView;

export type Metric = 'cosine' | 'euclidean' | 'dot';
export type MetadataValue = string | number | boolean | string[] | { readonly [key: string]: string | number | boolean | string[] };
export type Metadata = { readonly [key: string]: MetadataValue };
/** Vectorize-style metadata filter, e.g. `{ kind: { $in: ['cat', 'dog'] }, year: { $gte: 2020 } }`. */
export type MetadataFilter = Record<string, unknown>;

export interface EmbedOptions {
  readonly resize?: 'nearest' | 'bilinear';
  readonly orientation?: 'apply' | 'ignore';
}

export interface EmbedResult {
  readonly model: ModelInfo;
  readonly dims: number;
  readonly vector: Float32Array;
}

/** A precomputed vector and the model that made it (e.g. `BrowserExtractor.model`). */
export interface VectorSource {
  readonly vector: ArrayLike<number>;
  readonly model: ModelRef;
}

/** Either an image the service embeds, or a vector computed elsewhere with the same model. */
export type ItemSource = { readonly image: ImageInput } | VectorSource;

export interface NamespaceOption {
  /** Defaults to the client's namespace, else the service's ("default"). */
  readonly namespace?: string;
}

export interface PutItemOptions extends NamespaceOption, EmbedOptions {
  readonly metadata?: Metadata;
}

export interface PutItemResult {
  readonly id: string;
  readonly namespace: string;
  readonly model: ModelRef;
  readonly dims: number;
  /** `eventual` (Vectorize): the item may not be searchable at once. */
  readonly consistency: 'read-your-writes' | 'eventual';
  readonly mutationId?: string;
}

export interface StoredItem {
  readonly id: string;
  readonly namespace: string;
  readonly model: ModelRef;
  readonly dims: number;
  readonly metadata: Metadata;
  readonly vector?: Float32Array;
}

export interface SearchOptions extends NamespaceOption {
  readonly k?: number;
  readonly metric?: Metric;
  readonly filter?: MetadataFilter;
}

export interface SearchMatch {
  readonly id: string;
  /** cosine and dot: higher is nearer; euclidean: lower is nearer. */
  readonly score: number;
  readonly metadata: Metadata;
}

export interface SearchResult {
  readonly results: SearchMatch[];
  readonly model: ModelRef;
  readonly metric: Metric;
  readonly namespace: string;
  readonly k: number;
}

export interface CompareResult {
  readonly cosine: number;
  readonly euclidean: number;
  readonly model: ModelRef;
}

export interface Health {
  readonly status: string;
  readonly model: ModelRef;
  readonly runtime: Record<string, number>;
}

/** An RFC 9457 problem document as the API sends it. */
export interface Problem {
  readonly type: string;
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly [member: string]: unknown;
}

/**
 * `network`: no answer (offline, DNS, CORS, aborted); `http`: an error status, with the problem
 * document when the service sent one; `response`: an answer the client cannot read.
 */
export type ErrorKind = 'network' | 'http' | 'response';

export class EdgeFeaturesError extends Error {
  readonly kind: ErrorKind;
  /** HTTP status, for `http` errors. */
  readonly status: number | undefined;
  readonly problem: Problem | undefined;
  constructor(kind: ErrorKind, message: string, options: ErrorOptions & { status?: number; problem?: Problem } = {}) {
    super(message, options);
    this.name = 'EdgeFeaturesError';
    this.kind = kind;
    this.status = options.status;
    this.problem = options.problem;
  }

  /** The problem's machine-readable kind, e.g. `unsupported-image-format`, `model-mismatch`. */
  get problemKind(): string | undefined {
    return this.problem?.type.split('/').pop();
  }
}

/** The `fetch` the client calls: the global one, or e.g. a service binding's in another Worker. */
export type FetchLike = (input: Request) => Promise<Response>;

export interface ClientOptions {
  /** Where the service lives, e.g. `https://edge-features.example.workers.dev` (a path prefix is kept). */
  readonly baseUrl: string | URL;
  readonly fetch?: FetchLike;
  /** Sent with every request (e.g. `authorization`). */
  readonly headers?: Record<string, string>;
  /** Namespace for item and search calls that do not name one. */
  readonly namespace?: string;
}

export interface EdgeFeaturesClient {
  readonly baseUrl: string;
  health(): Promise<Health>;
  models(): Promise<ListedModel[]>;
  embed(image: ImageInput, options?: EmbedOptions): Promise<EmbedResult>;
  putItem(id: string, source: ItemSource, options?: PutItemOptions): Promise<PutItemResult>;
  getItem(id: string, options?: NamespaceOption & { readonly vector?: boolean }): Promise<StoredItem | null>;
  deleteItem(id: string, options?: NamespaceOption): Promise<void>;
  similar(id: string, options?: SearchOptions): Promise<SearchResult>;
  search(query: ItemSource, options?: SearchOptions & EmbedOptions): Promise<SearchResult>;
  compare(a: ImageInput, b: ImageInput, options?: EmbedOptions): Promise<CompareResult>;
  /** Stores a small preview image (JPEG, PNG or WebP) for an item, where the deployment keeps them. */
  putThumbnail(id: string, image: ImageInput, options?: NamespaceOption): Promise<void>;
  /** The URL an item's preview is served at (404 when there is none). */
  thumbnailUrl(id: string, options?: NamespaceOption): string;
}

const PROBLEM_TYPE = 'application/problem+json';

function toBlob(image: ImageInput): Blob {
  if (image instanceof Blob) return image;
  if (image instanceof ArrayBuffer) return new Blob([image]);
  return new Blob([new Uint8Array(image.buffer as ArrayBuffer, image.byteOffset, image.byteLength)]);
}

async function toBase64(image: ImageInput): Promise<string> {
  const bytes = new Uint8Array(await toBlob(image).arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function isVectorSource(source: ItemSource): source is VectorSource {
  return 'vector' in source;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

function vectorOf(values: unknown): Float32Array {
  if (!Array.isArray(values)) throw new EdgeFeaturesError('response', 'the answer holds no vector');
  return Float32Array.from(values as number[]);
}

export function createClient(options: ClientOptions): EdgeFeaturesClient {
  const baseUrl = String(options.baseUrl).replace(/\/+$/, '');
  const doFetch: FetchLike = options.fetch ?? ((request) => fetch(request));
  const defaultNamespace = options.namespace;
  const ns = (o?: NamespaceOption) => o?.namespace ?? defaultNamespace;

  async function call(method: string, path: string, init: { body?: BodyInit; type?: string; accept?: string } = {}): Promise<Response> {
    const headers = new Headers(options.headers);
    if (init.type) headers.set('content-type', init.type);
    headers.set('accept', init.accept ?? `application/json, ${PROBLEM_TYPE}`);
    const url = `${baseUrl}${path}`;
    let response: Response;
    try {
      response = await doFetch(new Request(url, { method, headers, ...(init.body !== undefined && { body: init.body }) }));
    } catch (cause) {
      throw new EdgeFeaturesError('network', `${method} ${url} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    if (response.ok) return response;
    let problem: Problem | undefined;
    if ((response.headers.get('content-type') ?? '').startsWith(PROBLEM_TYPE)) {
      problem = (await response.json().catch(() => undefined)) as Problem | undefined;
    } else {
      await response.body?.cancel();
    }
    const what = problem ? `${problem.title}: ${problem.detail}` : `HTTP ${response.status} ${response.statusText}`.trim();
    throw new EdgeFeaturesError('http', what, { status: response.status, ...(problem && { problem }) });
  }

  async function json<T>(response: Response): Promise<T> {
    try {
      return (await response.json()) as T;
    } catch (cause) {
      throw new EdgeFeaturesError('response', `the answer from ${response.url || baseUrl} is not JSON`, { cause });
    }
  }

  const jsonBody = (value: unknown) => ({ body: JSON.stringify(value), type: 'application/json' });

  async function sourceBody(source: ItemSource, extra: Record<string, unknown>) {
    if (isVectorSource(source)) {
      return jsonBody({ vector: Array.from(source.vector), model: { id: source.model.id, version: source.model.version, ...(source.model.dims !== undefined && { dims: source.model.dims }), ...(source.model.sha256 !== undefined && { sha256: source.model.sha256 }) }, ...extra });
    }
    return jsonBody({ image: await toBase64(source.image), ...extra });
  }

  const itemPath = (id: string, suffix = '') => `/v1/items/${encodeURIComponent(id)}${suffix}`;

  return {
    baseUrl,

    async health() {
      return json<Health>(await call('GET', '/healthz'));
    },

    async models() {
      return json<ListedModel[]>(await call('GET', '/v1/models'));
    },

    async embed(image, embedOptions = {}) {
      const response = await call('POST', `/v1/embed${query({ ...embedOptions })}`, { body: toBlob(image), type: 'application/octet-stream' });
      const answer = await json<{ model: ModelInfo; dims: number; vector: unknown }>(response);
      return { model: answer.model, dims: answer.dims, vector: vectorOf(answer.vector) };
    },

    async putItem(id, source, putOptions = {}) {
      const { metadata, namespace: _namespace, ...embedOptions } = putOptions;
      const body = await sourceBody(source, metadata ? { metadata } : {});
      const response = await call('PUT', `${itemPath(id)}${query({ namespace: ns(putOptions), ...embedOptions })}`, body);
      return json<PutItemResult>(response);
    },

    async getItem(id, getOptions = {}) {
      try {
        const response = await call('GET', `${itemPath(id)}${query({ namespace: ns(getOptions), vector: getOptions.vector || undefined })}`);
        const item = await json<Omit<StoredItem, 'vector'> & { vector?: unknown }>(response);
        return item.vector === undefined ? (item as StoredItem) : { ...item, vector: vectorOf(item.vector) };
      } catch (error) {
        if (error instanceof EdgeFeaturesError && error.status === 404 && error.problemKind === 'item-not-found') return null;
        throw error;
      }
    },

    async deleteItem(id, deleteOptions = {}) {
      const response = await call('DELETE', `${itemPath(id)}${query({ namespace: ns(deleteOptions) })}`);
      await response.body?.cancel();
    },

    async similar(id, searchOptions = {}) {
      const { k, metric, filter } = searchOptions;
      const path = `${itemPath(id, '/similar')}${query({ k, metric, namespace: ns(searchOptions), filter: filter && JSON.stringify(filter) })}`;
      return json<SearchResult>(await call('GET', path));
    },

    async search(source, searchOptions = {}) {
      const { k, metric, filter, resize, orientation } = searchOptions;
      const namespace = ns(searchOptions);
      const body = await sourceBody(source, { k, metric, filter, namespace });
      return json<SearchResult>(await call('POST', `/v1/search${query({ resize, orientation })}`, body));
    },

    async compare(a, b, embedOptions = {}) {
      const form = new FormData();
      form.set('a', toBlob(a), 'a');
      form.set('b', toBlob(b), 'b');
      return json<CompareResult>(await call('POST', `/v1/compare${query({ ...embedOptions })}`, { body: form }));
    },

    async putThumbnail(id, image, thumbOptions = {}) {
      const blob = toBlob(image);
      const response = await call('PUT', `/v1/thumbnails/${encodeURIComponent(id)}${query({ namespace: ns(thumbOptions) })}`, {
        body: blob,
        type: blob.type || 'application/octet-stream',
      });
      await response.body?.cancel();
    },

    thumbnailUrl(id, thumbOptions = {}) {
      return `${baseUrl}/v1/thumbnails/${encodeURIComponent(id)}${query({ namespace: ns(thumbOptions) })}`;
    },
  };
}
