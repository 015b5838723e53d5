/**
 * @module The ingest queue's consumer: each message is one item. It reads the image (a URL with the fetch
 * limits, or an ORIGINALS object), skips it when the store already holds the same content for this model
 * (sha256 + the store's model: no embed), else embeds and stores it through the indexer (which keeps the
 * original by content hash under KEEP_ORIGINALS), and reports each outcome to the item's job. A bad image fails for good (no
 * retry); a transient failure (a 5xx or timeout of the source, 503 busy) is retried with backoff, and once
 * the queue's max_retries are spent the message goes to the dead-letter queue, whose consumer
 * ({@link consumeDeadLetters}) records the item as failed in its job.
 */
import type { JobProblem } from '../../contract/jobs.ts';
import { PROBLEMS, problemType, ProblemError } from '../../contract/problems.ts';
import { sha256Hex } from '../../core/util/sha256.ts';
import { knownProblem } from '../../http/errors.ts';
import type { Indexer } from '../indexer.ts';
import { fetchImage, SourceError, type FetchLimits } from './fetch-image.ts';
import type { IngestMessage, ItemOutcome, JobDirectory, OriginalsBucket } from './types.ts';

/** The part of a queue message the consumer uses (the Workers `Message`). */
export interface QueueMessage {
  readonly body: IngestMessage;
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
async function indexOne(message: IngestMessage, options: ConsumerOptions): Promise<'done' | 'skipped'> {
  const { id, namespace, metadata } = message;
  const indexer = options.indexerFor(message.model);
  const image = await imageOf(message, options);
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

async function decide(message: QueueMessage, options: ConsumerOptions): Promise<Decision> {
  const { id } = message.body;
  try {
    return { outcome: { id, status: await indexOne(message.body, options) }, retry: false };
  } catch (error) {
    const known = await judged(error);
    if (known && !known.transient) return { outcome: { id, status: 'failed', problem: known.problem }, retry: false };
    if (!known) console.error(`ingest ${message.body.namespace}/${id}: attempt ${message.attempts} failed:`, error);
    return { outcome: { id, status: 'retrying', problem: known?.problem ?? internalProblem(error) }, retry: true };
  }
}

/** Groups messages by their job (undefined: single uploads). */
function byJob<M extends { readonly body: IngestMessage }>(messages: readonly M[]): Map<string | undefined, M[]> {
  const groups = new Map<string | undefined, M[]>();
  for (const message of messages) {
    const group = groups.get(message.body.job);
    if (group) group.push(message);
    else groups.set(message.body.job, [message]);
  }
  return groups;
}

/** Handles a batch of the ingest queue: every message is acked or retried. */
export async function consumeIngest(messages: readonly QueueMessage[], options: ConsumerOptions): Promise<void> {
  await Promise.all(
    [...byJob(messages)].map(async ([jobId, group]) => {
      const job = jobId !== undefined && options.jobs ? options.jobs.job(jobId) : undefined;
      // Items already finished (a redelivery) or cancelled are acked without work.
      const pending = job ? new Set(await job.pending(group.map((m) => m.body.id))) : undefined;
      const work = pending ? group.filter((m) => pending.has(m.body.id)) : group;
      for (const message of group) if (!work.includes(message)) message.ack();
      const decisions = await Promise.all(work.map((message) => decide(message, options)));
      try {
        await job?.report(decisions.map((d) => d.outcome));
      } catch (error) {
        // The job did not hear of them: deliver again (a stored item is then skipped, not embedded twice).
        console.error(`job ${jobId}: report failed, retrying ${work.length} messages:`, error);
        for (const message of work) message.retry({ delaySeconds: retryDelay(message.attempts, options.retryDelaySeconds) });
        return;
      }
      work.forEach((message, i) => {
        const decision = decisions[i]!;
        if (decision.retry) message.retry({ delaySeconds: retryDelay(message.attempts, options.retryDelaySeconds) });
        else message.ack();
        if (!job && decision.outcome.status === 'failed') {
          console.error(`upload ${message.body.namespace}/${message.body.id} failed: ${decision.outcome.problem.detail}`);
        }
      });
    }),
  );
}

/** Handles a batch of the dead-letter queue: each item is recorded as failed in its job. */
export async function consumeDeadLetters(
  messages: ReadonlyArray<{ readonly body: IngestMessage; ack(): void }>,
  jobs: JobDirectory | undefined,
): Promise<void> {
  await Promise.all(
    [...byJob(messages)].map(async ([jobId, group]) => {
      if (jobId !== undefined && jobs) await jobs.job(jobId).exhausted(group.map((m) => m.body.id));
      else for (const { body } of group) console.error(`dead letter: ${body.namespace}/${body.id} was never indexed`);
      for (const message of group) message.ack();
    }),
  );
}
