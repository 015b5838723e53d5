/**
 * @module A typed client for the edge-features HTTP API. Web standards only (`fetch`, `Blob`,
 * `FormData`): it runs in browsers, Web Workers, Node 18+ and other Cloudflare Workers — pass a
 * service binding's `fetch` there. Every failure is an {@link EdgeFeaturesError}.
 *
 * Its request and response types come from the API contract (src/contract, the zod schemas the routes
 * and /openapi.json are declared from), and every answer is checked against the same schemas before it
 * is returned: an answer that does not match is an `EdgeFeaturesError` of kind `response`.
 */
import type * as z from 'zod';
import * as contract from '../contract/index.ts';
import { encodeBase64 } from '../core/util/base64.ts';

/** The model that made a vector, as a client sends it with one (a ModelInfo or `BrowserExtractor.model` will do). */
export type ModelRef = Pick<z.input<typeof contract.ModelRef>, 'id' | 'version' | 'dims' | 'sha256'>;
export type ModelInfo = contract.ModelInfo;
export type ListedModel = contract.ListedModel;

/** Image bytes in any of the usual forms. */
export type ImageInput = Blob | ArrayBuffer | ArrayBufferView;

export type Metric = z.infer<typeof contract.Metric>;
export type Metadata = z.input<typeof contract.Metadata>;
export type MetadataValue = Metadata[string];
/** Vectorize-style metadata filter, e.g. `{ kind: { $in: ['cat', 'dog'] }, year: { $gte: 2020 } }`. */
export type MetadataFilter = z.infer<typeof contract.Filter>;

export type EmbedOptions = z.input<typeof contract.EmbedOptionsQuery>;

/** The answer to `POST /v1/embed`, with the vector as a Float32Array. */
export type EmbedResult = Omit<contract.EmbedVector, 'vector'> & { readonly vector: Float32Array };

/** A precomputed vector (any array of numbers, e.g. a Float32Array) and the model that made it (e.g. `BrowserExtractor.model`). */
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

/** `consistency: 'eventual'` (Vectorize): the item may not be searchable at once. */
export type PutItemResult = contract.ItemWritten;

export type StoredItem = Omit<contract.StoredItem, 'vector'> & { readonly vector?: Float32Array };

export interface SearchOptions extends NamespaceOption {
  readonly k?: contract.SearchJson['k'];
  readonly metric?: Metric;
  readonly filter?: MetadataFilter;
}

/** cosine and dot: a higher score is nearer; euclidean: lower is nearer. */
export type SearchMatch = contract.SearchResponse['results'][number];
export type SearchResult = contract.SearchResponse;
/** A search from a stored item: the search result and the item's id. */
export type SimilarResult = contract.SimilarResponse;
export type CompareResult = contract.CompareResponse;

/** What an analytics call works on: an image, a vector with its model, or a stored item by id. */
export type ProbeInput = ItemSource | { readonly id: string };

export interface ClassifyOptions extends NamespaceOption {
  readonly k?: number;
  /** The metadata field that holds the label (default "label"). */
  readonly label?: string;
  readonly metric?: LearnMetric;
  readonly filter?: MetadataFilter;
}
export type LearnMetric = z.infer<typeof contract.LearnMetric>;
export type ClassifyResult = contract.ClassifyResponse;
export type TrainClassifierOptions = contract.CreateClassifierJson & NamespaceOption;
export type ClassifierSummary = contract.ClassifierSummary;
export type PredictResult = contract.PredictResponse;
export type ClusterOptions = contract.CreateClusteringJson & NamespaceOption;
export type ClusteringSummary = contract.ClusteringSummary;
export type ClusterItems = contract.ClusterItems;
export type ItemCluster = contract.ItemCluster;
export type AssignResult = contract.AssignResponse;
export interface DuplicatesOptions extends NamespaceOption {
  readonly threshold?: number;
  /** Only exact duplicates (the same image bytes). */
  readonly exactOnly?: boolean;
}
export type DuplicatesResult = contract.DuplicatesResponse;
export type DuplicateCheck = contract.CheckResponse;
/** A stored item id, or a vector with its model. */
export type Example = string | VectorSource;
export interface RecommendOptions extends NamespaceOption {
  readonly negative?: readonly Example[];
  readonly strategy?: 'average_vector' | 'best_score';
  readonly k?: number;
  readonly metric?: LearnMetric;
  readonly filter?: MetadataFilter;
}
export type RecommendResult = contract.RecommendResponse;

