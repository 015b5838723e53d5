/**
 * @module The ingest queue's consumer: each message is one item. It reads the image (a URL with the fetch
 * limits, or an ORIGINALS object), skips it when the store already holds the same content for this model
 * (sha256 + the store's model: no embed), else embeds and stores it through the indexer (which keeps the
 * original by content hash under KEEP_ORIGINALS), and reports each outcome to the item's job. A bad image fails for good (no
 * retry); a transient failure (a 5xx or timeout of the source, 503 busy) is retried with backoff, and once
 * the queue's max_retries are spent the message goes to the dead-letter queue, whose consumer
 * ({@link consumeDeadLetters}) records the item as failed in its job.
 *
 * The queue also carries R2 event notifications of the ORIGINALS bucket: an object created under
 * `uploads/<namespace>/<id>` (PUT /v1/originals/{id}, or any tool writing to the bucket) is the item `id` of
 * `namespace`, its job and metadata in the object's custom metadata; once its outcome is final (and its job
 * has heard of it) the upload is deleted — the original stays only under KEEP_ORIGINALS, by content hash.
 */
import type { JobProblem } from '../../contract/jobs.ts';
import { PROBLEMS, problemType, ProblemError } from '../../contract/problems.ts';
import { sha256Hex } from '../../core/util/sha256.ts';
import { knownProblem } from '../../http/errors.ts';
import { metadataProblem } from '../../store/validate.ts';
import type { Metadata } from '../../store/types.ts';
import type { Indexer } from '../indexer.ts';
import { fetchImage, SourceError, type FetchLimits } from './fetch-image.ts';
import {
  isR2Event,
  jobKeyOf,
  originalKey,
  parseUploadKey,
  UPLOAD_META,
  type IngestMessage,
  type IngestQueueBody,
  type ItemOutcome,
  type JobDirectory,
  type OriginalsBucket,
  type R2EventNotification,
} from './types.ts';

/** The part of a queue message the consumer uses (the Workers `Message`). */
export interface QueueMessage {
  readonly body: IngestQueueBody;
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

export interface ConsumerOptions {
  /** The indexer of a model: the serving one when `model` is undefined (a re-index names another). */
  readonly indexerFor: (model: string | undefined) => Indexer;
  readonly jobs: JobDirectory | undefined;
  readonly originals: OriginalsBucket | undefined;
  readonly fetchLimits: FetchLimits;
  /** Seconds before the first retry; each further attempt waits twice as long (JOB_RETRY_DELAY_SECONDS). */
  readonly retryDelaySeconds: number;
  readonly fetch?: typeof fetch;
}

/** Queues delay a retry by at most 12 hours; a job's backoff stops at 15 minutes. */
const MAX_RETRY_DELAY_SECONDS = 900;

export function retryDelay(attempts: number, base: number): number {
  return Math.min(MAX_RETRY_DELAY_SECONDS, base * 2 ** Math.max(0, attempts - 1));
}

type Decision = { readonly outcome: ItemOutcome; readonly retry: boolean };

/** A message as an item to index; an upload also names its object and the metadata text it carries. */
interface WorkItem {
  readonly message: QueueMessage;
  readonly body: IngestMessage;
  readonly upload?: { readonly key: string; readonly metadataText?: string | undefined };
}

/** The R2 actions that create an object (https://developers.cloudflare.com/r2/buckets/event-notifications/). */
const CREATE_ACTIONS = new Set(['PutObject', 'CopyObject', 'CompleteMultipartUpload']);

/**
 * The item an R2 event stands for, read from its object's custom metadata; undefined when there is nothing
 * to index: another action, a key outside uploads/, or an object already gone (indexed by an earlier delivery).
 */
async function uploadItem(message: QueueMessage, event: R2EventNotification, originals: OriginalsBucket | undefined) {
  const { key } = event.object;
  const ref = CREATE_ACTIONS.has(event.action) ? parseUploadKey(key) : undefined;
  if (!ref) return undefined;
  if (!originals) throw new Error('an R2 event reached the consumer, but no ORIGINALS bucket is bound');
  const head = await originals.head(key);
  if (!head) return undefined;
  const meta = head.customMetadata ?? {};
  const body: IngestMessage = { ...ref, origin: { r2: key }, ...(meta[UPLOAD_META.job] !== undefined && { job: meta[UPLOAD_META.job] }) };
  return { message, body, upload: { key, metadataText: meta[UPLOAD_META.metadata] } } satisfies WorkItem;
}

/** An upload's metadata, from the JSON text in its custom metadata (checked as an item's metadata is). */
function uploadMetadata(text: string | undefined): Metadata | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProblemError('invalid-field', 'metadata: the upload\'s "metadata" custom metadata is not JSON', { field: 'metadata' });
  }
  const why = metadataProblem(value);
  if (why) throw new ProblemError('invalid-field', `metadata: ${why}`, { field: 'metadata' });
  return value as Metadata;
}

