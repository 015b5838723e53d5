/**
 * Originals inside workerd with the real local R2, queue and Durable Objects: uploads to ORIGINALS indexed
 * through the queue, a job over an ORIGINALS prefix, originals kept by sha256 (KEEP_ORIGINALS defaults to
 * true) and deleted with the last item that uses them, thumbnails deleted with their item, and a re-index job
 * that builds a second model's vectors (vgg16-narrow-synthetic-int8) from the originals while the test
 * project's model (vgg16-narrow-synthetic) keeps serving, then the switch (a runtime built with the other
 * MODEL_ID over the same bindings).
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/contract/jobs.ts';
import { problemType } from '../../src/contract/problems.ts';
import { sha256Hex } from '../../src/core/util/sha256.ts';
import { buildRuntime } from '../../src/worker.ts';
import { call, expectProblem, fixture, maxAbsDiff, request } from './helpers.ts';

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

describe('uploads and prefixes', () => {
  it('PUT /v1/originals/{id} keeps the image by sha256 and indexes it through the queue; a non-image is 415', async () => {
    const namespace = freshNamespace();
    const bytes = fixture('coffee.png');
    const response = await call(`/v1/originals/up1?namespace=${namespace}&metadata=${encodeURIComponent('{"via":"upload"}')}`, {
      method: 'PUT',
      body: bytes,
      headers: { 'content-type': 'image/png' },
    });
    expect(response.status).toBe(202);
    const hash = await sha256Hex(bytes);
    expect(await response.json()).toEqual({ id: 'up1', namespace, contentHash: hash, state: 'queued' });
    expect(await env.ORIGINALS!.head(`originals/${hash}`)).not.toBeNull();
    const item = await until('the uploaded item', async () => {
      const found = await call(`/v1/items/up1?namespace=${namespace}`);
      return found.status === 200 ? ((await found.json()) as { contentHash: string; metadata: object }) : undefined;
    });
    expect(item).toMatchObject({ contentHash: hash, metadata: { via: 'upload' } });

    const text = await call(`/v1/originals/up2?namespace=${namespace}`, {
      method: 'PUT',
      body: 'not an image',
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect((await expectProblem(text, 415)).type).toBe(problemType('unsupported-image-format'));
  });

  it('an r2Prefix job indexes every object under the prefix (id = the key after its last "/"), a non-image fails', async () => {
    const namespace = freshNamespace();
    const prefix = `imports/${namespace}/`;
    await env.ORIGINALS!.put(`${prefix}cat.jpg`, fixture('chelsea-q90.jpg'));
    await env.ORIGINALS!.put(`${prefix}sub/cup.png`, fixture('coffee.png'));
    await env.ORIGINALS!.put(`${prefix}notes.txt`, 'plain text');
    const job = await finishedJob({ type: 'ingest', namespace, source: { r2Prefix: prefix } });
    expect(job.counts).toEqual({ total: 3, queued: 0, done: 2, failed: 1, skipped: 0 });
    expect(job.failures).toEqual([
      { id: 'notes.txt', problem: expect.objectContaining({ type: problemType('unsupported-image-format') }) },
    ]);
    const page = (await (await call(`/v1/items?namespace=${namespace}`)).json()) as { items: { id: string }[] };
    expect(page.items.map((i) => i.id).sort()).toEqual(['cat.jpg', 'cup.png']);
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
    expect(job.counts).toEqual({ total: 3, queued: 0, done: 3, failed: 0, skipped: 0 });

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
  });
});
