/**
 * `npm run load:ingest [-- --count 1000] [--sync-count N] [--model vgg16-narrow-synthetic] [--concurrency 8] [--json FILE]`:
 * indexes N distinct 64x64 PNGs into the Worker under `wrangler dev` (fresh local state, the queue, the
 * Durable Objects and KV of wrangler.toml) twice, in the same run:
 *
 *   sync   PUT /v1/items/sN with the image, `--concurrency` requests at a time (`--sync-count` of them,
 *          default N: the synchronous path is the slow one, so a 10,000-image queue run can time fewer)
 *   queue  one ingest job of N URLs (served by a local HTTP server), followed to `done`
 *
 * and prints images/s for each. Then checks both namespaces: the listing holds exactly the N ids (0 lost,
 * 0 duplicated), and every item is readable with its vector and found first by a search with that vector.
 * Exits 1 on any loss, duplicate, failed item or miss. Not part of CI.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { chooseModel } from '../../src/models.ts';
import { prepareModels } from '../prepare-models.ts';
import { randomPngOf } from './png.ts';
import { runKey, startRunServer } from './server.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    'sync-count': { type: 'string' },
    model: { type: 'string', default: 'vgg16-narrow-synthetic' },
    concurrency: { type: 'string', default: '8' },
    json: { type: 'string' },
  },
});
const count = Number(values.count);
const syncCount = Number(values['sync-count'] ?? values.count);
const concurrency = Number(values.concurrency);
const { model } = chooseModel(values.model);
const run = Date.now().toString(36);
const SYNC = `sync-${run}`;
const QUEUE = `queue-${run}`;

// The images, served over HTTP for the job (the Worker's outbound fetch reaches 127.0.0.1).
const images = createServer((req, res) => {
  const n = Number(/^\/img\/(\d+)\.png$/.exec(req.url ?? '')?.[1]);
  if (!Number.isInteger(n)) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'image/png' }).end(randomPngOf(n));
});
await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
const imageBase = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;

await prepareModels([model.id]);
const key = runKey();
console.log(`ingest: starting wrangler dev (model ${model.id}, ${model.dims}-d), ${count} through the queue, ${syncCount} synchronously…`);
const server = await startRunServer(model.id, { MODEL_ID: model.id, API_KEYS: key.apiKeys, JOB_MAX_ITEMS: String(Math.max(count, 1)) });
const auth = { authorization: key.header };

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
}

/** Runs `task(i)` for i < n, `limit` at a time. */
async function pool(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

interface Check {
  readonly listed: number;
  readonly distinct: number;
  readonly lost: number;
  readonly unreadable: number;
  readonly notFirst: number;
}

/** Every id listed once, readable, and found first by its own vector. */
async function check(namespace: string, prefix: string, count: number): Promise<Check> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = (await (
      await api(`/v1/items?namespace=${namespace}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    ).json()) as {
      items: { id: string }[];
      cursor: string | null;
    };
    ids.push(...page.items.map((i) => i.id));
    cursor = page.cursor;
  } while (cursor);
  const distinct = new Set(ids);
  let lost = 0;
  for (let i = 0; i < count; i++) if (!distinct.has(`${prefix}${i}`)) lost++;
  let unreadable = 0;
  let notFirst = 0;
  await pool(count, 16, async (i) => {
    const id = `${prefix}${i}`;
    const got = await api(`/v1/items/${id}?namespace=${namespace}&vector=true`);
    if (!got.ok) {
      unreadable++;
      return;
    }
    const item = (await got.json()) as { vector: number[]; model: { id: string; version: string } };
    const found = (await (
      await api('/v1/search', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ vector: item.vector, model: item.model, namespace, k: 1 }),
      })
    ).json()) as { results: { id: string }[] };
    if (found.results[0]?.id !== id) notFirst++;
  });
  return { listed: ids.length, distinct: distinct.size, lost, unreadable, notFirst };
}

let exitCode = 0;
try {
  // Warm-up: the first embed loads the model; not measured.
  const warm = await api('/v1/embed', { method: 'POST', body: new Uint8Array(randomPngOf(-1)), headers: { 'content-type': 'image/png' } });
  if (!warm.ok) throw new Error(`warm-up embed answered ${warm.status}: ${await warm.text()}`);

  let syncErrors = 0;
  const syncStart = performance.now();
  await pool(syncCount, concurrency, async (i) => {
    for (let attempt = 0; ; attempt++) {
      const response = await api(`/v1/items/s${i}?namespace=${SYNC}`, {
        method: 'PUT',
        body: new Uint8Array(randomPngOf(i)),
        headers: { 'content-type': 'image/png' },
      });
      await response.body?.cancel();
      if (response.ok) return;
      // 503 busy: the client waits and tries again, as a real one would.
      if (response.status === 503 && attempt < 20) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      syncErrors++;
      return;
    }
  });
  const syncSeconds = (performance.now() - syncStart) / 1000;
  console.log(
    `sync:  ${syncCount} images in ${syncSeconds.toFixed(1)} s = ${(syncCount / syncSeconds).toFixed(1)} images/s (${concurrency} at a time), ${syncErrors} errors`,
  );

  const queueStart = performance.now();
  const created = await api('/v1/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'ingest',
      namespace: QUEUE,
      source: { urls: Array.from({ length: count }, (_, i) => ({ id: `q${i}`, url: `${imageBase}/img/${i}.png` })) },
    }),
  });
  if (created.status !== 202) throw new Error(`POST /v1/jobs answered ${created.status}: ${await created.text()}`);
  const {
    job: { id: jobId },
  } = (await created.json()) as { job: { id: string } };
  type JobAnswer = { job: { state: string; counts: Record<string, number>; rate?: number; failures: unknown[] } };
  let job: JobAnswer['job'];
  for (;;) {
    job = ((await (await api(`/v1/jobs/${jobId}`)).json()) as JobAnswer).job;
    if (job.state !== 'queued' && job.state !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const queueSeconds = (performance.now() - queueStart) / 1000;
  console.log(
    `queue: ${count} images in ${queueSeconds.toFixed(1)} s = ${(count / queueSeconds).toFixed(1)} images/s (job ${job.state}, counts ${JSON.stringify(job.counts)}, job rate ${job.rate})`,
  );

  const syncCheck = await check(SYNC, 's', syncCount);
  const queueCheck = await check(QUEUE, 'q', count);
  console.log(`check sync:  ${JSON.stringify(syncCheck)}`);
  console.log(`check queue: ${JSON.stringify(queueCheck)}`);
  for (const [c, n] of [
    [syncCheck, syncCount],
    [queueCheck, count],
  ] as const) {
    if (c.lost || c.unreadable || c.notFirst || c.listed !== n || c.distinct !== n) exitCode = 1;
  }
  if (syncErrors || job.state !== 'done' || job.counts.done !== count) exitCode = 1;
  if (values.json) {
    await writeFile(
      values.json,
      `${JSON.stringify({ model: model.id, count, syncCount, concurrency, sync: { seconds: syncSeconds, errors: syncErrors, check: syncCheck }, queue: { seconds: queueSeconds, job, check: queueCheck } }, null, 2)}\n`,
    );
  }
} finally {
  await server.stop();
  images.close();
}
process.exit(exitCode);
