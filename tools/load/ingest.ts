/**
 * `npm run load:ingest [-- --count 1000] [--sync-count N] [--cli-count N] [--sample 300] [--model vgg16-narrow-synthetic]
 * [--concurrency 8] [--json FILE]`: indexes distinct 64x64 PNGs into the Worker under `wrangler dev` (fresh local state,
 * the queue, the Durable Objects and KV of wrangler.toml) three ways, in the same run, each into its own namespace:
 *
 *   sync   PUT /v1/items/sN with the image, `--concurrency` requests at a time (`--sync-count` of them, default N:
 *          the synchronous path is the slow one, so a 10,000-image queue run can time fewer)
 *   queue  one ingest job of N URLs (served by a local HTTP server), followed to `done`
 *   cli    the CLI's local-embedding path, `edge-features index <folder> --local` (src/cli/index.ts: embeds in
 *          Node, uploads the vectors), `--concurrency` at a time, over `--cli-count` PNG files (default N; 0 skips it)
 *
 * and prints images/s for each and the ratios queue/sync and queue/cli. Each phase has images of its own (no image
 * is in two phases): the Worker's embedding cache answers a repeated image without inference, so a phase that
 * re-sent the images of an earlier one would be timed on cache hits (the first 1,000-image figures were).
 *
 * Then checks every namespace, once, from its export (`GET /v1/export`, NDJSON): exactly the expected ids, each
 * once (0 lost, 0 duplicated, none unexpected), every vector readable (the model's dims, finite numbers), and each
 * vector's nearest neighbour among the namespace's vectors is itself (exact brute force, cosine as the service's
 * default); plus, for a seeded random sample of `--sample` items per namespace, the item read back
 * (`GET /v1/items/{id}?vector=true`, the same vector as the export's) and a Worker search with its vector
 * (`POST /v1/search`, k 1) that answers the item first. Exits 1 on any loss, duplicate, failed item or miss.
 * Not part of CI.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { MODEL_ID_HEADER, MODEL_VERSION_HEADER } from '../../src/contract/transfer.ts';
import { mulberry32 } from '../../src/core/util/random.ts';
import { chooseModel } from '../../src/models.ts';
import { prepareModels } from '../prepare-models.ts';
import { randomPngOf } from './png.ts';
import { REPO_ROOT, runKey, startRunServer } from './server.ts';

const run = promisify(execFile);

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    'sync-count': { type: 'string' },
    'cli-count': { type: 'string' },
    sample: { type: 'string', default: '300' },
    model: { type: 'string', default: 'vgg16-narrow-synthetic' },
    concurrency: { type: 'string', default: '8' },
    json: { type: 'string' },
  },
});
const count = Number(values.count);
const syncCount = Number(values['sync-count'] ?? values.count);
const cliCount = Number(values['cli-count'] ?? values.count);
const sampleSize = Number(values.sample);
const concurrency = Number(values.concurrency);
const { model } = chooseModel(values.model);
const runId = Date.now().toString(36);
const SYNC = `sync-${runId}`;
const QUEUE = `queue-${runId}`;
const CLI = `cli-${runId}`;
/** The image numbers of each phase: disjoint, so that no phase is answered by the embedding cache. */
const SEED = { sync: 0, queue: 1_000_000, cli: 2_000_000 } as const;

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
console.log(
  `ingest: starting wrangler dev (model ${model.id}, ${model.dims}-d), ${count} through the queue, ${syncCount} synchronously, ${cliCount} by the CLI --local…`,
);
const server = await startRunServer(model.id, { MODEL_ID: model.id, API_KEYS: key.apiKeys, JOB_MAX_ITEMS: String(Math.max(count, 1)) });
const auth = { authorization: key.header };
const work = await mkdtemp(join(tmpdir(), 'edge-features-ingest-'));

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
  /** Lines of the export. */
  readonly listed: number;
  readonly distinct: number;
  readonly lost: number;
  /** Ids the namespace holds that no phase wrote. */
  readonly unexpected: number;
  /** Vectors of the wrong length or with a non-finite number. */
  readonly unreadable: number;
  /** Items whose nearest neighbour (exact, cosine) among the namespace's vectors is another item. */
  readonly notFirst: number;
  readonly sampled: number;
  /** Sampled items whose GET failed or answered another vector than the export. */
  readonly sampleUnreadable: number;
  /** Sampled items that a Worker search with their vector did not answer first. */
  readonly sampleNotFirst: number;
  readonly seconds: number;
}