/** A job (`POST /v1/jobs`): its state, counts, first failures, times and rate. */
export type Job = contract.Job;
/** What a job does: ingest image URLs or an ORIGINALS prefix into a namespace, or re-index a namespace. */
export type CreateJobInput = contract.CreateJobJson;
export type JobList = contract.JobList;
export type OriginalAccepted = contract.OriginalAccepted;
export type Health = contract.Health;
export type ImportResult = contract.ImportResult;

/** An export: the NDJSON lines as they stream, and the model of their vectors (from the response headers). */
export interface ExportStream {
  readonly model: { readonly id: string; readonly version: string };
  readonly dims: number;
  /** `{"id","values","metadata"}` lines, as `wrangler vectorize insert --file` reads them. */
  readonly body: ReadableStream<Uint8Array>;
}

export interface ImportOptions extends NamespaceOption {
  /** The model that made the vectors (an export's `model` and `dims`). */
  readonly model: { readonly id: string; readonly version: string; readonly dims?: number };
}

/** An RFC 9457 problem document as the API sends it. */
export type Problem = contract.Problem;
export type ProblemKind = contract.ProblemKind;

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
  get problemKind(): ProblemKind | (string & {}) | undefined {
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
  similar(id: string, options?: SearchOptions): Promise<SimilarResult>;
  search(query: ItemSource, options?: SearchOptions & EmbedOptions): Promise<SearchResult>;
  compare(a: ImageInput, b: ImageInput, options?: EmbedOptions): Promise<CompareResult>;
  /** Stores a small preview image (JPEG, PNG or WebP) for an item, where the deployment keeps them. */
  putThumbnail(id: string, image: ImageInput, options?: NamespaceOption): Promise<void>;
  /** The URL an item's preview is served at (404 when there is none). */
  thumbnailUrl(id: string, options?: NamespaceOption): string;
  /** The label distribution of the k nearest labelled items (`POST /v1/classify`). */
  classify(probe: ProbeInput, options?: ClassifyOptions): Promise<ClassifyResult>;
  /** Trains and stores a classifier (`POST /v1/classifiers`, write scope). */
  trainClassifier(options: TrainClassifierOptions): Promise<ClassifierSummary>;
  classifiers(options?: NamespaceOption): Promise<ClassifierSummary[]>;
  /** null when there is no such classifier. */
  getClassifier(id: string, options?: NamespaceOption): Promise<ClassifierSummary | null>;
  deleteClassifier(id: string, options?: NamespaceOption): Promise<void>;
  predict(classifierId: string, probe: ProbeInput, options?: NamespaceOption): Promise<PredictResult>;
  /** Clusters a namespace and stores the result (`POST /v1/clusterings`, write scope). */
  cluster(options: ClusterOptions): Promise<ClusteringSummary>;
  clusterings(options?: NamespaceOption): Promise<ClusteringSummary[]>;
  /** null when there is no such clustering. */
  getClustering(id: string, options?: NamespaceOption): Promise<ClusteringSummary | null>;
  deleteClustering(id: string, options?: NamespaceOption): Promise<void>;
  clusterItems(clusteringId: string, cluster: number, options?: NamespaceOption): Promise<ClusterItems>;
  itemCluster(clusteringId: string, itemId: string, options?: NamespaceOption): Promise<ItemCluster>;
  assignCluster(clusteringId: string, probe: ProbeInput, options?: NamespaceOption): Promise<AssignResult>;
  duplicates(options?: DuplicatesOptions): Promise<DuplicatesResult>;
  /** Whether an image is already stored, exactly or nearly. */
  checkDuplicate(image: ImageInput, options?: NamespaceOption & { readonly threshold?: number }): Promise<DuplicateCheck>;
  recommend(positive: readonly Example[], options?: RecommendOptions): Promise<RecommendResult>;
  /** Starts a job (202); follow it with {@link getJob}. A namespace of the input wins over the client's. */
  /** `POST /v1/jobs` (write scope); the client's namespace unless the input names one (not for a switching re-index). */
  createJob(input: CreateJobInput): Promise<Job>;
  /** null when there is no such job. */
  getJob(id: string): Promise<Job | null>;
  /** Jobs newest first, a page at a time (`cursor` from the previous page). */
  listJobs(options?: { readonly limit?: number; readonly cursor?: string }): Promise<JobList>;
  cancelJob(id: string): Promise<Job>;
  /** Keeps an image in ORIGINALS and queues it for indexing under `id` (202). */
  /**
   * An image to index through the queue (`PUT /v1/originals/{id}`, write scope): 202 once it is in ORIGINALS;
   * with `job`, an item of that job of uploads (its metadata comes from the job).
   */
  putOriginal(
    id: string,
    image: ImageInput,
    options?: NamespaceOption & { readonly metadata?: Metadata; readonly job?: string },
  ): Promise<OriginalAccepted>;
  /** A namespace as NDJSON, streamed (`GET /v1/export`, read scope). */
  exportNamespace(options?: NamespaceOption): Promise<ExportStream>;
  /**
   * NDJSON lines into a namespace (`POST /v1/import`, write scope). A malformed line is an `EdgeFeaturesError`
   * whose problem (`malformed-ndjson`) names the `line` and how many items before it were `written`.
   */
  importNdjson(body: string | Blob | Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>, options: ImportOptions): Promise<ImportResult>;
}

