/**
 * @module The shapes the job pieces share: a queue message (one item), an item's outcome as the consumer
 * reports it, what a job is created from, and the ports (the job objects, the queue, the originals bucket)
 * the services reach the platform through. src/worker.ts adapts the bindings to these.
 */
import type { Job, JobProblem, JobState, JobType } from '../../contract/jobs.ts';
import type { Metadata } from '../../store/types.ts';

/** Where a queued item's image comes from: a remote URL, or an object of the ORIGINALS bucket. */
export type ItemOrigin = { readonly url: string } | { readonly r2: string };

/**
 * Where a job item's image will come from: an upload to `uploads/<namespace>/<id>` (PUT /v1/originals/{id}?job=),
 * whose object-create event brings it to the queue. The job's alarm sends no message for such an item.
 */
export type JobItemOrigin = ItemOrigin | { readonly upload: string };

/** One queue message: one item to embed and store. */
export interface IngestMessage {
  /** The job that counts it; absent for a single upload (PUT /v1/originals/{id}). */
  readonly job?: string | undefined;
  readonly namespace: string;
  readonly id: string;
  /** The job's name for the item where it is not `id`: `<namespace>/<id>` in a job over every namespace. */
  readonly key?: string | undefined;
  readonly origin: ItemOrigin;
  readonly metadata?: Metadata | undefined;
  /** The model to embed with (a re-index to another model); absent: the serving model. */
  readonly model?: string | undefined;
}

/** How a job names an item: its id, or `<namespace>/<id>` in a job over every namespace (ids hold no "/"). */
export const jobKeyOf = (message: IngestMessage): string => message.key ?? message.id;

/** A job's `namespace` when it visits every namespace (a switching re-index). */
export const EVERY_NAMESPACE = '*';

/** An item of a job as created: its id, where its image is, its metadata. */
export interface JobItem {
  readonly id: string;
  /** Its namespace, in a job over every namespace; absent: the job's. */
  readonly namespace?: string | undefined;
  readonly origin: JobItemOrigin;
  readonly metadata?: Metadata | undefined;
}

export interface JobSpec {
  readonly id: string;
  readonly type: JobType;
  readonly namespace: string;
  readonly model?: string | undefined;
  readonly createdAt: string;
  readonly items: readonly JobItem[];
  /** A re-index that switches the served model from `from` to `to` once it is done with no failed item. */
  readonly switch?: { readonly configured: string; readonly from: string; readonly to: string } | undefined;
}

/**
 * What became of an item: `done` (embedded and stored), `skipped` (already stored with the same content
 * for this model), `failed` (for good, with its problem), or `retrying` (a transient failure: the item stays
 * queued, its problem is kept for the dead-letter queue to record should the retries run out).
 */
export type ItemOutcome =
  | { readonly id: string; readonly status: 'done' | 'skipped' }
  | { readonly id: string; readonly status: 'failed' | 'retrying'; readonly problem: JobProblem };

/** One job's state (a Durable Object in the Worker; the RPC methods it answers). */
export interface JobHandle {
  create(spec: JobSpec): Promise<Job>;
  get(): Promise<Job | null>;
  /** Of these ids, those still queued (neither finished nor cancelled): the consumer works on these only. */
  pending(ids: readonly string[]): Promise<string[]>;
  /** The item waiting for its upload (a job of uploads), with its metadata; null when there is none. */
  awaitingUpload(id: string): Promise<{ metadata?: Metadata | undefined } | null>;
  /** Records outcomes (an item leaves `queued` once); answers the job's state (the full job is `get`'s: it counts every row). */
  report(outcomes: readonly ItemOutcome[]): Promise<JobState | null>;
  /** Records the items the dead-letter queue received as failed, with the last problem a retry kept. */
  exhausted(ids: readonly string[]): Promise<JobState | null>;
  cancel(): Promise<Job | null>;
}

/** The list of jobs, newest first (another Durable Object). */
export interface JobIndex {
  add(id: string, createdAt: string): Promise<void>;
  /** Job ids newest first, after `cursor` (an id of the previous page), and the cursor of the next page. */
  page(limit: number, cursor: string | undefined): Promise<{ ids: string[]; cursor: string | null }>;
}

export interface JobDirectory {
  job(id: string): JobHandle;
  readonly index: JobIndex;
}

/** The part of an R2 bucket the jobs use (the ORIGINALS binding). */
export interface OriginalsBucket {
  get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>;
  head(key: string): Promise<{ readonly customMetadata?: Record<string, string> | undefined } | null>;
  put(
    key: string,
    value: Uint8Array,
    options?: { httpMetadata?: { contentType?: string }; customMetadata?: Record<string, string> },
  ): Promise<{ readonly size: number; readonly etag: string } | null>;
  delete(key: string): Promise<void>;
  list(options: { prefix: string; cursor?: string; limit?: number }): Promise<{
    objects: ReadonlyArray<{ readonly key: string }>;
    truncated: boolean;
    cursor?: string;
  }>;
}

/**
 * The body of an R2 event notification (https://developers.cloudflare.com/r2/buckets/event-notifications/):
 * what the ORIGINALS bucket sends to the ingest queue for an object put under `uploads/` in a deployment,
 * and what PUT /v1/originals/{id} sends itself where no bucket does (locally: ORIGINALS_EVENTS = "local").
 */
export interface R2EventNotification {
  readonly account: string;
  readonly bucket: string;
  readonly action: string;
  readonly object: { readonly key: string; readonly size?: number; readonly eTag?: string };
  readonly eventTime: string;
  readonly copySource?: { readonly bucket: string; readonly object: string };
}

/** A message of the ingest queue: an item of a job (or a reindex), or an R2 event of the ORIGINALS bucket. */
export type IngestQueueBody = IngestMessage | R2EventNotification;

export function isR2Event(body: IngestQueueBody): body is R2EventNotification {
  return 'action' in body && typeof body.object === 'object' && body.object !== null && typeof body.object.key === 'string';
}

/** The part of a queue producer binding the jobs use. */
export interface IngestQueue {
  sendBatch(messages: Iterable<{ body: IngestQueueBody }>): Promise<unknown>;
  send(message: IngestQueueBody): Promise<unknown>;
}

/** The key of an image in ORIGINALS: by content, so one image stored under many ids is kept once. */
export const originalKey = (contentHash: string): string => `originals/${contentHash}`;

/**
 * Uploads wait at `uploads/<namespace>/<id>` until the consumer has indexed them, then go (the original, if
 * kept, is under originals/). An event notification rule on this prefix feeds the queue in a deployment.
 */
export const UPLOADS_PREFIX = 'uploads/';
export const uploadKey = (namespace: string, id: string): string => `${UPLOADS_PREFIX}${namespace}/${id}`;

/** The namespace and id an upload's key names; undefined for a key outside uploads/ or of another shape. */
export function parseUploadKey(key: string): { namespace: string; id: string } | undefined {
  const match = /^uploads\/([^/]+)\/([^/]+)$/.exec(key);
  return match ? { namespace: match[1]!, id: match[2]! } : undefined;
}

/** The custom metadata an upload object carries (R2 `customMetadata`; S3 `x-amz-meta-*`). */
export const UPLOAD_META = { job: 'job', metadata: 'metadata' } as const;