interface Exported {
  readonly ids: string[];
  readonly vectors: Float32Array[];
  readonly model: { readonly id: string; readonly version: string };
}

async function exportOf(namespace: string): Promise<Exported> {
  const response = await api(`/v1/export?namespace=${namespace}`);
  if (!response.ok) throw new Error(`GET /v1/export answered ${response.status}: ${await response.text()}`);
  const exportedModel = { id: response.headers.get(MODEL_ID_HEADER) ?? '', version: response.headers.get(MODEL_VERSION_HEADER) ?? '' };
  const ids: string[] = [];
  const vectors: Float32Array[] = [];
  for (const line of (await response.text()).split('\n')) {
    if (line.trim() === '') continue;
    const item = JSON.parse(line) as { id: string; values: number[] };
    ids.push(item.id);
    vectors.push(Float32Array.from(item.values));
  }
  return { ids, vectors, model: exportedModel };
}

/** For each vector, whether another one is at least as near to it (cosine) as itself: exact, every pair once. */
function nearestIsOther(vectors: readonly Float32Array[], dims: number): boolean[] {
  const n = vectors.length;
  const unit = new Float32Array(n * dims);
  vectors.forEach((v, i) => {
    let norm = 0;
    for (let d = 0; d < dims; d++) norm += v[d]! * v[d]!;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dims; d++) unit[i * dims + d] = v[d]! * scale;
  });
  const self = new Float64Array(n);
  const bestOther = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < n; i++) {
    const a = i * dims;
    let s = 0;
    for (let d = 0; d < dims; d++) s += unit[a + d]! * unit[a + d]!;
    self[i] = s;
    for (let j = i + 1; j < n; j++) {
      const b = j * dims;
      let dot = 0;
      for (let d = 0; d < dims; d++) dot += unit[a + d]! * unit[b + d]!;
      if (dot > bestOther[i]!) bestOther[i] = dot;
      if (dot > bestOther[j]!) bestOther[j] = dot;
    }
  }
  return Array.from({ length: n }, (_, i) => bestOther[i]! >= self[i]!);
}

/** The namespace holds exactly `expected`, each once, readable and found first by its own vector. */
async function check(namespace: string, expected: readonly string[], seed: number): Promise<Check> {
  const started = performance.now();
  const exported = await exportOf(namespace);
  const distinct = new Set(exported.ids);
  const wanted = new Set(expected);
  const lost = expected.filter((id) => !distinct.has(id)).length;
  const unexpected = [...distinct].filter((id) => !wanted.has(id)).length;
  const readable = exported.vectors.map((v) => v.length === model.dims && v.every(Number.isFinite));
  const unreadable = readable.filter((ok) => !ok).length;
  const usable = exported.vectors.filter((_, i) => readable[i]);
  const notFirst = nearestIsOther(usable, model.dims).filter(Boolean).length;

  // A seeded sample, read back and searched through the Worker.
  const rng = mulberry32(seed);
  const order = exported.ids.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const sample = order.slice(0, Math.min(sampleSize, order.length));
  let sampleUnreadable = 0;
  let sampleNotFirst = 0;
  await pool(sample.length, 16, async (s) => {
    const i = sample[s]!;
    const id = exported.ids[i]!;
    const vector = exported.vectors[i]!;
    const got = await api(`/v1/items/${encodeURIComponent(id)}?namespace=${namespace}&vector=true`);
    const item = got.ok ? ((await got.json()) as { vector?: number[] }) : undefined;
    if (!item?.vector || item.vector.length !== vector.length || item.vector.some((x, d) => Math.fround(x) !== vector[d]))
      sampleUnreadable++;
    const found = await api('/v1/search', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vector: [...vector], model: exported.model, namespace, k: 1 }),
    });
    const results = found.ok ? ((await found.json()) as { results: { id: string }[] }).results : [];
    if (results[0]?.id !== id) sampleNotFirst++;
  });
  return {
    listed: exported.ids.length,
    distinct: distinct.size,
    lost,
    unexpected,
    unreadable,
    notFirst,
    sampled: sample.length,
    sampleUnreadable,
    sampleNotFirst,
    seconds: (performance.now() - started) / 1000,
  };
}

