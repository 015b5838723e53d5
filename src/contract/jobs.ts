/**
 * @module /v1/jobs and /v1/originals: bulk ingestion and re-indexing as jobs. A job's items go through the
 * ingest queue; the job (a Durable Object) counts what became of each. Uploads to /v1/originals are kept
 * in the ORIGINALS bucket and indexed through the same queue.
 */
import * as z from 'zod';
import { ItemId, jsonText, Metadata, Namespace, NamespaceName, positiveIntText } from './common.ts';

export const JOB_TYPES = ['ingest', 'reindex'] as const;
export const JOB_STATES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;

const HttpUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine((text) => {
    try {
      const { protocol } = new URL(text);
      return protocol === 'http:' || protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL')
  .meta({ description: 'An http(s) URL of an image (fetched with the limits of docs/jobs.md).', example: 'https://example.com/cat.jpg' });

export const UrlSourceItem = z.object({ id: ItemId, url: HttpUrl, metadata: Metadata.optional() }).meta({ id: 'UrlSourceItem' });

const R2Prefix = z
  .string()
  .max(512, 'must be at most 512 characters')
  .meta({ description: 'Every object of the ORIGINALS bucket under this prefix; an item id is the key after its last "/".' });

export const UploadSourceItem = z.object({ id: ItemId, metadata: Metadata.optional() }).meta({ id: 'UploadSourceItem' });

export const IngestSource = z
  .union(
    [
      z.object({ urls: z.array(UrlSourceItem).min(1, 'must be a non-empty list of {id, url}') }).strict(),
      z.object({ r2Prefix: R2Prefix }).strict(),
      z
        .object({
          uploads: z.array(UploadSourceItem).min(1, 'must be a non-empty list of {id}').meta({
            description:
              'Items whose images will be uploaded to PUT /v1/originals/{id}?job=<this job>: each is queued by its upload, and the job is done when every one is indexed.',
          }),
        })
        .strict(),
    ],
    { error: 'give {"urls": [{id, url, metadata?}]}, {"r2Prefix": "..."} or {"uploads": [{id, metadata?}]}' },
  )
  .meta({ id: 'IngestSource' });

export const CreateJobJson = z
  .discriminatedUnion(
    'type',
    [
      z.object({ type: z.literal('ingest'), namespace: Namespace, source: IngestSource }),
      z.object({
        type: z.literal('reindex'),
        namespace: NamespaceName.meta({
          description:
            'The namespace to re-index (default "default"); a re-index with `switch` covers every namespace, so leave it out there.',
        }),
        model: z
          .string()
          .optional()
          .meta({ description: 'The model to build vectors of (an id from GET /v1/models); default the serving model.' }),
        from: z
          .string()
          .optional()
          .meta({ description: 'The model whose items are re-embedded (their originals); default the serving model.' }),
        switch: z.boolean().optional().meta({
          description:
            "Serve `model` once the job is done with no failed item (the deployment's configured model keeps serving until then, and image writes meanwhile are mirrored to `model`). Needs `from` to be the serving model.",
        }),
      }),
    ],
    { error: 'type: must be "ingest" or "reindex"' },
  )
  .meta({ id: 'CreateJobJson' });

export const JobCounts = z
  .object({
    total: z.number().int(),
    queued: z.number().int().meta({ description: 'Not yet done, skipped or failed (also those waiting for a retry).' }),
    done: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int().meta({ description: 'Already stored with the same content for this model: not embedded again.' }),
    cancelled: z.number().int().meta({ description: 'Still queued when the job was cancelled: never indexed.' }),
  })
  .meta({ id: 'JobCounts' });

export const JOB_SWITCH_STATES = ['pending', 'switched', 'not-switched'] as const;

export const JobSwitch = z
  .object({
    from: z.string(),
    to: z.string(),
    state: z.enum(JOB_SWITCH_STATES).meta({
      description:
        '`pending` while the job runs; `switched` once it is done with no failed item (the Worker serves `to`); `not-switched` when it ended otherwise (see `detail`).',
    }),
    detail: z.string().optional(),
  })
  .meta({ id: 'JobSwitch', description: 'A re-index job created with `switch: true`: whether the served model has switched.' });

export const JobProblem = z
  .object({ type: z.string(), title: z.string(), status: z.number().int(), detail: z.string() })
  .meta({ id: 'JobProblem' });

export const JobFailure = z.object({ id: z.string(), problem: JobProblem }).meta({ id: 'JobFailure' });

export const Job = z
  .object({
    id: z.string(),
    type: z.enum(JOB_TYPES),
    namespace: z
      .string()
      .meta({ description: 'Its namespace; "*" for a re-index of every namespace (`switch`), whose items are named `<namespace>/<id>`.' }),
    model: z.string().optional().meta({ description: 'The model the job builds vectors of.' }),
    state: z.enum(JOB_STATES),
    counts: JobCounts,
    failures: z.array(JobFailure).meta({
      description:
        'The first 100 failed items with their problem: the problems of an image upload (`malformed-image`: …, `unsupported-image-format`: …, `image-too-large`: …, `body-too-large`: …) and of its source: `fetch-failed`: the URL answered an error, refused a connection, redirected too often or is not http(s); `fetch-timeout`: it did not answer within FETCH_TIMEOUT_MS; `original-not-found`: the object is gone from ORIGINALS.',
    }),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    rate: z.number().optional().meta({ description: 'Items per second since the job started (to its end when finished).' }),
    switch: JobSwitch.optional(),
  })
  .meta({ id: 'Job' });

export const JobAnswer = z.object({ job: Job }).meta({ id: 'JobAnswer' });
export const JobList = z
  .object({
    jobs: z.array(Job),
    cursor: z.string().nullable().meta({ description: 'For the next (older) page; null when there is nothing more.' }),
  })
  .meta({ id: 'JobList' });

export const JobParams = z.object({ id: z.string().regex(/^[0-9a-z-]{1,64}$/, 'must be a job id') });
export const JobListQuery = z.object({
  cursor: z.string().optional().meta({ description: 'From the previous page.' }),
  limit: positiveIntText.max(100, 'must be at most 100').optional().meta({ description: 'Jobs per page, 1-100 (default 20).' }),
});

export const OriginalQuery = z.object({
  namespace: Namespace,
  metadata: jsonText(Metadata, "The item's metadata as JSON (with `job`: the job's item has it).").optional(),
  job: z
    .string()
    .regex(/^[0-9a-z-]{1,64}$/, 'must be a job id')
    .optional()
    .meta({ description: 'A job of uploads (source `{uploads}`) that lists this id: the item counts in that job.' }),
});
export const OriginalAccepted = z
  .object({
    id: z.string(),
    namespace: z.string(),
    key: z.string().meta({ description: 'Where the upload waits in ORIGINALS until it is indexed: uploads/<namespace>/<id>.' }),
    contentHash: z.string().meta({
      description: 'sha256 (hex) of the image: the item will carry it, and under KEEP_ORIGINALS its original is originals/<contentHash>.',
    }),
    job: z.string().optional(),
    state: z.literal('queued'),
  })
  .meta({ id: 'OriginalAccepted' });

export type CreateJobJson = z.input<typeof CreateJobJson>;
export type Job = z.infer<typeof Job>;
export type JobState = (typeof JOB_STATES)[number];
export type JobType = (typeof JOB_TYPES)[number];
export type JobProblem = z.infer<typeof JobProblem>;
export type JobSwitch = z.infer<typeof JobSwitch>;
export type JobFailure = z.infer<typeof JobFailure>;
export type JobList = z.infer<typeof JobList>;
export type OriginalAccepted = z.infer<typeof OriginalAccepted>;
