/**
 * Originals inside workerd with the real local R2, queue and Durable Objects: uploads to ORIGINALS indexed
 * through the queue from their R2 object-create events (sent by the upload route, or by the bucket's rule in a
 * deployment: the same event bodies given to the consumer here), a job of uploads, a job over an ORIGINALS prefix, originals kept by sha256 (KEEP_ORIGINALS defaults to
 * true) and deleted with the last item that uses them, thumbnails deleted with their item, and a re-index job
 * that builds a second model's vectors (vgg16-narrow-synthetic-int8) from the originals while the test
 * project's model (vgg16-narrow-synthetic) keeps serving, then the switch (a runtime built with the other
 * MODEL_ID over the same bindings).
 */
/// <reference path="../../node_modules/@cloudflare/vitest-plugin/types/cloudflare-test.d.ts" />
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/contract/jobs.ts';
import { problemType } from '../../src/contract/problems.ts';
import { sha256Hex } from '../../src/core/util/sha256.ts';
import type { IngestQueueBody, JobHandle, R2EventNotification } from '../../src/services/jobs/types.ts';
import worker, { buildRuntime } from '../../src/worker.ts';
import { call, expectProblem, fixture, itemIds, maxAbsDiff, request } from './helpers.ts';

let namespaces = 0;
const freshNamespace = () => `orig-${Date.now().toString(36)}-${namespaces++}`;
const json = { 'content-type': 'application/json' };

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function finishedJob(body: unknown): Promise<Job> {
  const response = await call('/v1/jobs', { method: 'POST', body: JSON.stringify(body), headers: json });
  expect(response.status, await response.clone().text()).toBe(202);
  const { id } = ((await response.json()) as { job: Job }).job;
  return until(`job ${id}`, async () => {
    const { job } = (await (await call(`/v1/jobs/${id}`)).json()) as { job: Job };
    return job.state === 'queued' || job.state === 'running' ? undefined : job;
  });
}

function putImage(namespace: string, id: string, name: string): Promise<Response> {
  return call(`/v1/items/${id}?namespace=${namespace}`, {
    method: 'PUT',
    body: fixture(name),
    headers: { 'content-type': 'application/octet-stream' },
  });
}

/** An R2 event notification body, as the bucket's rule sends it (https://developers.cloudflare.com/r2/buckets/event-notifications/). */
function r2Event(key: string, action = 'PutObject'): R2EventNotification {
  return {
    account: 'acc',
    bucket: 'edge-features-originals',
    action,
    object: { key, size: 1, eTag: 'e' },
    eventTime: new Date().toISOString(),
  };
}

