/**
 * Jobs inside workerd with the real local Queues, Durable Objects and R2 (miniflare): the ingest queue's
 * consumer and its dead-letter queue run as configured in wrangler.toml; image URLs are served by
 * test/support/image-server.ts (miniflare's outboundService). vitest.config.ts sets JOB_MAX_ITEMS=50,
 * FETCH_TIMEOUT_MS=500 and JOB_RETRY_DELAY_SECONDS=0 (retries at once) for this project.
 */
/// <reference path="../../node_modules/@cloudflare/vitest-plugin/types/cloudflare-test.d.ts" />
import {
  createExecutionContext,
  createMessageBatch,
  evictDurableObject,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
} from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.ts';
import type { Job } from '../../src/contract/jobs.ts';
import { problemType } from '../../src/contract/problems.ts';
import { sha256Hex } from '../../src/core/util/sha256.ts';
import type { JobObject } from '../../src/services/jobs/job-object.ts';
import type { IngestMessage } from '../../src/services/jobs/types.ts';
import worker from '../../src/worker.ts';
import { anonymous, BASE, bearer, call, expectProblem, fixture, itemIds, TEST_READ_KEY, TEST_WRITE_KEY } from './helpers.ts';

const IMG = 'http://images.test';
const PHOTOS = ['chelsea-q90.jpg', 'coffee.png', 'astronaut.png'];

let namespaces = 0;
/** A namespace of its own for each test. */
const freshNamespace = () => `jobs-${Date.now().toString(36)}-${namespaces++}`;

