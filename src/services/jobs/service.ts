/**
 * @module Jobs as the routes (and a CLI) use them: create an ingest job from URLs or an ORIGINALS prefix,
 * or of uploads to come, or a re-index job from the originals of a namespace's items; read, list and cancel
 * jobs; take one upload into ORIGINALS (uploads/<namespace>/<id>), whose object-create event queues it. The
 * items go to the job's Durable Object, which feeds them to the queue.
 */
import { ACCEPTED_IMAGE_FORMATS } from '../../contract/common.ts';
import type { Job, JobList, OriginalAccepted } from '../../contract/jobs.ts';
import { ProblemError } from '../../contract/problems.ts';
import { sniffFormat } from '../../core/image/sniff.ts';
import { sha256Hex } from '../../core/util/sha256.ts';
import { ID_PATTERN, ID_RULE } from '../../store/validate.ts';
import { DEFAULT_NAMESPACE, type Metadata, type VectorStore } from '../../store/types.ts';
import type { ModelSwitch, ModelSwitchStore } from './model-switch.ts';
import {
  EVERY_NAMESPACE,
  originalKey,
  UPLOAD_META,
  uploadKey,
  type IngestQueue,
  type JobDirectory,
  type JobItem,
  type OriginalsBucket,
  type R2EventNotification,
} from './types.ts';

/** A create body as the contract reads it (namespace defaulted). */
export type CreateJob =
  | { readonly type: 'ingest'; readonly namespace: string; readonly source: IngestSourceRead }
  | {
      readonly type: 'reindex';
      /** Absent or empty: "default", or every namespace for a switch. */
      readonly namespace?: string | undefined;
      readonly model?: string | undefined;
      readonly from?: string | undefined;
      readonly switch?: boolean | undefined;
    };

type IngestSourceRead =
  | { readonly urls: ReadonlyArray<{ readonly id: string; readonly url: string; readonly metadata?: Metadata | undefined }> }
  | { readonly r2Prefix: string }
  | { readonly uploads: ReadonlyArray<{ readonly id: string; readonly metadata?: Metadata | undefined }> };

/** One upload as the route reads it. */
export interface Upload {
  readonly namespace: string;
  readonly id: string;
  readonly image: Uint8Array;
  readonly metadata?: Metadata | undefined;
  /** A job of uploads that lists this id. */
  readonly job?: string | undefined;
}

/** R2's limit on an object's custom metadata, keys included (https://developers.cloudflare.com/r2/platform/limits/). */
const R2_CUSTOM_METADATA_BYTES = 8192;

export interface JobServiceOptions {
  readonly jobs: JobDirectory;
  readonly queue: IngestQueue;
  readonly originals: OriginalsBucket | undefined;
  /** Most items of one job (JOB_MAX_ITEMS). */
  readonly maxItems: number;
  /** The serving model's id: a re-index builds its vectors unless it names another. */
  readonly servingModel: string;
  /** MODEL_ID's model (the serving one unless a re-index switched it). */
  readonly configuredModel: string;
  /** Where a switching re-index records its migration (the ITEMS namespace); absent: no switching. */
  readonly modelSwitch?: ModelSwitchStore | undefined;
  /** The models a re-index may name (ids), and the store of each. */
  readonly storeFor: (model: string) => VectorStore | undefined;
  /**
   * Who sends an upload's object-create event to the queue: `worker` (the upload route itself; local
   * development, or a bucket without a notification rule) or `r2` (the bucket's event notification rule).
   */
  readonly uploadEvents: 'worker' | 'r2';
}

export interface JobService {
  create(body: CreateJob): Promise<Job>;
  get(id: string): Promise<Job>;
  list(limit: number, cursor: string | undefined): Promise<JobList>;
  cancel(id: string): Promise<Job>;
  /** Puts an uploaded image under uploads/ in ORIGINALS, whose object-create event queues it for indexing. */
  upload(upload: Upload): Promise<OriginalAccepted>;
}

function tooLarge(count: string, maxItems: number): never {
  throw new ProblemError('job-too-large', `The job holds ${count} items; at most ${maxItems} per job (JOB_MAX_ITEMS).`, {
    limit: maxItems,
  });
}