async function consume(queue: string, bodies: unknown[]) {
  const batch = createMessageBatch<IngestQueueBody>(
    queue,
    bodies.map((body, i) => ({ id: String(i + 1), timestamp: new Date(), attempts: 1, body: body as IngestQueueBody })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch);
  return getQueueResult(batch, ctx);
}

function upload(namespace: string, id: string, body: BodyInit, query = ''): Promise<Response> {
  return call(`/v1/originals/${id}?namespace=${namespace}${query}`, {
    method: 'PUT',
    body,
    headers: { 'content-type': 'application/octet-stream' },
  });
}

async function storedItem(namespace: string, id: string) {
  return until(`item ${id}`, async () => {
    const found = await call(`/v1/items/${id}?namespace=${namespace}`);
    return found.status === 200 ? ((await found.json()) as { contentHash: string; metadata: object }) : undefined;
  });
}

describe('uploads and prefixes', () => {
  it('PUT /v1/originals/{id} puts the image under uploads/, its event indexes it, then the upload goes and the original stays by sha256', async () => {
    const namespace = freshNamespace();
    const bytes = fixture('coffee.png');
    const response = await upload(namespace, 'up1', bytes, `&metadata=${encodeURIComponent('{"via":"upload"}')}`);
    expect(response.status).toBe(202);
    const hash = await sha256Hex(bytes);
    const key = `uploads/${namespace}/up1`;
    expect(await response.json()).toEqual({ id: 'up1', namespace, key, contentHash: hash, state: 'queued' });
    expect(await storedItem(namespace, 'up1')).toMatchObject({ contentHash: hash, metadata: { via: 'upload' } });
    await until('the upload to be deleted', async () => ((await env.ORIGINALS!.head(key)) === null ? true : undefined));
    expect(await env.ORIGINALS!.head(`originals/${hash}`)).not.toBeNull();

    expect((await expectProblem(await upload(namespace, 'up2', 'not an image'), 415)).type).toBe(problemType('unsupported-image-format'));
    expect(await env.ORIGINALS!.head(`uploads/${namespace}/up2`)).toBeNull();
    const big = JSON.stringify({ note: 'x'.repeat(8200) });
    const tooBig = await expectProblem(await upload(namespace, 'up3', bytes, `&metadata=${encodeURIComponent(big)}`), 422);
    expect(tooBig).toMatchObject({ field: 'metadata' });
    expect(tooBig.detail).toContain('8184 bytes');
  });

  it("indexes an object another tool put under uploads/<namespace>/<id> from the bucket's R2 event (ORIGINALS_EVENTS=r2), its metadata from custom metadata", async () => {
    const namespace = freshNamespace();
    const bytes = fixture('chelsea-q90.jpg');
    await env.ORIGINALS!.put(`uploads/${namespace}/cat`, bytes, { customMetadata: { metadata: '{"by":"rclone"}' } });
    await env.ORIGINALS!.put(`uploads/${namespace}/bad-meta`, bytes, { customMetadata: { metadata: '{not json' } });
    await env.ORIGINALS!.put(`elsewhere/${namespace}/x`, bytes);
    const result = await consume('edge-features-ingest', [
      r2Event(`uploads/${namespace}/cat`),
      r2Event(`uploads/${namespace}/bad-meta`),
      r2Event(`uploads/${namespace}/cat`, 'DeleteObject'), // not an object creation: nothing to do
      r2Event(`elsewhere/${namespace}/x`), // outside uploads/ (e.g. originals/ when a rule has no prefix)
      r2Event(`uploads/${namespace}/gone`), // no such object (indexed by an earlier delivery)
    ]);
    expect(result.explicitAcks.sort()).toEqual(['1', '2', '3', '4', '5']);
    expect(result.retryMessages).toEqual([]);
    expect(await itemIds(namespace)).toEqual(['cat']);
    const cat = (await (await call(`/v1/items/cat?namespace=${namespace}`)).json()) as { contentHash: string; metadata: object };
    expect(cat).toMatchObject({ contentHash: await sha256Hex(bytes), metadata: { by: 'rclone' } });
    // Both uploads had a final outcome (stored; failed for bad metadata): neither waits any more.
    expect(await env.ORIGINALS!.head(`uploads/${namespace}/cat`)).toBeNull();
    expect(await env.ORIGINALS!.head(`uploads/${namespace}/bad-meta`)).toBeNull();
    expect(await env.ORIGINALS!.head(`elsewhere/${namespace}/x`)).not.toBeNull();
  });

  it('a job of uploads counts the items uploaded with ?job=, and refuses an upload it does not wait for', async () => {
    const namespace = freshNamespace();
    const created = await call('/v1/jobs', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        type: 'ingest',
        namespace,
        source: { uploads: [{ id: 'a', metadata: { n: 1 } }, { id: 'b' }, { id: 'broken' }] },
      }),
    });
    expect(created.status).toBe(202);
    const { job } = (await created.json()) as { job: Job };
    expect(job.counts).toEqual({ total: 3, queued: 3, done: 0, failed: 0, skipped: 0, cancelled: 0 });
    // Nothing is sent before its upload: the job waits.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await (await call(`/v1/jobs/${job.id}`)).json()) as { job: Job }).toMatchObject({ job: { state: 'queued' } });

    const q = `&job=${job.id}`;
    expect((await expectProblem(await upload(namespace, 'zz', fixture('coffee.png'), q), 422)).field).toBe('job');
    expect((await expectProblem(await upload(namespace, 'a', fixture('coffee.png'), `${q}&metadata=%7B%7D`), 422)).field).toBe('metadata');
    expect((await expectProblem(await upload(`${namespace}x`, 'a', fixture('coffee.png'), q), 422)).field).toBe('namespace');
    await expectProblem(await upload(namespace, 'a', fixture('coffee.png'), '&job=00000000-0000-0000-0000-000000000000'), 404);

    const answer = await upload(namespace, 'a', fixture('coffee.png'), q);
    expect(answer.status).toBe(202);
    expect(await answer.json()).toMatchObject({ id: 'a', job: job.id, key: `uploads/${namespace}/a` });
    expect((await upload(namespace, 'b', fixture('astronaut.png'), q)).status).toBe(202);
    // A JPEG signature and nothing after it: accepted at upload (sniffed), failed when decoded.
    expect((await upload(namespace, 'broken', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0]), q)).status).toBe(202);
    const done = await until(`job ${job.id}`, async () => {
      const { job: seen } = (await (await call(`/v1/jobs/${job.id}`)).json()) as { job: Job };
      return seen.state === 'queued' || seen.state === 'running' ? undefined : seen;
    });
    expect(done.state).toBe('done');
    expect(done.counts).toEqual({ total: 3, queued: 0, done: 2, failed: 1, skipped: 0, cancelled: 0 });
    expect(done.failures).toEqual([{ id: 'broken', problem: expect.objectContaining({ status: 400 }) }]);
    expect(await storedItem(namespace, 'a')).toMatchObject({ metadata: { n: 1 } });
    expect(await itemIds(namespace)).toEqual(['a', 'b']);
    // Indexed already: a second upload for the job is refused, and nothing waits under uploads/.
    expect((await expectProblem(await upload(namespace, 'a', fixture('coffee.png'), q), 422)).field).toBe('job');
    expect((await env.ORIGINALS!.list({ prefix: `uploads/${namespace}/` })).objects).toEqual([]);
  });

  it("the dead-letter queue records an upload's item failed in its job (the job named in the object's custom metadata)", async () => {
    const namespace = freshNamespace();
    const created = await call('/v1/jobs', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ type: 'ingest', namespace, source: { uploads: [{ id: 'd' }] } }),
    });
    const { job } = (await created.json()) as { job: Job };
    // Put straight into the bucket (as the deployment's tools would): no event reaches the ingest queue.
    await env.ORIGINALS!.put(`uploads/${namespace}/d`, fixture('coffee.png'), { customMetadata: { job: job.id } });
    const result = await consume('edge-features-ingest-dlq', [r2Event(`uploads/${namespace}/d`), r2Event('uploads/no-such/x')]);
    expect(result.explicitAcks.sort()).toEqual(['1', '2']);
    const { job: after } = (await (await call(`/v1/jobs/${job.id}`)).json()) as { job: Job };
    expect(after).toMatchObject({ state: 'failed', counts: { total: 1, failed: 1, queued: 0 } });
    expect(after.failures[0]).toMatchObject({ id: 'd', problem: { type: problemType('internal') } });
  });

  it('with KEEP_ORIGINALS=false an upload leaves nothing in ORIGINALS once indexed', async () => {
    const namespace = freshNamespace();
    const runtime = buildRuntime({ ...env, KEEP_ORIGINALS: 'false', ORIGINALS_EVENTS: 'r2' } as Env);
    const bytes = fixture('foo3x5x4indexed.png');
    const hash = await sha256Hex(bytes);
    const put = await runtime.app.fetch(
      request(`/v1/originals/plain?namespace=${namespace}`, { method: 'PUT', body: bytes, headers: { 'content-type': 'image/png' } }),
      env,
    );
    expect(put.status).toBe(202);
    const batch = createMessageBatch<IngestQueueBody>('edge-features-ingest', [
      { id: '1', timestamp: new Date(), attempts: 1, body: r2Event(`uploads/${namespace}/plain`) },
    ]);
    const ctx = createExecutionContext();
    await runtime.queue(batch);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['1']);
    expect(await itemIds(namespace)).toEqual(['plain']);
    expect(await env.ORIGINALS!.head(`uploads/${namespace}/plain`)).toBeNull();
    expect(await env.ORIGINALS!.head(`originals/${hash}`)).toBeNull();
    expect((await env.ORIGINALS!.list({ prefix: `refs/${hash}/` })).objects).toEqual([]);
    // An item without an original cannot be re-indexed: gone, so that the switching re-index below finds none.
    expect((await call(`/v1/items/plain?namespace=${namespace}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('an r2Prefix job indexes every object under the prefix (id = the key after its last "/"), a non-image fails', async () => {
    const namespace = freshNamespace();
    const prefix = `imports/${namespace}/`;
    await env.ORIGINALS!.put(`${prefix}cat.jpg`, fixture('chelsea-q90.jpg'));
    await env.ORIGINALS!.put(`${prefix}sub/cup.png`, fixture('coffee.png'));
    await env.ORIGINALS!.put(`${prefix}notes.txt`, 'plain text');
    const job = await finishedJob({ type: 'ingest', namespace, source: { r2Prefix: prefix } });
    expect(job.counts).toEqual({ total: 3, queued: 0, done: 2, failed: 1, skipped: 0, cancelled: 0 });
    expect(job.failures).toEqual([
      { id: 'notes.txt', problem: expect.objectContaining({ type: problemType('unsupported-image-format') }) },
    ]);
    expect(await itemIds(namespace)).toEqual(['cat.jpg', 'cup.png']);
  });
});

describe('delete cleans up', () => {
  it("deletes the item's thumbnail, and its original only with the last item that uses it (reference objects)", async () => {
    const namespace = freshNamespace();
    // Images no other test of this file stores (an original is shared by every item with its content).
    const hash = await sha256Hex(fixture('chelsea.webp'));
    const original = `originals/${hash}`;
    expect((await putImage(namespace, 'x', 'chelsea.webp')).status).toBe(200);
    expect((await putImage(namespace, 'y', 'chelsea.webp')).status).toBe(200);
    expect(await env.ORIGINALS!.head(original)).not.toBeNull();
    const thumb = await call(`/v1/thumbnails/x?namespace=${namespace}`, {
      method: 'PUT',
      body: fixture('foo3x5x4indexed.png'),
      headers: { 'content-type': 'image/png' },
    });
    expect(thumb.status).toBe(200);

    expect((await call(`/v1/items/x?namespace=${namespace}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`/v1/thumbnails/x?namespace=${namespace}`)).status).toBe(404);
    expect(await env.ORIGINALS!.head(original)).not.toBeNull(); // y still uses it

    // y changes content: it lets go of the WebP original (the last user) and takes the new one.
    expect((await putImage(namespace, 'y', 'chelsea-420.jpg')).status).toBe(200);
    expect(await env.ORIGINALS!.head(original)).toBeNull();
    const other = `originals/${await sha256Hex(fixture('chelsea-420.jpg'))}`;
    expect(await env.ORIGINALS!.head(other)).not.toBeNull();
    expect((await call(`/v1/items/y?namespace=${namespace}`, { method: 'DELETE' })).status).toBe(204);
    expect(await env.ORIGINALS!.head(other)).toBeNull();
  });
});