async function createJob(body: unknown): Promise<Job> {
  const response = await call('/v1/jobs', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  expect(response.status, await response.clone().text()).toBe(202);
  return ((await response.json()) as { job: Job }).job;
}

async function getJob(id: string): Promise<Job> {
  const response = await call(`/v1/jobs/${id}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { job: Job }).job;
}

/** Polls the job until it is no longer queued or running. */
async function finished(id: string, timeoutMs = 60_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(id);
    if (job.state !== 'queued' && job.state !== 'running') return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state}: ${JSON.stringify(job.counts)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function storedHash(namespace: string, id: string): Promise<string | undefined> {
  const response = await call(`/v1/items/${id}?namespace=${namespace}`);
  if (response.status === 404) return undefined;
  return ((await response.json()) as { contentHash?: string }).contentHash;
}

describe('ingest jobs through the queue', () => {
  it('indexes URLs: counts, per-item failures with their problem, the job goes on; listed newest first; readable items', async () => {
    const namespace = freshNamespace();
    const job = await createJob({
      type: 'ingest',
      namespace,
      source: {
        urls: [
          ...PHOTOS.map((name, i) => ({ id: `photo-${i}`, url: `${IMG}/fixture/${name}`, metadata: { name } })),
          { id: 'text', url: `${IMG}/text` },
          { id: 'gone', url: `${IMG}/status/404` },
          { id: 'hops', url: `${IMG}/redirect/2/coffee.png` },
          { id: 'loop', url: `${IMG}/redirect/9/coffee.png` },
          { id: 'huge', url: `${IMG}/big/5` },
        ],
      },
    });
    expect(job).toMatchObject({ type: 'ingest', namespace, counts: { total: 8 } });
    expect(['queued', 'running']).toContain(job.state);

    const done = await finished(job.id);
    expect(done.state).toBe('done');
    expect(done.counts).toEqual({ total: 8, queued: 0, done: 4, failed: 4, skipped: 0, cancelled: 0 });
    const failures = Object.fromEntries(done.failures.map((f) => [f.id, f.problem]));
    expect(failures.text).toMatchObject({ type: problemType('unsupported-image-format'), status: 415 });
    expect(failures.gone).toMatchObject({ type: problemType('fetch-failed'), status: 502 });
    expect(failures.gone!.detail).toContain('404');
    expect(failures.loop).toMatchObject({ type: problemType('fetch-failed') });
    expect(failures.loop!.detail).toContain('redirected more than 3 times');
    // Over MAX_BODY_BYTES (4 MiB in this project), streamed without a length: stopped while reading.
    expect(failures.huge).toMatchObject({ type: problemType('body-too-large'), status: 413, detail: expect.stringContaining('4194304') });
    expect(done.startedAt! >= done.createdAt).toBe(true);
    expect(done.finishedAt! >= done.startedAt!).toBe(true);
    expect(done.rate).toBeGreaterThan(0);

    expect(await itemIds(namespace)).toEqual(['hops', 'photo-0', 'photo-1', 'photo-2']);
    const item = await (await call(`/v1/items/photo-1?namespace=${namespace}`)).json();
    expect(item).toMatchObject({ metadata: { name: 'coffee.png' }, contentHash: await sha256Hex(fixture('coffee.png')) });

    const newer = await createJob({ type: 'ingest', namespace, source: { urls: [{ id: 'text', url: `${IMG}/text` }] } });
    const list = (await (await call('/v1/jobs?limit=1')).json()) as { jobs: Job[]; cursor: string | null };
    expect(list.jobs.map((j) => j.id)).toEqual([newer.id]);
    expect(list.cursor).not.toBeNull();
    const older = (await (await call(`/v1/jobs?limit=100&cursor=${list.cursor}`)).json()) as { jobs: Job[] };
    expect(older.jobs.map((j) => j.id)).toContain(job.id);
    expect(older.jobs.map((j) => j.id)).not.toContain(newer.id);
    expect(older.jobs.find((j) => j.id === job.id)).toEqual(done);
  });

  it('is idempotent: the same ids and content again are skipped (no embed), one item each', async () => {
    const namespace = freshNamespace();
    const urls = PHOTOS.map((name, i) => ({ id: `p${i}`, url: `${IMG}/fixture/${name}` }));
    const first = await finished((await createJob({ type: 'ingest', namespace, source: { urls } })).id);
    expect(first.counts).toMatchObject({ done: 3, skipped: 0 });
    const hashes = await Promise.all(urls.map(({ id }) => storedHash(namespace, id)));

    // p0 changes content: embedded again; p1 and p2 are the same: skipped.
    const again = [{ id: 'p0', url: `${IMG}/fixture/rocket.jpg` }, ...urls.slice(1)];
    const second = await finished((await createJob({ type: 'ingest', namespace, source: { urls: again } })).id);
    expect(second.counts).toEqual({ total: 3, queued: 0, done: 1, failed: 0, skipped: 2, cancelled: 0 });
    expect(await itemIds(namespace)).toEqual(['p0', 'p1', 'p2']);
    expect(await storedHash(namespace, 'p0')).toBe(await sha256Hex(fixture('rocket.jpg')));
    expect(await storedHash(namespace, 'p1')).toBe(hashes[1]);
  });

  it('retries a transient failure (a 503 source) and loses nothing', async () => {
    const namespace = freshNamespace();
    const key = `k${Date.now()}`;
    const job = await createJob({
      type: 'ingest',
      namespace,
      source: {
        urls: [
          { id: 'a', url: `${IMG}/fixture/coffee.png` },
          { id: 'b', url: `${IMG}/flaky/${key}/chelsea-q90.jpg` },
          { id: 'c', url: `${IMG}/fixture/astronaut.png` },
        ],
      },
    });
    const done = await finished(job.id);
    expect(done.counts).toEqual({ total: 3, queued: 0, done: 3, failed: 0, skipped: 0, cancelled: 0 });
    expect(await itemIds(namespace)).toEqual(['a', 'b', 'c']);
  });

  it('a URL that hangs hits FETCH_TIMEOUT_MS on every attempt, goes to the dead-letter queue and is recorded failed; the job goes on', async () => {
    const namespace = freshNamespace();
    const job = await createJob({
      type: 'ingest',
      namespace,
      source: {
        urls: [
          { id: 'slow', url: `${IMG}/hang` },
          { id: 'down', url: `${IMG}/status/503` },
          { id: 'fine', url: `${IMG}/fixture/coffee.png` },
        ],
      },
    });
    const done = await finished(job.id, 90_000);
    expect(done.state).toBe('done');
    expect(done.counts).toEqual({ total: 3, queued: 0, done: 1, failed: 2, skipped: 0, cancelled: 0 });
    const failures = Object.fromEntries(done.failures.map((f) => [f.id, f.problem]));
    expect(failures.slow).toMatchObject({ type: problemType('fetch-timeout'), status: 504 });
    expect(failures.slow!.detail).toContain('500 ms');
    expect(failures.down).toMatchObject({ type: problemType('fetch-failed'), status: 502 });
    expect(await itemIds(namespace)).toEqual(['fine']);
  });

  it('keeps its state when its Durable Object is evicted and reached through a new stub', async () => {
    const namespace = freshNamespace();
    const job = await finished((await createJob({ type: 'ingest', namespace, source: { urls: [{ id: 'x', url: `${IMG}/text` }] } })).id);
    expect(job.state).toBe('failed');
    const stub = env.JOBS!.get(env.JOBS!.idFromName(job.id));
    await evictDurableObject(stub).catch(() => undefined);
    const fresh = env.JOBS!.get(env.JOBS!.idFromName(job.id));
    expect(await fresh.get()).toEqual(job);
    expect(await getJob(job.id)).toEqual(job);
  });

  it('cancels: no item is left queued, and nothing more is indexed afterwards', async () => {
    const namespace = freshNamespace();
    const urls = Array.from({ length: 30 }, (_, i) => ({ id: `c${i}`, url: `${IMG}/fixture/${PHOTOS[i % 3]}` }));
    const job = await createJob({ type: 'ingest', namespace, source: { urls } });
    const response = await call(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
    expect(response.status).toBe(200);
    const cancelled = ((await response.json()) as { job: Job }).job;
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.counts.queued).toBe(0);
    // Every item is in exactly one count: a cancelled one in `cancelled`.
    const { total, done, failed, skipped, cancelled: dropped } = cancelled.counts;
    expect(dropped).toBeGreaterThan(0);
    expect(done + failed + skipped + dropped).toBe(total);
    expect(cancelled.finishedAt).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const later = await getJob(job.id);
    expect(later).toEqual(cancelled);
    expect((await itemIds(namespace)).length).toBe(later.counts.done);
    // Cancelling again answers the job as it is.
    expect(((await (await call(`/v1/jobs/${job.id}/cancel`, { method: 'POST' })).json()) as { job: Job }).job).toEqual(later);
  });
});

describe('job requests', () => {
  it('refuses a job over JOB_MAX_ITEMS (413), a bad URL or a repeated id (422), an unknown job (404)', async () => {
    const urls = Array.from({ length: 51 }, (_, i) => ({ id: `i${i}`, url: `${IMG}/fixture/coffee.png` }));
    const post = (body: unknown) =>
      call('/v1/jobs', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const big = await expectProblem(await post({ type: 'ingest', source: { urls } }), 413);
    expect(big).toMatchObject({ type: problemType('job-too-large'), limit: 50 });
    const ftp = await expectProblem(await post({ type: 'ingest', source: { urls: [{ id: 'a', url: 'ftp://images.test/a.png' }] } }), 422);
    expect(ftp.detail).toContain('http(s)');
    const twice = await expectProblem(
      await post({
        type: 'ingest',
        source: {
          urls: [
            { id: 'a', url: `${IMG}/text` },
            { id: 'a', url: `${IMG}/text` },
          ],
        },
      }),
      422,
    );
    expect(twice.field).toBe('source.urls.1.id');
    await expectProblem(await post({ type: 'export' }), 422);
    expect((await expectProblem(await call('/v1/jobs/00000000-0000-0000-0000-000000000000'), 404)).type).toBe(problemType('job-not-found'));
    await expectProblem(await call('/v1/jobs/00000000-0000-0000-0000-000000000000/cancel', { method: 'POST' }), 404);
  });

  it('needs the write scope to create or cancel, and none to read where reads are open', async () => {
    const body = JSON.stringify({ type: 'ingest', source: { urls: [{ id: 'a', url: `${IMG}/text` }] } });
    const init = { method: 'POST', body, headers: { 'content-type': 'application/json' } };
    await expectProblem(await anonymous('/v1/jobs', init), 401);
    await expectProblem(await anonymous('/v1/jobs', { ...init, headers: { ...init.headers, ...bearer(TEST_READ_KEY) } }), 403);
    expect((await anonymous('/v1/jobs')).status).toBe(200);
  });
});

describe('the consumer, batch by batch', () => {
  const message = (id: string, body: IngestMessage, attempts = 1) => ({ id, timestamp: Date.now(), attempts, body });

  it('a batch that fails mid-way: the failed message is retried, the rest acked; a redelivery of all stores nothing twice', async () => {
    const namespace = freshNamespace();
    for (const name of PHOTOS) await env.ORIGINALS!.put(`uploads/${name}`, fixture(name));
    const good = (i: number): IngestMessage => ({ namespace, id: `m${i}`, origin: { r2: `uploads/${PHOTOS[i]}` } });
    // A poisoned body: no origin at all (what a bad producer could send).
    const poisoned = { namespace, id: 'm1' } as unknown as IngestMessage;

    const batch = createMessageBatch<IngestMessage>('edge-features-ingest', [
      message('1', good(0)),
      message('2', poisoned),
      message('3', good(2)),
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(['1', '3']);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(['2']);
    expect(await itemIds(namespace)).toEqual(['m0', 'm2']);
    const before = await Promise.all(
      ['m0', 'm2'].map((id) => call(`/v1/items/${id}?namespace=${namespace}&vector=true`).then((r) => r.json())),
    );

    // The whole batch again (as after an isolate restart), the poisoned one now whole.
    const again = createMessageBatch<IngestMessage>('edge-features-ingest', [
      message('1', good(0), 2),
      message('2', good(1), 2),
      message('3', good(2), 2),
    ]);
    const ctx2 = createExecutionContext();
    await worker.queue(again);
    const second = await getQueueResult(again, ctx2);
    expect(second.explicitAcks.sort()).toEqual(['1', '2', '3']);
    expect(second.retryMessages).toEqual([]);
    expect(await itemIds(namespace)).toEqual(['m0', 'm1', 'm2']);
    const after = await Promise.all(
      ['m0', 'm2'].map((id) => call(`/v1/items/${id}?namespace=${namespace}&vector=true`).then((r) => r.json())),
    );
    expect(after).toEqual(before);
  });

  it('a poisoned message of a job goes to the dead-letter queue for real and is recorded failed there', async () => {
    const namespace = freshNamespace();
    const job = await createJob({ type: 'ingest', namespace, source: { urls: [{ id: 'hold', url: `${IMG}/hang` }] } });
    // The same item sent again with a body the consumer cannot use: retried max_retries times, then the DLQ.
    await env.INGEST_QUEUE!.send({ job: job.id, namespace, id: 'hold' } as unknown as IngestMessage);
    const done = await finished(job.id, 90_000);
    expect(done.counts).toEqual({ total: 1, queued: 0, done: 0, failed: 1, skipped: 0, cancelled: 0 });
    expect(done.failures[0]!.problem.status).toBeGreaterThanOrEqual(500);
  });

  it('the dead-letter consumer records each item failed with the last problem its retries kept', async () => {
    const namespace = freshNamespace();
    const stubId = crypto.randomUUID();
    const stub = env.JOBS!.get(env.JOBS!.idFromName(stubId));
    // A job whose items are never sent (this test is their queue): created in the object, its alarm removed.
    const spec = {
      id: stubId,
      type: 'ingest',
      namespace,
      createdAt: new Date().toISOString(),
      items: [
        { id: 'a', origin: { url: `${IMG}/hang` } },
        { id: 'b', origin: { url: `${IMG}/hang` } },
      ],
    } as const;
    await runInDurableObject(stub, async (instance: JobObject, state) => {
      await instance.create(spec);
      await state.storage.deleteAlarm();
    });
    const problem = { type: problemType('fetch-timeout'), title: 't', status: 504, detail: 'slow' };
    await stub.report([{ id: 'a', status: 'retrying', problem }]);
    const batch = createMessageBatch<IngestMessage>('edge-features-ingest-dlq', [
      message('1', { job: stubId, namespace, id: 'a', origin: { url: `${IMG}/hang` } }),
      message('2', { job: stubId, namespace, id: 'b', origin: { url: `${IMG}/hang` } }),
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch);
    expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(['1', '2']);
    const job = (await stub.get())!;
    expect(job.state).toBe('failed');
    expect(job.counts).toMatchObject({ total: 2, failed: 2, queued: 0 });
    const failures = Object.fromEntries(job.failures.map((f) => [f.id, f.problem]));
    expect(failures.a).toEqual(problem);
    expect(failures.b!.type).toBe(problemType('internal'));
  });
});

/** The stall watchdog's clock (JOB_STALL_SECONDS: the default, 1800 s, in this project). */
const STALL_MS = 1800 * 1000;

/** A job's stored row (src/services/jobs/job-object.ts JobRow), read or changed as a test needs. */
async function jobRow(stub: DurableObjectStub<JobObject>, change?: Record<string, unknown>): Promise<Record<string, unknown>> {
  return runInDurableObject(stub, async (_: JobObject, state) => {
    const read = () =>
      JSON.parse(state.storage.sql.exec<{ v: string }>(`SELECT v FROM meta WHERE k = 'job'`).one().v) as Record<string, unknown>;
    if (change) state.storage.sql.exec(`UPDATE meta SET v = ? WHERE k = 'job'`, JSON.stringify({ ...read(), ...change }));
    return read();
  });
}

describe('the stall watchdog', () => {
  it('sends the items of a job whose messages were lost again once it made no progress for JOB_STALL_SECONDS: done, nothing lost', async () => {
    const namespace = freshNamespace();
    const jobId = crypto.randomUUID();
    const stub = env.JOBS!.get(env.JOBS!.idFromName(jobId));
    const items = PHOTOS.map((name, i) => ({ id: `lost-${i}`, origin: { url: `${IMG}/fixture/${name}` } }));
    // A job whose every sendBatch was lost, as a queue restart (or a send whose outcome was unknown) leaves it:
    // its object says every item was sent, the queue holds none, and the alarm is the watchdog's.
    await runInDurableObject(stub, async (instance: JobObject, state) => {
      await instance.create({ id: jobId, type: 'ingest', namespace, createdAt: new Date().toISOString(), items });
      await state.storage.deleteAlarm();
    });
    const sentAt = Date.now();
    await jobRow(stub, { enqueued: items.length, progressAt: sentAt });
    // An active job with no alarm (given up after failing, say) gets one when it is asked about.
    expect(await runInDurableObject(stub, (_: JobObject, state) => state.storage.getAlarm())).toBeNull();
    expect((await stub.get())!.state).toBe('queued');
    expect(await runInDurableObject(stub, (_: JobObject, state) => state.storage.getAlarm())).toBeGreaterThanOrEqual(sentAt);
    await runInDurableObject(stub, (_: JobObject, state) => state.storage.setAlarm(sentAt + STALL_MS));

    // Within JOB_STALL_SECONDS of the last send: nothing sent again, the check is scheduled for its end.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await stub.get())!.counts).toMatchObject({ total: 3, queued: 3 });
    expect(await runInDurableObject(stub, (_: JobObject, state) => state.storage.getAlarm())).toBe(sentAt + STALL_MS);
    expect((await jobRow(stub)).resent).toBeUndefined();

    // No progress for longer: every queued item is sent again, and the job finishes with exact counts.
    await jobRow(stub, { progressAt: Date.now() - STALL_MS - 1000 });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await jobRow(stub)).resent).toBe(1);
    const deadline = Date.now() + 60_000;
    let job = (await stub.get())!;
    while (job.state === 'queued' || job.state === 'running') {
      if (Date.now() > deadline) throw new Error(`job still ${job.state}: ${JSON.stringify(job.counts)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      job = (await stub.get())!;
    }
    expect(job.state).toBe('done');
    expect(job.counts).toEqual({ total: 3, queued: 0, done: 3, failed: 0, skipped: 0, cancelled: 0 });
    expect(await itemIds(namespace)).toEqual(items.map((item) => item.id).sort());
    for (const [i, item] of items.entries()) expect(await storedHash(namespace, item.id)).toBe(await sha256Hex(fixture(PHOTOS[i]!)));
    // Finished: no alarm is left behind.
    expect(await runInDurableObject(stub, (_: JobObject, state) => state.storage.getAlarm())).toBeNull();
  });

  it('leaves the items of a job of uploads to their uploads, stalled or not', async () => {
    const namespace = freshNamespace();
    const jobId = crypto.randomUUID();
    const stub = env.JOBS!.get(env.JOBS!.idFromName(jobId));
    await runInDurableObject(stub, async (instance: JobObject) => {
      await instance.create({
        id: jobId,
        type: 'ingest',
        namespace,
        createdAt: new Date().toISOString(),
        items: [{ id: 'u', origin: { upload: 'u' } }],
      });
    });
    await runDurableObjectAlarm(stub);
    await jobRow(stub, { progressAt: Date.now() - STALL_MS - 1000 });
    await runInDurableObject(stub, (_: JobObject, state) => state.storage.setAlarm(Date.now() + 60_000));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await jobRow(stub)).resent).toBeUndefined();
    expect(await runInDurableObject(stub, (_: JobObject, state) => state.storage.getAlarm())).toBeNull();
    // Asking for it schedules nothing either.
    expect((await stub.get())!).toMatchObject({ state: 'queued', counts: { total: 1, queued: 1 } });
    expect(await runInDurableObject(stub, (_: JobObject, state) => state.storage.getAlarm())).toBeNull();
  });
});

describe('the client', () => {
  it('creates, follows, lists and cancels jobs, and uploads originals', async () => {
    const namespace = freshNamespace();
    const client = createClient({ baseUrl: BASE, namespace, headers: bearer(TEST_WRITE_KEY), fetch: (r) => exports.default.fetch(r) });
    const job = await client.createJob({ type: 'ingest', source: { urls: [{ id: 'cup', url: `${IMG}/fixture/coffee.png` }] } });
    expect(job.namespace).toBe(namespace);
    const seen = await finished(job.id);
    expect(await client.getJob(job.id)).toEqual(seen);
    expect(seen.counts).toMatchObject({ total: 1, done: 1 });
    expect((await client.listJobs({ limit: 1 })).jobs[0]!.id).toBe(job.id);
    expect((await client.cancelJob(job.id)).state).toBe('done');
    expect(await client.getJob('00000000-0000-0000-0000-000000000000')).toBeNull();
    const accepted = await client.putOriginal('mug', fixture('astronaut.png'), { metadata: { k: 1 } });
    expect(accepted).toMatchObject({ id: 'mug', namespace, state: 'queued', contentHash: await sha256Hex(fixture('astronaut.png')) });
  });
});