const PROBLEM_TYPE = 'application/problem+json';

function toBlob(image: ImageInput): Blob {
  if (image instanceof Blob) return image;
  if (image instanceof ArrayBuffer) return new Blob([image]);
  return new Blob([new Uint8Array(image.buffer as ArrayBuffer, image.byteOffset, image.byteLength)]);
}

async function toBase64(image: ImageInput): Promise<string> {
  return encodeBase64(new Uint8Array(await toBlob(image).arrayBuffer()));
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

/** The model of a vector as requests carry it: only the fields the API compares. */
function modelOf(model: ModelRef): ModelRef {
  return {
    id: model.id,
    version: model.version,
    ...(model.dims !== undefined && { dims: model.dims }),
    ...(model.sha256 !== undefined && { sha256: model.sha256 }),
  };
}

/** Where in an answer it breaks the contract, e.g. `results.0.score: Invalid input: expected number, received string`. */
function contractIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || '(the answer)'}: ${issue.message}`);
  return shown.join('; ') + (error.issues.length > shown.length ? ` (and ${error.issues.length - shown.length} more)` : '');
}

export function createClient(options: ClientOptions): EdgeFeaturesClient {
  const baseUrl = String(options.baseUrl).replace(/\/+$/, '');
  const doFetch: FetchLike = options.fetch ?? ((request) => fetch(request));
  const defaultNamespace = options.namespace;
  const ns = (o?: NamespaceOption) => o?.namespace ?? defaultNamespace;

  async function call(
    method: string,
    path: string,
    init: { body?: BodyInit; type?: string; accept?: string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers = new Headers(options.headers);
    if (init.type) headers.set('content-type', init.type);
    for (const [name, value] of Object.entries(init.headers ?? {})) headers.set(name, value);
    headers.set('accept', `${init.accept ?? 'application/json'}, ${PROBLEM_TYPE}`);
    const url = `${baseUrl}${path}`;
    // A streamed body must say it is sent while the answer may already come (fetch's `duplex`).
    const streamed = typeof ReadableStream !== 'undefined' && init.body instanceof ReadableStream;
    const requestInit: RequestInit & { duplex?: 'half' } = {
      method,
      headers,
      ...(init.body !== undefined && { body: init.body }),
      ...(streamed && { duplex: 'half' }),
    };
    let response: Response;
    try {
      response = await doFetch(new Request(url, requestInit));
    } catch (cause) {
      throw new EdgeFeaturesError('network', `${method} ${url} failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
        cause,
      });
    }
    if (response.ok) return response;
    let problem: Problem | undefined;
    if ((response.headers.get('content-type') ?? '').startsWith(PROBLEM_TYPE)) {
      // A document that is not a problem is reported by its status alone.
      problem = contract.Problem.safeParse(await response.json().catch(() => undefined)).data;
    } else {
      await response.body?.cancel();
    }
    const what = problem ? `${problem.title}: ${problem.detail}` : `HTTP ${response.status} ${response.statusText}`.trim();
    throw new EdgeFeaturesError('http', what, { status: response.status, ...(problem && { problem }) });
  }

  /** The answer's JSON, checked against its schema in the contract. */
  async function read<S extends z.ZodType>(response: Response, schema: S): Promise<z.infer<S>> {
    const from = response.url || baseUrl;
    let data: unknown;
    try {
      data = await response.json();
    } catch (cause) {
      throw new EdgeFeaturesError('response', `the answer from ${from} is not JSON`, { cause });
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success)
      throw new EdgeFeaturesError('response', `the answer from ${from} does not match the API: ${contractIssues(parsed.error)}`, {
        cause: parsed.error,
      });
    return parsed.data;
  }

  const jsonBody = (value: object) => ({ body: JSON.stringify(value), type: 'application/json' });

  /** A JSON body with the image in base64, or the vector and its model. */
  async function sourceBody<T extends object>(source: ItemSource, extra: T) {
    if (isVectorSource(source)) return { vector: Array.from(source.vector), model: modelOf(source.model), ...extra };
    return { image: await toBase64(source.image), ...extra };
  }

  const itemPath = (id: string, suffix = '') => `/v1/items/${encodeURIComponent(id)}${suffix}`;
  const resourcePath = (kind: 'classifiers' | 'clusterings', id: string, suffix = '') => `/v1/${kind}/${encodeURIComponent(id)}${suffix}`;

  /** A probe as a JSON body: the image in base64, the vector and its model, or the item id. */
  async function probeBody<T extends object>(probe: ProbeInput, extra: T) {
    return 'id' in probe ? { id: probe.id, ...extra } : sourceBody(probe, extra);
  }

  /** null for a 404 of `kind`, else the answer. */
  async function orNull<T>(kind: ProblemKind, run: () => Promise<T>): Promise<T | null> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof EdgeFeaturesError && error.status === 404 && error.problemKind === kind) return null;
      throw error;
    }
  }

  const exampleOf = (example: Example) =>
    typeof example === 'string' ? example : { vector: Array.from(example.vector), model: modelOf(example.model) };

  const jobPath = (id: string, suffix = '') => `/v1/jobs/${encodeURIComponent(id)}${suffix}`;

  return {
    baseUrl,

    async createJob(input) {
      // A switching re-index covers every namespace: the client's default does not apply.
      const switching = input.type === 'reindex' && input.switch === true;
      const namespace = input.namespace ?? (switching ? undefined : defaultNamespace);
      const body = { ...input, ...(namespace !== undefined && { namespace }) };
      return (await read(await call('POST', '/v1/jobs', jsonBody(body)), contract.JobAnswer)).job;
    },

    getJob(id) {
      return orNull('job-not-found', async () => (await read(await call('GET', jobPath(id)), contract.JobAnswer)).job);
    },

    async listJobs(listOptions = {}) {
      return read(await call('GET', `/v1/jobs${query({ limit: listOptions.limit, cursor: listOptions.cursor })}`), contract.JobList);
    },

    async cancelJob(id) {
      return (await read(await call('POST', jobPath(id, '/cancel')), contract.JobAnswer)).job;
    },

    async putOriginal(id, image, putOptions = {}) {
      const path = `/v1/originals/${encodeURIComponent(id)}${query({
        namespace: ns(putOptions),
        metadata: putOptions.metadata === undefined ? undefined : JSON.stringify(putOptions.metadata),
        job: putOptions.job,
      })}`;
      return read(await call('PUT', path, { body: toBlob(image), type: 'application/octet-stream' }), contract.OriginalAccepted);
    },

    async health() {
      return read(await call('GET', '/healthz'), contract.Health);
    },

    async models() {
      return read(await call('GET', '/v1/models'), contract.ModelList);
    },

    async embed(image, embedOptions = {}) {
      const response = await call('POST', `/v1/embed${query({ ...embedOptions })}`, {
        body: toBlob(image),
        type: 'application/octet-stream',
      });
      const answer = await read(response, contract.EmbedVector);
      return { ...answer, vector: Float32Array.from(answer.vector) };
    },

    async putItem(id, source, putOptions = {}) {
      const { metadata, namespace: _namespace, ...embedOptions } = putOptions;
      const body: contract.PutItemJson = await sourceBody(source, metadata ? { metadata } : {});
      const response = await call('PUT', `${itemPath(id)}${query({ namespace: ns(putOptions), ...embedOptions })}`, jsonBody(body));
      return read(response, contract.ItemWritten);
    },

    async getItem(id, getOptions = {}) {
      let response: Response;
      try {
        response = await call('GET', `${itemPath(id)}${query({ namespace: ns(getOptions), vector: getOptions.vector || undefined })}`);
      } catch (error) {
        if (error instanceof EdgeFeaturesError && error.status === 404 && error.problemKind === 'item-not-found') return null;
        throw error;
      }
      const { vector, ...item } = await read(response, contract.StoredItem);
      return vector === undefined ? item : { ...item, vector: Float32Array.from(vector) };
    },

    async deleteItem(id, deleteOptions = {}) {
      const response = await call('DELETE', `${itemPath(id)}${query({ namespace: ns(deleteOptions) })}`);
      await response.body?.cancel();
    },

    async similar(id, searchOptions = {}) {
      const { k, metric, filter } = searchOptions;
      const path = `${itemPath(id, '/similar')}${query({ k, metric, namespace: ns(searchOptions), filter: filter && JSON.stringify(filter) })}`;
      return read(await call('GET', path), contract.SimilarResponse);
    },

    async search(source, searchOptions = {}) {
      const { k, metric, filter, resize, orientation } = searchOptions;
      const namespace = ns(searchOptions);
      const body: contract.SearchJson = await sourceBody(source, { k, metric, filter, namespace });
      return read(await call('POST', `/v1/search${query({ resize, orientation })}`, jsonBody(body)), contract.SearchResponse);
    },

    async compare(a, b, embedOptions = {}) {
      const form = new FormData();
      form.set('a', toBlob(a), 'a');
      form.set('b', toBlob(b), 'b');
      return read(await call('POST', `/v1/compare${query({ ...embedOptions })}`, { body: form }), contract.CompareResponse);
    },

    async putThumbnail(id, image, thumbOptions = {}) {
      const blob = toBlob(image);
      const response = await call('PUT', `/v1/thumbnails/${encodeURIComponent(id)}${query({ namespace: ns(thumbOptions) })}`, {
        body: blob,
        type: blob.type || 'application/octet-stream',
      });
      await read(response, contract.ThumbnailStored);
    },

    thumbnailUrl(id, thumbOptions = {}) {
      return `${baseUrl}/v1/thumbnails/${encodeURIComponent(id)}${query({ namespace: ns(thumbOptions) })}`;
    },

    async classify(probe, classifyOptions = {}) {
      const { k, label, metric, filter } = classifyOptions;
      const body: contract.ClassifyJson = await probeBody(probe, { k, label, metric, filter, namespace: ns(classifyOptions) });
      return read(await call('POST', '/v1/classify', jsonBody(body)), contract.ClassifyResponse);
    },

    async trainClassifier(trainOptions) {
      const { namespace: _namespace, ...body } = trainOptions;
      const response = await call('POST', `/v1/classifiers${query({ namespace: ns(trainOptions) })}`, jsonBody(body));
      return read(response, contract.ClassifierSummary);
    },

    async classifiers(listOptions = {}) {
      const response = await call('GET', `/v1/classifiers${query({ namespace: ns(listOptions) })}`);
      return (await read(response, contract.ClassifierList)).classifiers;
    },

    getClassifier(id, getOptions = {}) {
      return orNull('classifier-not-found', async () =>
        read(await call('GET', `${resourcePath('classifiers', id)}${query({ namespace: ns(getOptions) })}`), contract.ClassifierSummary),
      );
    },

    async deleteClassifier(id, deleteOptions = {}) {
      await (await call('DELETE', `${resourcePath('classifiers', id)}${query({ namespace: ns(deleteOptions) })}`)).body?.cancel();
    },

    async predict(classifierId, probe, predictOptions = {}) {
      const path = `${resourcePath('classifiers', classifierId, '/predict')}${query({ namespace: ns(predictOptions) })}`;
      const body: contract.PredictJson = await probeBody(probe, {});
      return read(await call('POST', path, jsonBody(body)), contract.PredictResponse);
    },

    async cluster(clusterOptions) {
      const { namespace: _namespace, ...body } = clusterOptions;
      const response = await call('POST', `/v1/clusterings${query({ namespace: ns(clusterOptions) })}`, jsonBody(body));
      return read(response, contract.ClusteringSummary);
    },

    async clusterings(listOptions = {}) {
      const response = await call('GET', `/v1/clusterings${query({ namespace: ns(listOptions) })}`);
      return (await read(response, contract.ClusteringList)).clusterings;
    },

    getClustering(id, getOptions = {}) {
      return orNull('clustering-not-found', async () =>
        read(await call('GET', `${resourcePath('clusterings', id)}${query({ namespace: ns(getOptions) })}`), contract.ClusteringSummary),
      );
    },

    async deleteClustering(id, deleteOptions = {}) {
      await (await call('DELETE', `${resourcePath('clusterings', id)}${query({ namespace: ns(deleteOptions) })}`)).body?.cancel();
    },

    async clusterItems(clusteringId, cluster, itemsOptions = {}) {
      const path = `${resourcePath('clusterings', clusteringId, `/clusters/${cluster}`)}${query({ namespace: ns(itemsOptions) })}`;
      return read(await call('GET', path), contract.ClusterItems);
    },

    async itemCluster(clusteringId, itemId, itemOptions = {}) {
      const path = `${resourcePath('clusterings', clusteringId, `/items/${encodeURIComponent(itemId)}`)}${query({ namespace: ns(itemOptions) })}`;
      return read(await call('GET', path), contract.ItemCluster);
    },

    async assignCluster(clusteringId, probe, assignOptions = {}) {
      const path = `${resourcePath('clusterings', clusteringId, '/assign')}${query({ namespace: ns(assignOptions) })}`;
      const body: contract.AssignJson = await probeBody(probe, {});
      return read(await call('POST', path, jsonBody(body)), contract.AssignResponse);
    },

    async duplicates(duplicateOptions = {}) {
      const { threshold, exactOnly } = duplicateOptions;
      const path = `/v1/duplicates${query({ namespace: ns(duplicateOptions), threshold, exact: exactOnly || undefined })}`;
      return read(await call('GET', path), contract.DuplicatesResponse);
    },

    async checkDuplicate(image, checkOptions = {}) {
      const body: contract.CheckJson = { image: await toBase64(image), threshold: checkOptions.threshold, namespace: ns(checkOptions) };
      return read(await call('POST', '/v1/duplicates/check', jsonBody(body)), contract.CheckResponse);
    },

    async recommend(positive, recommendOptions = {}) {
      const { negative, strategy, k, metric, filter } = recommendOptions;
      const body: contract.RecommendJson = {
        positive: positive.map(exampleOf),
        ...(negative && { negative: negative.map(exampleOf) }),
        strategy,
        k,
        metric,
        filter,
        namespace: ns(recommendOptions),
      };
      return read(await call('POST', '/v1/recommend', jsonBody(body)), contract.RecommendResponse);
    },

    async exportNamespace(exportOptions = {}) {
      const response = await call('GET', `/v1/export${query({ namespace: ns(exportOptions) })}`, { accept: contract.NDJSON_TYPE });
      const id = response.headers.get(contract.MODEL_ID_HEADER);
      const version = response.headers.get(contract.MODEL_VERSION_HEADER);
      const dims = Number(response.headers.get(contract.VECTOR_DIMS_HEADER));
      if (!id || !version || !Number.isInteger(dims) || dims <= 0 || !response.body) {
        await response.body?.cancel();
        throw new EdgeFeaturesError(
          'response',
          `the export from ${baseUrl} does not name its model (X-Model-Id, X-Model-Version, X-Vector-Dims)`,
        );
      }
      return { model: { id, version }, dims, body: response.body };
    },

    async importNdjson(body, importOptions) {
      const { model } = importOptions;
      const headers: Record<string, string> = {
        [contract.MODEL_ID_HEADER]: model.id,
        [contract.MODEL_VERSION_HEADER]: model.version,
        ...(model.dims !== undefined && { [contract.VECTOR_DIMS_HEADER]: String(model.dims) }),
      };
      const response = await call('POST', `/v1/import${query({ namespace: ns(importOptions) })}`, {
        body,
        type: contract.NDJSON_TYPE,
        headers,
      });
      return read(response, contract.ImportResult);
    },
  };
}