describe('re-index to another model', () => {
  const NEXT = 'vgg16-narrow-synthetic-int8';

  it("builds the other model's vectors from the originals while the old model serves; the switched Worker finds each item first by its own image", async () => {
    const namespace = freshNamespace();
    const photos = { cat: 'chelsea-q90.jpg', cup: 'coffee.png', man: 'astronaut.png' } as const;
    for (const [id, name] of Object.entries(photos)) expect((await putImage(namespace, id, name)).status).toBe(200);
    // An item stored as a vector has no original: a re-index leaves it out.
    const vec = (await (await call(`/v1/items/cat?namespace=${namespace}&vector=true`)).json()) as { vector: number[]; model: object };
    expect(
      (
        await call(`/v1/items/vec?namespace=${namespace}`, {
          method: 'PUT',
          body: JSON.stringify({ vector: vec.vector, model: vec.model }),
          headers: json,
        })
      ).status,
    ).toBe(200);

    const refused = await call('/v1/jobs', {
      method: 'POST',
      body: JSON.stringify({ type: 'reindex', namespace, model: 'vgg17' }),
      headers: json,
    });
    expect((await expectProblem(refused, 422)).field).toBe('model');

    const job = await finishedJob({ type: 'reindex', namespace, model: NEXT });
    expect(job).toMatchObject({ type: 'reindex', model: NEXT, state: 'done' });
    expect(job.counts).toEqual({ total: 3, queued: 0, done: 3, failed: 0, skipped: 0, cancelled: 0 });

    // The old model still serves, unchanged.
    const old = (await (await call(`/v1/items/cat?namespace=${namespace}`)).json()) as { model: { id: string } };
    expect(old.model.id).toBe('vgg16-narrow-synthetic');

    // MODEL_ID switched (same bindings): the items are there under the new model, found first by their image.
    const switched = buildRuntime({ ...env, MODEL_ID: NEXT });
    const fetchSwitched = (path: string, init?: RequestInit) => switched.app.fetch(request(path, init), env);
    for (const [id, name] of Object.entries(photos)) {
      const item = (await (await fetchSwitched(`/v1/items/${id}?namespace=${namespace}&vector=true`)).json()) as {
        model: { id: string };
        contentHash: string;
        vector: number[];
      };
      expect(item.model.id).toBe(NEXT);
      expect(item.contentHash).toBe(await sha256Hex(fixture(name)));
      const embedded = (await (
        await fetchSwitched('/v1/embed', { method: 'POST', body: fixture(name), headers: { 'content-type': 'application/octet-stream' } })
      ).json()) as { vector: number[] };
      expect(maxAbsDiff(item.vector, embedded.vector)).toBeLessThan(1e-6);
      const found = (await (
        await fetchSwitched(`/v1/search?namespace=${namespace}&k=1`, {
          method: 'POST',
          body: fixture(name),
          headers: { 'content-type': 'application/octet-stream' },
        })
      ).json()) as { results: { id: string }[] };
      expect(found.results[0]!.id).toBe(id);
    }
    expect((await fetchSwitched(`/v1/items/vec?namespace=${namespace}`)).status).toBe(404);

    // The other way, as after a MODEL_ID change: the serving model's vectors rebuilt `from` the old model's items.
    expect((await fetchSwitched(`/v1/items/man?namespace=${namespace}`, { method: 'DELETE' })).status).toBe(204);
    const created = await fetchSwitched('/v1/jobs', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ type: 'reindex', namespace, from: 'vgg16-narrow-synthetic' }),
    });
    expect(created.status).toBe(202);
    const { job: rebuild } = (await created.json()) as { job: Job };
    expect(rebuild.model).toBe(NEXT); // the serving model's, named
    const rebuilt = await until(`job ${rebuild.id}`, async () => {
      const { job: seen } = (await (await fetchSwitched(`/v1/jobs/${rebuild.id}`)).json()) as { job: Job };
      return seen.state === 'done' || seen.state === 'failed' ? seen : undefined;
    });
    expect(rebuilt.counts).toMatchObject({ total: 3, done: 1, skipped: 2, failed: 0 });
  });

  /** The model GET /v1/models marks as serving (each isolate reads the switch record every 5 s). */
  async function serving(): Promise<string> {
    const models = (await (await call('/v1/models')).json()) as { id: string; serving: boolean }[];
    return models.find((m) => m.serving)!.id;
  }

  async function servingBecomes(id: string): Promise<void> {
    await until(`${id} to serve`, async () => ((await serving()) === id ? true : undefined), 15_000);
  }

  it('during a migration, image writes to the serving model are mirrored to the new one (embedded from the original), deletions too', async () => {
    const namespace = freshNamespace();
    const migrating = { configured: 'vgg16-narrow-synthetic', from: 'vgg16-narrow-synthetic', to: NEXT, job: 'none', state: 'migrating' };
    await env.ITEMS!.put('config/model-switch', JSON.stringify({ ...migrating, at: new Date().toISOString() }));
    try {
      // The record is read at most every 5 s per isolate.
      await new Promise((resolve) => setTimeout(resolve, 5500));
      expect(await serving()).toBe('vgg16-narrow-synthetic');
      expect((await putImage(namespace, 'late', 'coffee.png')).status).toBe(200);
      const next = buildRuntime({ ...env, MODEL_ID: NEXT });
      const inNext = (path: string) => next.app.fetch(request(path), env);
      const copy = await until('the mirrored item', async () => {
        const found = await inNext(`/v1/items/late?namespace=${namespace}`);
        return found.status === 200 ? ((await found.json()) as { model: { id: string }; contentHash: string }) : undefined;
      });
      expect(copy).toMatchObject({ model: { id: NEXT }, contentHash: await sha256Hex(fixture('coffee.png')) });
      expect((await call(`/v1/items/late?namespace=${namespace}`, { method: 'DELETE' })).status).toBe(204);
      expect((await inNext(`/v1/items/late?namespace=${namespace}`)).status).toBe(404);
    } finally {
      await env.ITEMS!.delete('config/model-switch');
    }
  });

  it('a re-index item deleted (or replaced) since it was listed is skipped; one that still needs its lost original fails', async () => {
    const namespace = freshNamespace();
    expect((await putImage(namespace, 'kept', 'foo3x5x4indexed.png')).status).toBe(200);
    const kept = await sha256Hex(fixture('foo3x5x4indexed.png'));
    await env.ORIGINALS!.delete(`originals/${kept}`);
    // A job as a re-index lists it, one of its items since deleted (its original released with it).
    const id = crypto.randomUUID();
    const stub = env.JOBS!.get(env.JOBS!.idFromName(id)) as unknown as JobHandle;
    await stub.create({
      id,
      type: 'reindex',
      namespace,
      model: NEXT,
      createdAt: new Date().toISOString(),
      items: [
        { id: 'deleted', origin: { r2: `originals/${'0'.repeat(64)}` } },
        { id: 'kept', origin: { r2: `originals/${kept}` } },
      ],
    });
    const job = await until(`job ${id}`, async () => {
      const seen = await stub.get();
      return seen && (seen.state === 'done' || seen.state === 'failed') ? seen : undefined;
    });
    expect(job.counts).toMatchObject({ total: 2, skipped: 1, failed: 1 });
    expect(job.failures).toEqual([{ id: 'kept', problem: expect.objectContaining({ type: problemType('original-not-found') }) }]);
    expect((await call(`/v1/items/kept?namespace=${namespace}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('a re-index with switch covers every namespace and, once done with no failure, the Worker serves the new model; a failed one does not switch', async () => {
    const [first, second] = [freshNamespace(), freshNamespace()];
    expect((await putImage(first, 'cat', 'chelsea-q90.jpg')).status).toBe(200);
    expect((await putImage(first, 'cup', 'coffee.png')).status).toBe(200);
    expect((await putImage(second, 'man', 'astronaut.png')).status).toBe(200);
    const refusals = [
      [{ type: 'reindex', model: NEXT, switch: true, namespace: first }, 'namespace'],
      [{ type: 'reindex', model: 'vgg16-narrow-synthetic', switch: true }, 'model'],
      [{ type: 'reindex', model: NEXT, from: NEXT, switch: true }, 'from'],
    ] as const;
    for (const [body, field] of refusals) {
      const refused = await call('/v1/jobs', { method: 'POST', body: JSON.stringify(body), headers: json });
      expect((await expectProblem(refused, 422)).field, JSON.stringify(body)).toBe(field);
    }
    try {
      const job = await finishedJob({ type: 'reindex', model: NEXT, switch: true });
      expect(job.failures, JSON.stringify(job.failures).slice(0, 2000)).toEqual([]);
      expect(job).toMatchObject({
        namespace: '*',
        state: 'done',
        switch: { from: 'vgg16-narrow-synthetic', to: NEXT, state: 'switched' },
      });
      // Every item of the deployment's namespaces (other tests' too), named <namespace>/<id>; these three among them.
      expect(job.counts.failed).toBe(0);
      expect(job.counts.done + job.counts.skipped).toBe(job.counts.total);
      expect(job.counts.total).toBeGreaterThanOrEqual(3);

      await servingBecomes(NEXT);
      for (const [namespace, id, name] of [
        [first, 'cat', 'chelsea-q90.jpg'],
        [second, 'man', 'astronaut.png'],
      ] as const) {
        const search = await call(`/v1/search?namespace=${namespace}&k=1`, {
          method: 'POST',
          body: fixture(name),
          headers: { 'content-type': 'application/octet-stream' },
        });
        expect(search.status).toBe(200);
        const found = (await search.json()) as { model: { id: string }; results: { id: string; score: number }[] };
        expect(found.results[0]).toMatchObject({ id });
        expect(found.results[0]!.score).toBeCloseTo(1, 5);
        const item = (await (await call(`/v1/items/${id}?namespace=${namespace}`)).json()) as { model: { id: string } };
        expect(item.model.id).toBe(NEXT);
      }

      // Switching back fails for an item whose original is gone: the job records it and NEXT goes on serving.
      const lost = await sha256Hex(fixture('astronaut.png'));
      await env.ORIGINALS!.delete(`originals/${lost}`);
      const back = await finishedJob({ type: 'reindex', model: 'vgg16-narrow-synthetic', switch: true });
      expect(back.switch).toMatchObject({ from: NEXT, to: 'vgg16-narrow-synthetic', state: 'not-switched' });
      expect(back.switch!.detail).toMatch(/failed .*: vgg16-narrow-synthetic-int8 goes on serving/);
      expect(back.failures).toContainEqual({
        id: `${second}/man`,
        problem: expect.objectContaining({ type: problemType('original-not-found') }),
      });
      await new Promise((resolve) => setTimeout(resolve, 5500));
      expect(await serving()).toBe(NEXT);
    } finally {
      await env.ITEMS!.delete('config/model-switch');
      await servingBecomes('vgg16-narrow-synthetic');
    }
  });
});
