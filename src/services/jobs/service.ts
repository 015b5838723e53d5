/**
 * @module Jobs as the routes (and a CLI) use them: create an ingest job from URLs or an ORIGINALS prefix,
 * or a re-index job from the originals of a namespace's items; read, list and cancel jobs; take one upload
 * into ORIGINALS and queue it. The items go to the job's Durable Object, which feeds them to the queue.
 */
import { ACCEPTED_IMAGE_FORMATS } from '../../contract/common.ts';
import type { Job, JobList, OriginalAccepted } from '../../contract/jobs.ts';
import { ProblemError } from '../../contract/problems.ts';
import { sniffFormat } from '../../core/image/sniff.ts';
import { sha256Hex } from '../../core/util/sha256.ts';
import { ID_PATTERN, ID_RULE } from '../../store/validate.ts';
import type { Metadata, VectorStore } from '../../store/types.ts';
import { originalKey, type IngestQueue, type JobDirectory, type JobItem, type OriginalsBucket } from './types.ts';

/** A create body as the contract reads it (namespace defaulted). */
export type CreateJob =
  | { readonly type: 'ingest'; readonly namespace: string; readonly source: IngestSourceRead }
  | { readonly type: 'reindex'; readonly namespace: string; readonly model?: string | undefined; readonly from?: string | undefined };

type IngestSourceRead =
  | { readonly urls: ReadonlyArray<{ readonly id: string; readonly url: string; readonly metadata?: Metadata | undefined }> }
  | { readonly r2Prefix: string };

export interface JobServiceOptions {
  readonly jobs: JobDirectory;
  readonly queue: IngestQueue;
  readonly originals: OriginalsBucket | undefined;
  /** Most items of one job (JOB_MAX_ITEMS). */
  readonly maxItems: number;
  /** The serving model's id: a re-index builds its vectors unless it names another. */
  readonly servingModel: string;
  /** The models a re-index may name (ids), and the store of each. */
  readonly storeFor: (model: string) => VectorStore | undefined;
}

export interface JobService {
  create(body: CreateJob): Promise<Job>;
  get(id: string): Promise<Job>;
  list(limit: number, cursor: string | undefined): Promise<JobList>;
  cancel(id: string): Promise<Job>;
  /** Keeps an uploaded image in ORIGINALS and queues it for indexing (no job). */
  upload(namespace: string, id: string, image: Uint8Array, metadata: Metadata | undefined): Promise<OriginalAccepted>;
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

  /** Every item of the namespace under `from` that has an original, to be embedded again. */
  async function reindexItems(namespace: string, from: string): Promise<JobItem[]> {
    requireOriginals();
    const store = options.storeFor(from);
    if (!store) throw new ProblemError('invalid-field', `from: no model "${from}" in this build`, { field: 'from' });
    const items: JobItem[] = [];
    for await (const page of store.scan({ namespace, values: 'codes' })) {
      page.ids.forEach((id, i) => {
        const hash = page.contentHashes[i];
        // Items stored as vectors have no image to embed again.
        if (hash !== undefined) items.push({ id, origin: { r2: originalKey(hash) }, metadata: page.metadata[i] });
      });
      if (items.length > maxItems) tooLarge(`more than ${maxItems}`, maxItems);
    }
    return items;
  }

  async function itemsOf(body: CreateJob): Promise<JobItem[]> {
    if (body.type === 'reindex') return reindexItems(body.namespace, body.from ?? options.servingModel);
    const { source } = body;
    if ('r2Prefix' in source) return prefixItems(source.r2Prefix);
    if (source.urls.length > maxItems) tooLarge(String(source.urls.length), maxItems);
    const seen = new Set<string>();
    return source.urls.map(({ id, url, metadata }, i) => {
      if (seen.has(id))
        throw new ProblemError('invalid-field', `source.urls.${i}.id: "${id}" appears twice`, { field: `source.urls.${i}.id` });
      seen.add(id);
      return { id, origin: { url }, metadata };
    });
  }

  async function found(id: string, job: Job | null): Promise<Job> {
    if (job) return job;
    throw new ProblemError('job-not-found', `No job "${id}".`, { id });
  }

  return {
    async create(body) {
      let model: string | undefined;
      if (body.type === 'reindex') {
        model = body.model ?? options.servingModel;
        if (!options.storeFor(model))
          throw new ProblemError('invalid-field', `model: no model "${model}" in this build`, { field: 'model' });
      }
      const items = await itemsOf(body);
      const id = crypto.randomUUID();
      const createdAt = new Date().toISOString();
      const job = await jobs.job(id).create({
        id,
        type: body.type,
        namespace: body.namespace,
        ...(model !== undefined && model !== options.servingModel && { model }),
        createdAt,
        items,
      });
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
    async upload(namespace, id, image, metadata) {
      const bucket = requireOriginals();
      if (!sniffFormat(image)) {
        throw new ProblemError('unsupported-image-format', 'not a JPEG, PNG, WebP, GIF or BMP image', { accepted: ACCEPTED_IMAGE_FORMATS });
      }
      const contentHash = await sha256Hex(image);
      const key = originalKey(contentHash);
      if (!(await bucket.head(key))) await bucket.put(key, image);
      await queue.send({ namespace, id, origin: { r2: key }, ...(metadata !== undefined && { metadata }) });
      return { id, namespace, contentHash, state: 'queued' };
    },
  };
}