const ids = (prefix: string, n: number, suffix = '') => Array.from({ length: n }, (_, i) => `${prefix}${i}${suffix}`);
const rate = (n: number, seconds: number) => (seconds > 0 ? n / seconds : 0);

let exitCode = 0;
try {
  // Warm-up: the first embed loads the model; not measured.
  const warm = await api('/v1/embed', { method: 'POST', body: new Uint8Array(randomPngOf(-1)), headers: { 'content-type': 'image/png' } });
  if (!warm.ok) throw new Error(`warm-up embed answered ${warm.status}: ${await warm.text()}`);

  // 1. Synchronous PUTs.
  let syncErrors = 0;
  const syncStart = performance.now();
  await pool(syncCount, concurrency, async (i) => {
    for (let attempt = 0; ; attempt++) {
      const response = await api(`/v1/items/s${i}?namespace=${SYNC}`, {
        method: 'PUT',
        body: new Uint8Array(randomPngOf(SEED.sync + i)),
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
    `sync:  ${syncCount} images in ${syncSeconds.toFixed(1)} s = ${rate(syncCount, syncSeconds).toFixed(1)} images/s (${concurrency} at a time), ${syncErrors} errors`,
  );

  // 2. One ingest job.
  const queueStart = performance.now();
  const created = await api('/v1/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'ingest',
      namespace: QUEUE,
      source: { urls: Array.from({ length: count }, (_, i) => ({ id: `q${i}`, url: `${imageBase}/img/${SEED.queue + i}.png` })) },
    }),
  });
  if (created.status !== 202) throw new Error(`POST /v1/jobs answered ${created.status}: ${await created.text()}`);
  const {
    job: { id: jobId },
  } = (await created.json()) as { job: { id: string } };
  type JobAnswer = { job: { state: string; counts: Record<string, number>; rate?: number; failures: unknown[] } };
  let job: JobAnswer['job'];
  // The job's rate in windows of (about) 1,000 finished items: a slowdown within one job shows here.
  const windowSize = Math.max(1, Math.min(1000, Math.ceil(count / 10)));
  const windows: { finished: number; seconds: number; rate: number }[] = [];
  let last = { finished: 0, at: queueStart };
  for (;;) {
    job = ((await (await api(`/v1/jobs/${jobId}`)).json()) as JobAnswer).job;
    const ended = job.state !== 'queued' && job.state !== 'running';
    const finished = (job.counts.done ?? 0) + (job.counts.failed ?? 0) + (job.counts.skipped ?? 0);
    if (finished - last.finished >= windowSize || (ended && finished > last.finished)) {
      const now = performance.now();
      const seconds = (now - last.at) / 1000;
      windows.push({ finished, seconds, rate: Math.round(rate(finished - last.finished, seconds) * 10) / 10 });
      last = { finished, at: now };
    }
    if (ended) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const queueSeconds = (performance.now() - queueStart) / 1000;
  console.log(
    `queue: ${count} images in ${queueSeconds.toFixed(1)} s = ${rate(count, queueSeconds).toFixed(1)} images/s (job ${job.state}, counts ${JSON.stringify(job.counts)}, job rate ${job.rate})`,
  );
  console.log(`queue: images/s per ${windowSize} items: ${windows.map((w) => w.rate).join(', ')}`);

  // 3. The CLI's local-embedding path over the same number of files.
  let cli: { seconds: number; summary: { indexed: number; failed: number; seconds: number; rate: number; engine?: string } } | undefined;
  if (cliCount > 0) {
    const folder = join(work, 'images');
    await mkdir(folder);
    await pool(cliCount, 32, async (i) => writeFile(join(folder, `c${i}.png`), randomPngOf(SEED.cli + i)));
    const cliStart = performance.now();
    const { stdout } = await run(
      process.execPath,
      [
        join(REPO_ROOT, 'src/cli/index.ts'),
        '--json',
        '-n',
        CLI,
        'index',
        folder,
        '--local',
        '--concurrency',
        String(concurrency),
        '--models-dir',
        join(REPO_ROOT, 'public/models'),
        '--state',
        join(work, 'cli-state.ndjson'),
        '--no-progress',
      ],
      {
        cwd: work,
        env: { ...process.env, EDGE_FEATURES_URL: server.url, EDGE_FEATURES_KEY: key.header.slice('Bearer '.length) },
        maxBuffer: 256 * 1024 * 1024,
      },
    ).catch((error: { stdout?: string; stderr?: string }) => {
      // Exit 2 (failures) still prints its summary.
      if (error.stdout) return { stdout: error.stdout };
      throw new Error(`the CLI failed: ${error.stderr ?? String(error)}`);
    });
    const seconds = (performance.now() - cliStart) / 1000;
    cli = { seconds, summary: JSON.parse(stdout) as NonNullable<typeof cli>['summary'] };
    console.log(
      `cli:   ${cliCount} images in ${seconds.toFixed(1)} s = ${rate(cliCount, seconds).toFixed(1)} images/s (index --local, engine ${cli.summary.engine}, ${concurrency} at a time, process start included; the CLI's own figure ${cli.summary.rate.toFixed(1)} images/s), ${cli.summary.indexed} indexed, ${cli.summary.failed} failed`,
    );
  }

  const queueRate = rate(count, queueSeconds);
  const ratios = {
    queueOverSync: queueRate / rate(syncCount, syncSeconds),
    ...(cli && { queueOverCli: queueRate / rate(cliCount, cli.seconds) }),
  };
  console.log(
    `ratios: queue/sync ${ratios.queueOverSync.toFixed(2)}${ratios.queueOverCli !== undefined ? `, queue/cli-local ${ratios.queueOverCli.toFixed(2)}` : ''}`,
  );

  const syncCheck = await check(SYNC, ids('s', syncCount), 1);
  console.log(`check sync:  ${JSON.stringify(syncCheck)}`);
  const queueCheck = await check(QUEUE, ids('q', count), 2);
  console.log(`check queue: ${JSON.stringify(queueCheck)}`);
  const cliCheck = cli ? await check(CLI, ids('c', cliCount, '.png'), 3) : undefined;
  if (cliCheck) console.log(`check cli:   ${JSON.stringify(cliCheck)}`);
  for (const [c, n] of [[syncCheck, syncCount], [queueCheck, count], ...(cliCheck ? [[cliCheck, cliCount] as const] : [])] as const) {
    if (
      c.lost ||
      c.unexpected ||
      c.unreadable ||
      c.notFirst ||
      c.sampleUnreadable ||
      c.sampleNotFirst ||
      c.listed !== n ||
      c.distinct !== n
    )
      exitCode = 1;
  }
  if (syncErrors || job.state !== 'done' || job.counts.done !== count) exitCode = 1;
  if (cli && (cli.summary.failed || cli.summary.indexed !== cliCount)) exitCode = 1;
  if (values.json) {
    await writeFile(
      values.json,
      `${JSON.stringify(
        {
          model: model.id,
          count,
          syncCount,
          cliCount,
          concurrency,
          sync: { seconds: syncSeconds, errors: syncErrors, check: syncCheck },
          queue: { seconds: queueSeconds, job, windows, check: queueCheck },
          ...(cli && { cli: { seconds: cli.seconds, summary: cli.summary, check: cliCheck } }),
          ratios,
        },
        null,
        2,
      )}\n`,
    );
  }
} finally {
  await server.stop();
  images.close();
  await rm(work, { recursive: true, force: true });
}
process.exit(exitCode);
