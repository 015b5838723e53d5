/**
 * Search latency of the KV store by collection size, measured from outside the isolate (workerd
 * freezes timers during compute) against `wrangler dev` — the Worker in local workerd with
 * miniflare's KV, state in a fresh temporary directory (your .wrangler/state is not touched), the
 * Worker bundled once up front (edits to src/ during a run do not restart it).
 *
 *   node tools/bench/search-kv.ts [--sizes 1000,10000,50000] [--model vgg16-synthetic] [--queries 20]
 *                           [--k 10] [--data clustered|uniform]
 *
 * Seeds each size into its own namespace through POST /v1/items (precomputed vectors, 100 per
 * request), restarts the Worker (a cold isolate: empty vector cache), then per size: one cold
 * search, and `queries` more (median, p90), each POST /v1/search with a vector near a stored item.
 * The store reports the KV operations it spent (x-store-operations) and the values it had to
 * read to settle the ranking (x-store-fetched).
 *
 * Data: `clustered` = 200 centres with ReLU-like (non-negative, sparse) components plus noise —
 * closer to CNN features; `uniform` = independent uniform components, the hard case for the
 * int8 bounds (all cosines crowd together).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mulberry32 } from '../../src/core/util/random.ts';
import { quantile } from '../../src/core/util/stats.ts';
import { findModel } from '../../src/models.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,50000' },
    model: { type: 'string', default: 'vgg16-synthetic' },
    queries: { type: 'string', default: '20' },
    k: { type: 'string', default: '10' },
    data: { type: 'string', default: 'clustered' },
  },
});
const sizes = values.sizes!.split(',').map(Number);
const manifest = findModel(values.model!);
if (!manifest) throw new Error(`unknown model ${values.model}`);
const dims = manifest.dims;
const model = { id: manifest.id, version: manifest.version };
const queries = Number(values.queries);
const k = Number(values.k);

const next = mulberry32(2026).next;
const centres = Array.from({ length: 200 }, () => Array.from({ length: dims }, () => (next() < 0.4 ? next() * 4 : 0)));
function item(i: number): number[] {
  if (values.data === 'uniform') return Array.from({ length: dims }, () => next());
  const centre = centres[i % centres.length]!;
  return centre.map((v) => Math.max(0, v + (next() - 0.5) * 1.5));
}
const perturb = (v: number[]) => v.map((x) => Math.max(0, x + (next() - 0.5) * 0.3));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const quiet = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' };
const root = fileURLToPath(new URL('../..', import.meta.url));
const config = join(root, 'wrangler.toml');

/** Bundles the Worker once, so edits to src/ during a run cannot restart it mid-measurement. */
async function bundle(outdir: string): Promise<string> {
  const child = spawn('wrangler', ['deploy', '--dry-run', '--outdir', outdir, '-c', config], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: quiet,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bundling failed:\n${output}`);
  return join(outdir, 'worker.js');
}

async function startWorker(script: string, persist: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'wrangler',
    [
      'dev',
      script,
      '-c',
      config,
      '--no-bundle',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--log-level',
      'warn',
      '--persist-to',
      persist,
      '--var',
      `MODEL_ID:${model.id}`,
      '--var',
      `API_KEYS:${BENCH_KEYS}`,
      '--var',
      'READ_AUTH:open',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: quiet },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while (
    !(await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`wrangler dev did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`wrangler dev exited (${code ?? signal}) unexpectedly; its last output:\n${output.slice(-4000)}`);
  });
  let stopping = false;
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

let retries = 0;

/**
 * fetch, retried when the dev server restarts mid-request (it reloads when files it serves change,
 * e.g. another build writing public/): upserts and searches are idempotent.
 */
// A throw-away write key for the local server this bench starts (writes need the write scope).
const BENCH_KEY = 'bench-search-kv-local-key-0123456789';
const BENCH_KEYS = `bench:read+write:${BENCH_KEY}`;