/** The problem document of a failure, and whether a retry may help; undefined for an unknown fault. */
async function judged(error: unknown): Promise<{ problem: JobProblem; transient: boolean } | undefined> {
  const response = knownProblem(error);
  if (!response) return undefined;
  const { type, title, status, detail } = (await response.json()) as JobProblem;
  const transient = error instanceof SourceError ? error.transient : status === 429 || (status >= 500 && status !== 501);
  return { problem: { type, title, status, detail }, transient };
}

function internalProblem(error: unknown): JobProblem {
  return {
    type: problemType('internal'),
    title: PROBLEMS.internal.title,
    status: PROBLEMS.internal.status,
    detail: `An unexpected fault (retried): ${error instanceof Error ? error.message : String(error)}`.slice(0, 500),
  };
}

async function imageOf(message: IngestMessage, options: ConsumerOptions): Promise<Uint8Array> {
  const { origin } = message;
  if ('url' in origin) return fetchImage(origin.url, options.fetchLimits, options.fetch);
  if (!options.originals) throw new ProblemError('originals-unavailable', 'No ORIGINALS R2 bucket is bound; see wrangler.toml.');
  const object = await options.originals.get(origin.r2);
  if (!object) throw new SourceError('original-not-found', `No object "${origin.r2}" in ORIGINALS.`, false);
  return new Uint8Array(await object.arrayBuffer());
}

function sameMetadata(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
}

/** One item: read, skip or embed and store, keep the original. Throws what failed. */
async function indexOne(item: WorkItem, options: ConsumerOptions): Promise<'done' | 'skipped'> {
  const message = item.body;
  const { id, namespace } = message;
  const metadata = item.upload ? await uploadMetadataOf(item, options) : message.metadata;
  const indexer = options.indexerFor(message.model);
  const image = await imageOf(message, options).catch(async (error: unknown) => {
    if (await goneFromSource(message, error, options)) return undefined;
    throw error;
  });
  // Deleted or replaced since the job listed it: nothing to carry over (a deletion during a migration is mirrored).
  if (!image) return 'skipped';
  const contentHash = await sha256Hex(image);
  const existing = await indexer.store.get(id, { namespace });
  let status: 'done' | 'skipped';
  if (existing?.contentHash === contentHash) {
    // Same content, same model (the store is the model's): no embed; new metadata is still written.
    if (metadata !== undefined && !sameMetadata(existing.metadata, metadata)) {
      await indexer.store.upsert([{ id, namespace, vector: existing.vector, metadata, contentHash }]);
    }
    status = 'skipped';
  } else {
    await indexer.put(namespace, { id, metadata, source: { image } });
    status = 'done';
  }
  return status;
}

/**
 * Whether a re-index (a message for another model) lost its original because the serving model's item is gone
 * or holds other content now: its original was released with it, so the item has nothing left to carry over.
 */
async function goneFromSource(message: IngestMessage, error: unknown, options: ConsumerOptions): Promise<boolean> {
  if (message.model === undefined || !('r2' in message.origin)) return false;
  if (!(error instanceof SourceError) || error.kind !== 'original-not-found') return false;
  const source = await options.indexerFor(undefined).store.get(message.id, { namespace: message.namespace });
  return !source?.contentHash || originalKey(source.contentHash) !== message.origin.r2;
}

/** An upload's metadata: its job's item's (an upload for a job carries none), or its own custom metadata. */
async function uploadMetadataOf(item: WorkItem, options: ConsumerOptions): Promise<Metadata | undefined> {
  const { job } = item.body;
  if (job !== undefined && options.jobs) return (await options.jobs.job(job).awaitingUpload(item.body.id))?.metadata;
  return uploadMetadata(item.upload?.metadataText);
}

async function decide(item: WorkItem, options: ConsumerOptions): Promise<Decision> {
  const id = jobKeyOf(item.body);
  try {
    return { outcome: { id, status: await indexOne(item, options) }, retry: false };
  } catch (error) {
    const known = await judged(error);
    if (known && !known.transient) return { outcome: { id, status: 'failed', problem: known.problem }, retry: false };
    if (!known) console.error(`ingest ${item.body.namespace}/${item.body.id}: attempt ${item.message.attempts} failed:`, error);
    return { outcome: { id, status: 'retrying', problem: known?.problem ?? internalProblem(error) }, retry: true };
  }
}

/** Groups items by their job (undefined: single uploads). */
function byJob<M extends { readonly body: IngestMessage }>(items: readonly M[]): Map<string | undefined, M[]> {
  const groups = new Map<string | undefined, M[]>();
  for (const item of items) {
    const group = groups.get(item.body.job);
    if (group) group.push(item);
    else groups.set(item.body.job, [item]);
  }
  return groups;
}

