/**
 * @module Every problem kind the API answers, with its status and title: routes throw a kind from here,
 * the OpenAPI document lists the kinds of each status, docs/api.md tables them (test/http/problems.test.ts keeps
 * that table in step) and the client knows them.
 * Plain data (no zod, no hono): services throw {@link ProblemError} without knowing about HTTP.
 */
import type { ImageErrorCode } from '../core/image/types.ts';

export const PROBLEMS = {
  // 400: the request could not be read.
  'empty-body': { status: 400, title: 'The request has no image' },
  'malformed-json': { status: 400, title: 'The JSON body could not be parsed' },
  'malformed-multipart': { status: 400, title: 'The multipart body could not be parsed' },
  'malformed-image': { status: 400, title: 'The image could not be decoded' },
  'malformed-ndjson': { status: 400, title: 'A line of the NDJSON body is not an item' },
  // 401 / 403: who is asking and may they (the guard, before any route).
  unauthorized: { status: 401, title: 'An API key is required' },
  'invalid-api-key': { status: 401, title: 'The API key is not valid' },
  'insufficient-scope': { status: 403, title: 'The API key lacks a scope this request needs' },
  // 404
  'not-found': { status: 404, title: 'Not found' },
  'item-not-found': { status: 404, title: 'No such item' },
  'model-not-found': { status: 404, title: 'No such model' },
  'thumbnail-not-found': { status: 404, title: 'No thumbnail' },
  'classifier-not-found': { status: 404, title: 'No such classifier' },
  'clustering-not-found': { status: 404, title: 'No such clustering' },
  'cluster-not-found': { status: 404, title: 'No such cluster' },
  'job-not-found': { status: 404, title: 'No such job' },
  // 409
  'resource-model-mismatch': { status: 409, title: 'The classifier or clustering was made from another model' },
  'switch-in-progress': { status: 409, title: 'Another re-index job is switching the served model' },
  // 413: over a limit of this deployment.
  'body-too-large': { status: 413, title: 'Request body too large' },
  'batch-too-large': { status: 413, title: 'Too many images or items in one request' },
  'image-too-large': { status: 413, title: 'The image has too many pixels' },
  'namespace-too-large': { status: 413, title: 'The namespace has too many items for one request' },
  'job-too-large': { status: 413, title: 'The job has more items than this deployment takes in one job' },
  // 415
  'unsupported-media-type': { status: 415, title: 'Unsupported request content type' },
  'unsupported-image-format': { status: 415, title: 'Unsupported image format' },
  // 422: read, but not acceptable.
  'invalid-field': { status: 422, title: 'Invalid request field' },
  'invalid-id': { status: 422, title: 'Invalid item id' },
  'k-too-large': { status: 422, title: 'k is above what this store returns' },
  'metric-not-supported': { status: 422, title: 'The store does not offer this metric' },
  'model-mismatch': { status: 422, title: 'The vector comes from another model' },
  'dims-mismatch': { status: 422, title: 'The vector has the wrong number of dimensions' },
  'limit-exceeded': { status: 422, title: 'Over a limit of the store' },
  'label-not-found': { status: 422, title: 'No item has the label field' },
  'too-few-labelled': { status: 422, title: 'Too few labelled items to train on' },
  'too-few-items': { status: 422, title: 'The namespace has fewer items than this needs' },
  // 429
  'too-many-requests': { status: 429, title: 'Too many requests' },
  'rate-limited': { status: 429, title: 'Too many writes to one item' },
  // 5xx
  internal: { status: 500, title: 'Internal error' },
  'store-misconfigured': { status: 500, title: 'The vector store is misconfigured' },
  'not-supported': { status: 501, title: 'The store cannot do this' },
  // A job's image source (its URL) failed: recorded per item in the job, never an answer to a request.
  'fetch-failed': { status: 502, title: 'The image could not be fetched from its source' },
  'original-not-found': { status: 502, title: 'The original image is not in the ORIGINALS bucket' },
  busy: { status: 503, title: 'The service is busy' },
  'model-unavailable': { status: 503, title: 'The model could not be loaded' },
  'store-unavailable': { status: 503, title: 'No vector store is configured' },
  'store-capacity': { status: 503, title: 'The store cannot answer this within one request' },
  'thumbnails-unavailable': { status: 503, title: 'This deployment keeps no thumbnails' },
  'jobs-unavailable': { status: 503, title: 'This deployment has no job queue' },
  'originals-unavailable': { status: 503, title: 'This deployment keeps no originals' },
  'fetch-timeout': { status: 504, title: 'The image source did not answer in time' },
} as const satisfies Record<string, { readonly status: number; readonly title: string }>;

export type ProblemKind = keyof typeof PROBLEMS;

/** The problem each image failure of the core is answered with (the HTTP layer, and the CLI's local embeds). */
export const IMAGE_ERROR_PROBLEMS: Record<ImageErrorCode, ProblemKind> = {
  unsupported_format: 'unsupported-image-format',
  malformed: 'malformed-image',
  too_many_pixels: 'image-too-large',
};
export type ProblemStatus = (typeof PROBLEMS)[ProblemKind]['status'];

export const PROBLEM_KINDS = Object.keys(PROBLEMS) as ProblemKind[];

/** Where problem types live: `type` is this plus the kind. */
export const PROBLEM_TYPE_BASE = 'https://edge-features.dev/problems/';

export const problemType = (kind: ProblemKind): string => `${PROBLEM_TYPE_BASE}${kind}`;

/** The kind of a problem document's `type`, if it is one of ours. */
export function problemKindOf(type: string): ProblemKind | undefined {
  const kind = type.startsWith(PROBLEM_TYPE_BASE) ? type.slice(PROBLEM_TYPE_BASE.length) : '';
  return Object.hasOwn(PROBLEMS, kind) ? (kind as ProblemKind) : undefined;
}

/**
 * A refusal or failure with its problem kind, thrown below the HTTP layer (services, the inference gate);
 * the HTTP layer answers it as problem+json with the kind's status.
 */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  readonly kind: ProblemKind;
  /** Extra members of the problem document, e.g. `limit`, `expected`, `accepted`. */
  readonly extra: Readonly<Record<string, unknown>>;
  /** Response headers, e.g. `retry-after`. */
  readonly headers: Readonly<Record<string, string>>;
  constructor(kind: ProblemKind, detail: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    super(detail);
    this.kind = kind;
    this.extra = extra;
    this.headers = headers;
  }
  get status(): ProblemStatus {
    return PROBLEMS[this.kind].status;
  }
}