async function send(url: string, init: RequestInit): Promise<Response> {
  init = { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${BENCH_KEY}` } };
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url, init);
      if (response.status !== 503 || attempt >= 5) return response;
      await response.arrayBuffer();
    } catch (error) {
      if (attempt >= 5) throw error;
    }
    retries++;
    await new Promise((r) => setTimeout(r, 1000 * attempt));
  }
}

async function seed(url: string, namespace: string, n: number): Promise<number[][]> {
  const vectors = Array.from({ length: n }, (_, i) => item(i));
  const batches: Array<[number, number]> = [];
  for (let i = 0; i < n; i += 100) batches.push([i, Math.min(n, i + 100)]);
  let cursor = 0;
  const worker = async () => {
    while (cursor < batches.length) {
      const [from, to] = batches[cursor++]!;
      const items = vectors.slice(from, to).map((vector, j) => ({ id: `item-${from + j}`, vector, model, metadata: { n: from + j } }));
      const response = await send(`${url}/v1/items?namespace=${namespace}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items }),
      });
      if (!response.ok) throw new Error(`seeding answered ${response.status}: ${await response.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return vectors;
}

interface Sample {
  ms: number;
  operations: number;
  fetched: number;
  top: string;
}

async function search(url: string, namespace: string, vector: number[]): Promise<Sample> {
  const started = performance.now();
  const response = await send(`${url}/v1/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ vector, model, namespace, k }),
  });
  const body = (await response.json()) as { results: Array<{ id: string }> };
  const ms = performance.now() - started;
  if (!response.ok) throw new Error(`search answered ${response.status}: ${JSON.stringify(body)}`);
  return {
    ms,
    operations: Number(response.headers.get('x-store-operations')),
    fetched: Number(response.headers.get('x-store-fetched')),
    top: body.results[0]?.id ?? '',
  };
}

const persist = await mkdtemp(join(tmpdir(), 'edge-features-bench-'));
let server: { url: string; stop: () => Promise<void> } | undefined;
try {
  console.log(`KV search bench: model ${model.id}@${model.version} (${dims}-d), ${values.data} data, k=${k}, ${queries} queries per size`);
  const script = await bundle(join(persist, 'dist'));
  server = await startWorker(script, persist);
  const stored = new Map<number, number[][]>();
  for (const n of sizes) {
    const started = performance.now();
    stored.set(n, await seed(server.url, `bench-${n}`, n));
    console.log(`seeded ${n} items in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  await server.stop();
  server = await startWorker(script, persist); // a fresh isolate: the vector cache is empty
  const rows: string[] = [];
  for (const n of sizes) {
    const vectors = stored.get(n)!;
    const target = (i: number) => (i * 7919) % n;
    const cold = await search(server.url, `bench-${n}`, perturb(vectors[target(0)]!));
    const samples: Sample[] = [];
    let hits = 0;
    for (let q = 1; q <= queries; q++) {
      const t = target(q);
      const sample = await search(server.url, `bench-${n}`, perturb(vectors[t]!));
      if (sample.top === `item-${t}`) hits++;
      samples.push(sample);
    }
    const ms = samples.map((s) => s.ms);
    const fetched = samples.map((s) => s.fetched);
    rows.push(
      `| ${n} | ${cold.ms.toFixed(0)} | ${quantile(ms, 0.5).toFixed(0)} | ${quantile(ms, 0.9).toFixed(0)} | ${samples[0]!.operations}–${Math.max(...samples.map((s) => s.operations))} | ${quantile(fetched, 0.5)} | ${hits}/${queries} |`,
    );
  }
  await server.stop();
  server = undefined;
  if (retries > 0) console.log(`(${retries} requests retried after a dev-server restart)`);
  console.log('\n| items | cold search ms | median ms | p90 ms | KV operations | values read (median) | perturbed item found first |');
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
} finally {
  await server?.stop();
  await rm(persist, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 });
}