/** Each message as an item to index; a message with nothing to index is acked, one that cannot be read yet retried. */
async function workOf(messages: readonly QueueMessage[], options: ConsumerOptions): Promise<WorkItem[]> {
  const items = await Promise.all(
    messages.map(async (message): Promise<WorkItem | undefined> => {
      if (typeof message.body !== 'object' || message.body === null) {
        // Nothing any retry could do with it.
        console.error(`ingest: a message that is no object was dropped: ${JSON.stringify(message.body)}`.slice(0, 500));
        message.ack();
        return undefined;
      }
      if (!isR2Event(message.body)) return { message, body: message.body };
      try {
        const item = await uploadItem(message, message.body, options.originals);
        if (!item) message.ack();
        return item;
      } catch (error) {
        console.error(`ingest: the R2 event of "${message.body.object.key}" could not be read, retrying:`, error);
        message.retry({ delaySeconds: retryDelay(message.attempts, options.retryDelaySeconds) });
        return undefined;
      }
    }),
  );
  return items.filter((item) => item !== undefined);
}

/** Handles a batch of the ingest queue: every message is acked or retried. */
export async function consumeIngest(messages: readonly QueueMessage[], options: ConsumerOptions): Promise<void> {
  const items = await workOf(messages, options);
  await Promise.all(
    [...byJob(items)].map(async ([jobId, group]) => {
      const job = jobId !== undefined && options.jobs ? options.jobs.job(jobId) : undefined;
      // Items already finished (a redelivery) or cancelled are acked without work.
      const pending = job ? new Set(await job.pending(group.map((item) => jobKeyOf(item.body)))) : undefined;
      const work = pending ? group.filter((item) => pending.has(jobKeyOf(item.body))) : group;
      const dropped = group.filter((item) => !work.includes(item));
      await deleteUploads(dropped, options.originals);
      for (const item of dropped) item.message.ack();
      const decisions = await Promise.all(work.map((item) => decide(item, options)));
      try {
        await job?.report(decisions.map((d) => d.outcome));
      } catch (error) {
        // The job did not hear of them: deliver again (a stored item is then skipped, not embedded twice).
        console.error(`job ${jobId}: report failed, retrying ${work.length} messages:`, error);
        for (const { message } of work) message.retry({ delaySeconds: retryDelay(message.attempts, options.retryDelaySeconds) });
        return;
      }
      // An upload whose outcome is final has done its work (the original, if kept, is under originals/).
      await deleteUploads(
        work.filter((_, i) => !decisions[i]!.retry),
        options.originals,
      );
      work.forEach((item, i) => {
        const decision = decisions[i]!;
        if (decision.retry) item.message.retry({ delaySeconds: retryDelay(item.message.attempts, options.retryDelaySeconds) });
        else item.message.ack();
        if (!job && decision.outcome.status === 'failed') {
          console.error(`upload ${item.body.namespace}/${item.body.id} failed: ${decision.outcome.problem.detail}`);
        }
      });
    }),
  );
}

async function deleteUploads(items: readonly WorkItem[], originals: OriginalsBucket | undefined): Promise<void> {
  const keys = items.flatMap((item) => (item.upload ? [item.upload.key] : []));
  if (keys.length && originals) await Promise.all(keys.map((key) => originals.delete(key)));
}

/**
 * Handles a batch of the dead-letter queue: each item is recorded as failed in its job. An upload's object
 * stays under uploads/ (every delivery failed: kept for a look, or to be put again).
 */
export async function consumeDeadLetters(
  messages: ReadonlyArray<{ readonly body: IngestQueueBody; ack(): void }>,
  jobs: JobDirectory | undefined,
  originals: OriginalsBucket | undefined,
): Promise<void> {
  const items = await Promise.all(
    messages.map(async (message) => {
      if (typeof message.body !== 'object' || message.body === null) return undefined;
      if (!isR2Event(message.body)) return { message, body: message.body };
      const ref = parseUploadKey(message.body.object.key);
      const head = ref && originals ? await originals.head(message.body.object.key) : null;
      const job = head?.customMetadata?.[UPLOAD_META.job];
      return ref ? { message, body: { ...ref, origin: { r2: message.body.object.key }, ...(job !== undefined && { job }) } } : undefined;
    }),
  );
  for (const message of messages) if (!items.some((item) => item?.message === message)) message.ack();
  await Promise.all(
    [...byJob(items.filter((item) => item !== undefined))].map(async ([jobId, group]) => {
      if (jobId !== undefined && jobs) await jobs.job(jobId).exhausted(group.map((item) => jobKeyOf(item.body)));
      else for (const { body } of group) console.error(`dead letter: ${body.namespace}/${body.id} was never indexed`);
      for (const { message } of group) message.ack();
    }),
  );
}