export function createJobService(options: JobServiceOptions): JobService {
  const { jobs, queue, originals, maxItems } = options;

  function requireOriginals(): OriginalsBucket {
    if (originals) return originals;
    throw new ProblemError('originals-unavailable', 'No ORIGINALS R2 bucket is bound; see wrangler.toml.');
  }

  /** Every object under the prefix, as items named by the key after its last "/". */
  async function prefixItems(prefix: string): Promise<JobItem[]> {
    const bucket = requireOriginals();
    const items: JobItem[] = [];
    let cursor: string | undefined;
    do {
      const page = await bucket.list({ prefix, cursor, limit: 1000 });
      for (const { key } of page.objects) {
        const id = key.slice(key.lastIndexOf('/') + 1);
        if (!ID_PATTERN.test(id)) {
          throw new ProblemError('invalid-field', `source.r2Prefix: the object "${key}" names no valid item id (${ID_RULE})`, {
            field: 'source.r2Prefix',
          });
        }
        items.push({ id, origin: { r2: key } });
      }
      if (items.length > maxItems) tooLarge(`more than ${maxItems}`, maxItems);
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    return items;
  }

  /**
   * Every item of the namespace (or of every namespace: `EVERY_NAMESPACE`) under `from` that has an original,
   * to be embedded again.
   */
  async function reindexItems(namespace: string, from: string): Promise<JobItem[]> {
    requireOriginals();
    const store = options.storeFor(from);
    if (!store) throw new ProblemError('invalid-field', `from: no model "${from}" in this build`, { field: 'from' });
    const every = namespace === EVERY_NAMESPACE;
    const items: JobItem[] = [];
    for (const space of every ? await store.namespaces() : [namespace]) {
      for await (const page of store.scan({ namespace: space, values: 'codes' })) {
        page.ids.forEach((id, i) => {
          const hash = page.contentHashes[i];
          // Items stored as vectors have no image to embed again.
          if (hash === undefined) return;
          items.push({ id, ...(every && { namespace: space }), origin: { r2: originalKey(hash) }, metadata: page.metadata[i] });
        });
        if (items.length > maxItems) tooLarge(`more than ${maxItems}`, maxItems);
      }
    }
    return items;
  }

  /** A switching re-index: checked, and its migration recorded before the job exists (the job settles it). */
  async function startSwitch(
    jobId: string,
    from: string,
    to: string,
  ): Promise<{ record: { configured: string; from: string; to: string }; previous: ModelSwitch | null }> {
    const store = options.modelSwitch;
    if (!store)
      throw new ProblemError('not-supported', 'switch: the served model is switched through the ITEMS KV namespace, which is not bound');
    if (from !== options.servingModel) {
      throw new ProblemError('invalid-field', `from: a switch starts from the serving model ${options.servingModel}`, { field: 'from' });
    }
    if (to === options.servingModel) {
      throw new ProblemError('invalid-field', `model: ${to} is already serving; nothing to switch to`, { field: 'model' });
    }
    const current = await store.read();
    if (current?.state === 'migrating' && current.configured === options.configuredModel) {
      const running = await jobs.job(current.job).get();
      if (running && (running.state === 'queued' || running.state === 'running')) {
        throw new ProblemError(
          'switch-in-progress',
          `Re-index job ${current.job} is switching to ${current.to}; wait for it or cancel it.`,
          {
            job: current.job,
          },
        );
      }
    }
    const record = { configured: options.configuredModel, from, to };
    await store.write({ ...record, job: jobId, state: 'migrating', at: new Date().toISOString() });
    return { record, previous: current };
  }

  async function itemsOf(body: CreateJob, namespace: string): Promise<JobItem[]> {
    if (body.type === 'reindex') return reindexItems(namespace, body.from ?? options.servingModel);
    const { source } = body;
    if ('r2Prefix' in source) return prefixItems(source.r2Prefix);
    const [list, listed] = 'urls' in source ? ([source.urls, 'urls'] as const) : ([source.uploads, 'uploads'] as const);
    if (list.length > maxItems) tooLarge(String(list.length), maxItems);
    const seen = new Set<string>();
    return list.map((item, i) => {
      const { id, metadata } = item;
      if (seen.has(id))
        throw new ProblemError('invalid-field', `source.${listed}.${i}.id: "${id}" appears twice`, { field: `source.${listed}.${i}.id` });
      seen.add(id);
      const origin = 'url' in item ? { url: item.url } : { upload: uploadKey(body.namespace, id) };
      return { id, origin, metadata };
    });
  }

  /** The metadata an upload carries: its own, or (for a job) none — the job's item has it. */
  async function uploadMetadata({ namespace, id, metadata, job }: Upload): Promise<Record<string, string>> {
    if (job === undefined) {
      if (metadata === undefined) return {};
      const text = JSON.stringify(metadata);
      if (new TextEncoder().encode(text).length + UPLOAD_META.metadata.length > R2_CUSTOM_METADATA_BYTES) {
        throw new ProblemError(
          'invalid-field',
          `metadata: an upload carries at most ${R2_CUSTOM_METADATA_BYTES - UPLOAD_META.metadata.length} bytes of JSON (R2's object metadata limit); list larger metadata in a job of uploads`,
          { field: 'metadata' },
        );
      }
      return { [UPLOAD_META.metadata]: text };
    }
    if (metadata !== undefined) {
      throw new ProblemError('invalid-field', "metadata: an upload for a job takes its item's metadata from the job; leave it out", {
        field: 'metadata',
      });
    }
    const handle = jobs.job(job);
    const state = await found(job, await handle.get());
    if (state.namespace !== namespace) {
      throw new ProblemError('invalid-field', `namespace: job "${job}" indexes into namespace "${state.namespace}", not "${namespace}"`, {
        field: 'namespace',
      });
    }
    if (!(await handle.awaitingUpload(id))) {
      throw new ProblemError(
        'invalid-field',
        `job: job "${job}" (${state.state}) has no item "${id}" waiting for an upload (a job of uploads lists its ids when created; an item already indexed or cancelled takes none)`,
        { field: 'job' },
      );
    }
    return { [UPLOAD_META.job]: job };
  }

  async function found(id: string, job: Job | null): Promise<Job> {
    if (job) return job;
    throw new ProblemError('job-not-found', `No job "${id}".`, { id });
  }

  return {
    async create(body) {
      let model: string | undefined;
      let namespace = body.namespace || DEFAULT_NAMESPACE;
      if (body.type === 'reindex') {
        model = body.model ?? options.servingModel;
        if (!options.storeFor(model))
          throw new ProblemError('invalid-field', `model: no model "${model}" in this build`, { field: 'model' });
        if (body.switch) {
          if (body.namespace) {
            throw new ProblemError('invalid-field', 'namespace: a re-index with switch covers every namespace; leave namespace out', {
              field: 'namespace',
            });
          }
          namespace = EVERY_NAMESPACE;
        }
      }
      const items = await itemsOf(body, namespace);
      const id = crypto.randomUUID();
      const createdAt = new Date().toISOString();
      const switching =
        body.type === 'reindex' && body.switch ? await startSwitch(id, body.from ?? options.servingModel, model!) : undefined;
      let job: Job;
      try {
        job = await jobs.job(id).create({
          id,
          type: body.type,
          namespace,
          // Named even when it serves now: its messages must build it whichever model serves when they are consumed.
          ...(model !== undefined && { model }),
          createdAt,
          items,
          ...(switching && { switch: switching.record }),
        });
      } catch (error) {
        // No job will settle the migration: it never started.
        if (switching?.previous) await options.modelSwitch?.write(switching.previous);
        else if (switching) await options.modelSwitch?.clear();
        throw error;
      }
      await jobs.index.add(id, createdAt);
      return job;
    },
    get: async (id) => found(id, await jobs.job(id).get()),
    cancel: async (id) => found(id, await jobs.job(id).cancel()),
    async list(limit, cursor) {
      const page = await jobs.index.page(limit, cursor);
      const listed = await Promise.all(page.ids.map((id) => jobs.job(id).get()));
      return { jobs: listed.filter((job): job is Job => job !== null), cursor: page.cursor };
    },
    async upload(upload) {
      const { namespace, id, image, job } = upload;
      const bucket = requireOriginals();
      if (!sniffFormat(image)) {
        throw new ProblemError(
          'unsupported-image-format',
          `The upload is not an image of a format this service reads: ${ACCEPTED_IMAGE_FORMATS.join(', ')}.`,
          {
            accepted: ACCEPTED_IMAGE_FORMATS,
          },
        );
      }
      const customMetadata = await uploadMetadata(upload);
      const [contentHash, key] = [await sha256Hex(image), uploadKey(namespace, id)];
      const put = await bucket.put(key, image, { customMetadata });
      if (options.uploadEvents === 'worker') {
        // What the bucket's notification rule sends in a deployment (ORIGINALS_EVENTS = "r2"), sent here instead.
        const event: R2EventNotification = {
          account: 'local',
          bucket: 'ORIGINALS',
          action: 'PutObject',
          object: { key, size: image.byteLength, ...(put && { eTag: put.etag }) },
          eventTime: new Date().toISOString(),
        };
        await queue.send(event);
      }
      return { id, namespace, key, contentHash, ...(job !== undefined && { job }), state: 'queued' };
    },
  };
}
