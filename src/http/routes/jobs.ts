/**
 * @module /v1/jobs: bulk ingestion (image URLs, an ORIGINALS prefix) and re-indexing as jobs whose items go
 * through the ingest queue; /v1/originals/{id}: one upload kept in ORIGINALS and indexed through the queue.
 * Creating, cancelling and uploading need the write scope (src/http/access.ts); reading is a read.
 */
import { CreateJobJson, JobAnswer, JobList, JobListQuery, JobParams, OriginalAccepted, OriginalQuery } from '../../contract/jobs.ts';
import { ItemParams } from '../../contract/items.ts';
import { routeApp } from '../openapi/app.ts';
import { JSON_TYPE, jsonContent, rawImageContent } from '../openapi/media.ts';
import { JSON_BODY_PROBLEMS, defineRoute } from '../openapi/route.ts';
import { problem } from '../problem.ts';
import { parsedBody, rawBytes, readBody } from '../request/body.ts';
import type { AppServices } from '../services.ts';
import type { JobService } from '../../services/jobs/service.ts';

function requireJobs(services: AppServices): JobService {
  if (services.jobs) return services.jobs;
  throw problem('jobs-unavailable', 'This deployment binds no JOBS Durable Object or INGEST_QUEUE; see wrangler.toml and docs/jobs.md.');
}

export function jobRoutes(services: AppServices) {
  const { limits } = services;
  const createJob = defineRoute(
    {
      method: 'post',
      path: '/v1/jobs',
      tags: ['jobs'],
      summary: 'Start a job: ingest image URLs or the objects under an ORIGINALS prefix, or re-index a namespace from its originals',
      description:
        'The items go through the ingest queue; `GET /v1/jobs/{id}` follows their counts. An item already stored with the same content for the model is skipped (not embedded again).',
      middleware: readBody({ maxBytes: limits.maxBodyBytes, accepted: [JSON_TYPE] }),
      request: { body: { content: jsonContent(CreateJobJson) } },
      responses: { 202: { description: 'Accepted: the job, queued.', content: jsonContent(JobAnswer) } },
    },
    [
      ...JSON_BODY_PROBLEMS,
      'job-too-large',
      'switch-in-progress',
      'jobs-unavailable',
      'originals-unavailable',
      'store-unavailable',
      'not-supported',
    ],
  );
  const getJob = defineRoute(
    {
      method: 'get',
      path: '/v1/jobs/{id}',
      tags: ['jobs'],
      summary: "A job's state, counts and first failures",
      request: { params: JobParams },
      responses: { 200: { description: 'The job.', content: jsonContent(JobAnswer) } },
    },
    ['invalid-field', 'job-not-found', 'jobs-unavailable'],
  );
  const listJobs = defineRoute(
    {
      method: 'get',
      path: '/v1/jobs',
      tags: ['jobs'],
      summary: 'Jobs, newest first, a page at a time',
      request: { query: JobListQuery },
      responses: { 200: { description: 'A page; `cursor` leads to older jobs.', content: jsonContent(JobList) } },
    },
    ['jobs-unavailable'],
  );
  const cancelJob = defineRoute(
    {
      method: 'post',
      path: '/v1/jobs/{id}/cancel',
      tags: ['jobs'],
      summary: 'Cancel a job: items not yet indexed are dropped (a finished job is answered as it is)',
      request: { params: JobParams },
      responses: { 200: { description: 'The job.', content: jsonContent(JobAnswer) } },
    },
    ['invalid-field', 'job-not-found', 'jobs-unavailable'],
  );
  const putOriginal = defineRoute(
    {
      method: 'put',
      path: '/v1/originals/{id}',
      tags: ['jobs'],
      summary: 'Upload an image to ORIGINALS (uploads/<namespace>/<id>) to be indexed through the queue',
      description:
        "Answers 202 once the image is in ORIGINALS and its object-create event is queued (sent by this route, or in a deployment with ORIGINALS_EVENTS=r2 by the bucket's event notification rule: docs/deploy.md). The item appears when the consumer has embedded it (`GET /v1/items/{id}`); with `job`, it counts in that job of uploads.",
      middleware: readBody({ maxBytes: limits.maxBodyBytes, accepted: Object.keys(rawImageContent) }),
      request: { params: ItemParams, query: OriginalQuery, body: { content: rawImageContent } },
      responses: { 202: { description: 'Kept and queued.', content: jsonContent(OriginalAccepted) } },
    },
    [
      'body-too-large',
      'unsupported-media-type',
      'empty-body',
      'invalid-id',
      'unsupported-image-format',
      'invalid-field',
      'job-not-found',
      'jobs-unavailable',
      'originals-unavailable',
    ],
  );

  return routeApp()
    .openapi(createJob, async (c) => {
      const jobs = requireJobs(services);
      const job = await jobs.create(parsedBody(c, 'json', CreateJobJson));
      return c.json({ job }, 202);
    })
    .openapi(listJobs, async (c) => {
      const { cursor, limit } = c.req.valid('query');
      return c.json(await requireJobs(services).list(limit ?? 20, cursor), 200);
    })
    .openapi(getJob, async (c) => c.json({ job: await requireJobs(services).get(c.req.valid('param').id) }, 200))
    .openapi(cancelJob, async (c) => c.json({ job: await requireJobs(services).cancel(c.req.valid('param').id) }, 200))
    .openapi(putOriginal, async (c) => {
      const jobs = requireJobs(services);
      const { id } = c.req.valid('param');
      const { namespace, metadata, job } = c.req.valid('query');
      return c.json(await jobs.upload({ namespace, id, image: await rawBytes(c), metadata, job }), 202);
    });
}
