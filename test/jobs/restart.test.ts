/**
 * A restart of `wrangler dev` in the middle of a job (the Worker's local Queues, Durable Objects, R2 and KV,
 * its state kept in one --persist-to folder across both runs). Miniflare's queue keeps its backlog in memory,
 * so the messages sent but not consumed yet are gone with the process, while the job's Durable Object (on
 * disk) says those items are queued and sent: the job's stall watchdog (JOB_STALL_SECONDS, small here) must
 * send them again, and the job must end `done` with every item stored once and readable.
 * Images: distinct PNGs from a node:http server on 127.0.0.1 that answers one request at a time, each after
 * SERVE_MS, so a queue batch of 10 takes seconds and the restart comes between two batches' reports.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../src/contract/jobs.ts';
import { sha256Hex } from '../../src/core/util/sha256.ts';
import { randomPngOf } from '../../tools/load/png.ts';
import { startServer, TEST_MODEL, TEST_WRITE_KEY, type Server } from '../browser/support.ts';

const ITEMS = 20;
/** Seconds without progress before the job sends its queued items again: short, but longer than one batch. */
const STALL_SECONDS = 5;
/** Each image is answered this long after the previous one (one at a time): a batch of 10 takes 2.5 s. */
const SERVE_MS = 250;
const VARS = { JOB_STALL_SECONDS: String(STALL_SECONDS), FETCH_TIMEOUT_MS: '20000', JOB_RETRY_DELAY_SECONDS: '0' };
const NAMESPACE = 'restart';

let state: string;
let images: HttpServer;
let imageBase: string;
let server: Server | undefined;
/** Requests for each image, by number. */
const served = new Map<number, number>();

async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server!.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TEST_WRITE_KEY}`, 'content-type': 'application/json', ...init.headers },
  });
  return { status: response.status, body: (await response.json()) as T };
}

const getJob = async (id: string) => (await api<{ job: Job }>(`/v1/jobs/${id}`)).body.job;
const active = (job: Job) => job.state === 'queued' || job.state === 'running';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  state = await mkdtemp(join(tmpdir(), 'edge-features-restart-'));
  let turn = Promise.resolve();
  images = createServer((request, response) => {
    const [, n] = /^\/png\/(\d+)\.png$/.exec(new URL(request.url ?? '/', 'http://images').pathname) ?? [];
    if (n === undefined) return response.writeHead(404).end();
    served.set(Number(n), (served.get(Number(n)) ?? 0) + 1);
    turn = turn
      .then(() => sleep(SERVE_MS))
      .then(() => {
        if (!response.destroyed) response.writeHead(200, { 'content-type': 'image/png' }).end(randomPngOf(Number(n)));
      });
  });
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
  imageBase = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await server?.stop();
  images?.closeAllConnections();
  await new Promise<void>((resolve) => (images ? images.close(() => resolve()) : resolve()));
  await rm(state, { recursive: true, force: true });
});

describe('a job across a restart of wrangler dev', () => {
  it('finishes done with exact counts, every item stored once and readable: the watchdog sends what the restart lost', async () => {
    server = await startServer(TEST_MODEL, VARS, { persistTo: state });
    const urls = Array.from({ length: ITEMS }, (_, i) => ({ id: `img-${i}`, url: `${imageBase}/png/${i}.png` }));
    const created = await api<{ job: Job }>('/v1/jobs', {
      method: 'POST',
      body: JSON.stringify({ type: 'ingest', namespace: NAMESPACE, source: { urls } }),
    });
    expect(created.status).toBe(202);
    const id = created.body.job.id;

    // Mid-way: the first batch reported, the rest not yet.
    let job = await getJob(id);
    for (const deadline = Date.now() + 120_000; job.counts.queued === ITEMS; job = await getJob(id)) {
      if (Date.now() > deadline) throw new Error(`nothing finished: ${JSON.stringify(job.counts)}`);
      await sleep(50);
    }
    expect(job.counts.queued).toBeGreaterThan(0);
    const beforeStop = job.counts;
    await server.stop();
    server = undefined;

    server = await startServer(TEST_MODEL, VARS, { persistTo: state });
    const restarted = Date.now();
    // The queue's backlog went with the process; the job's alarm, pending at the stop, is run by the new process
    // (miniflare keeps it in the --persist-to state) and, JOB_STALL_SECONDS after the last progress, sends the
    // items still queued again. Watched through the items only: a GET of the job would reschedule an overdue alarm.
    const listedIds = async () =>
      (await api<{ items: { id: string }[] }>(`/v1/items?namespace=${NAMESPACE}&limit=1000`)).body.items.map((item) => item.id);
    for (const deadline = Date.now() + 120_000; (await listedIds()).length < ITEMS; await sleep(250)) {
      if (Date.now() > deadline) throw new Error(`after the restart, ${(await listedIds()).length} of ${ITEMS} items stored`);
    }
    const storedAfter = (Date.now() - restarted) / 1000;
    for (const deadline = Date.now() + 60_000; active(job); job = await getJob(id)) {
      if (Date.now() > deadline) throw new Error(`job still ${job.state} after the restart: ${JSON.stringify(job.counts)}`);
      await sleep(250);
    }
    const twice = [...served.values()].filter((n) => n > 1).length;
    console.log(
      `stopped at ${JSON.stringify(beforeStop)}; every item stored ${storedAfter.toFixed(1)} s after the restart; ` +
        `the job: ${JSON.stringify(job.counts)}; ${twice} image(s) fetched more than once`,
    );

    expect(job.state).toBe('done');
    // An item stored just before the stop but not reported is stored again as `skipped` (same content and model).
    expect(job.counts).toMatchObject({ total: ITEMS, queued: 0, failed: 0, cancelled: 0 });
    expect(job.counts.done + job.counts.skipped).toBe(ITEMS);
    expect(job.counts.done).toBeGreaterThanOrEqual(ITEMS - beforeStop.queued);
    expect(job.failures).toEqual([]);

    expect((await listedIds()).sort()).toEqual(urls.map((u) => u.id).sort());
    for (let i = 0; i < ITEMS; i++) {
      const item = await api<{ id: string; contentHash?: string }>(`/v1/items/img-${i}?namespace=${NAMESPACE}`);
      expect(item.status).toBe(200);
      expect(item.body.contentHash).toBe(await sha256Hex(randomPngOf(i)));
    }
  }, 420_000);
});
