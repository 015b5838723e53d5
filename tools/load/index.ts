/**
 * `npm run load [-- --duration 60] [--connections 32] [--model ID] [--json FILE]`: autocannon against the
 * Worker under `wrangler dev` on 127.0.0.1 (fresh KV/R2 state, the served model — MODEL_ID=auto unless
 * --model), 32 connections for 60 s, split between three routes running together:
 *
 *   embed   POST /v1/embed          a distinct 64x64 PNG each request (so the embedding cache never answers)
 *   upsert  PUT  /v1/items/load-N   a distinct id and a precomputed vector each request (the write path)
 *   search  POST /v1/search         a random query vector, k = 10
 *
 * Prints requests, throughput and p50 / p99 latency per route, and the status counts. Then checks every
 * acknowledged (2xx) upsert: GET /v1/items/:id must return exactly its vector, and a search with that vector
 * must rank it first — the count that fails either check is "lost writes". Exits 1 on any 5xx or lost write.
 *
 * The rate limits of wrangler.toml are raised for the run (one key sends thousands of requests a minute);
 * the limiter still runs on every request. Not part of CI: it takes over a minute.
 */
import autocannon, { type RequestSpec, type Result } from 'autocannon';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { chooseModel } from '../../src/models.ts';
import { mulberry32 } from '../../src/core/util/random.ts';
import { prepareModels } from '../prepare-models.ts';
import { randomPngOf } from './png.ts';
import { runKey, startRunServer } from './server.ts';

let pngCounter = 0;
/** A 64x64 PNG never sent before in this run. */
const randomPng = () => randomPngOf(pngCounter++);

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '32' },
    model: { type: 'string', default: 'auto' },
    json: { type: 'string' },
    // Connections per route (default: a quarter embed, the rest split between upsert and search).
    embed: { type: 'string' },
    upsert: { type: 'string' },
    search: { type: 'string' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
if (!(duration > 0) || !(connections >= 3)) throw new Error('--duration must be > 0 and --connections >= 3');

const { model } = chooseModel(values.model);
const MODEL = { id: model.id, version: model.version };
const NAMESPACE = `load-${Date.now().toString(36)}`;
/** Connections per route: a quarter embed (CPU-bound, one at a time per isolate), the rest split between writes and searches. */
const split = { embed: Math.max(1, Math.round(connections / 4)), upsert: 0, search: 0 };
split.upsert = Math.ceil((connections - split.embed) / 2);
split.search = connections - split.embed - split.upsert;
if (values.embed ?? values.upsert ?? values.search) {
  split.embed = Number(values.embed ?? 0);
  split.upsert = Number(values.upsert ?? 0);
  split.search = Number(values.search ?? 0);
}

/** The vector stored under load-N: seeded by N, so it is recomputed for the checks instead of kept. */
function vectorFor(n: number): number[] {
  const rng = mulberry32(0x10ad0000 + n);
  return Array.from({ length: model.dims }, () => Math.fround(rng.symmetric(1)));
}

await prepareModels([model.id]);
const key = runKey();
console.log(`load: starting wrangler dev (model ${model.id}, ${model.dims}-d)…`);
const server = await startRunServer(model.id, { MODEL_ID: model.id, API_KEYS: key.apiKeys });

interface RouteResult {
  readonly route: string;
  readonly connections: number;
  readonly result: Result;
}

let exitCode = 0;
try {
  // Warm-up: the first embed loads the model (seconds); not part of the measurement.
  const warm = await fetch(`${server.url}/v1/embed`, {
    method: 'POST',
    body: new Uint8Array(randomPng()),
    headers: { 'content-type': 'image/png' },
  });
  if (!warm.ok) throw new Error(`warm-up embed answered ${warm.status}: ${await warm.text()}`);

  const acknowledged: number[] = [];
  let nextId = 0;
  const common = { url: server.url, duration, timeout: 60, headers: { authorization: key.header } };
  console.log(
    `load: ${split.embed + split.upsert + split.search} connections for ${duration} s — embed ${split.embed}, upsert ${split.upsert}, search ${split.search} — namespace ${NAMESPACE}`,
  );
  const routes: Array<{ route: string; connections: number; request: RequestSpec }> = [
    {
      route: 'embed',
      connections: split.embed,
      request: {
        method: 'POST',
        setupRequest: (req) => ({ ...req, path: '/v1/embed', headers: { ...req.headers, 'content-type': 'image/png' }, body: randomPng() }),
      },
    },
    {
      route: 'upsert',
      connections: split.upsert,
      request: {
        method: 'PUT',
        setupRequest: (req, context) => {
          const n = nextId++;
          context.n = n;
          const body = JSON.stringify({ vector: vectorFor(n), model: MODEL, metadata: { n } });
          return {
            ...req,
            path: `/v1/items/load-${n}?namespace=${NAMESPACE}`,
            headers: { ...req.headers, 'content-type': 'application/json' },
            body,
          };
        },
        onResponse: (status, _body, context) => {
          if (status >= 200 && status < 300) acknowledged.push(context.n as number);
        },
      },
    },
    {
      route: 'search',
      connections: split.search,
      request: {
        method: 'POST',
        setupRequest: (req) => {
          const body = JSON.stringify({
            vector: vectorFor(1_000_000_000 + Math.floor(Math.random() * 1e6)),
            model: MODEL,
            k: 10,
            namespace: NAMESPACE,
          });
          return { ...req, path: '/v1/search', headers: { ...req.headers, 'content-type': 'application/json' }, body };
        },
      },
    },
  ];
  const runs = routes
    .filter((r) => r.connections > 0)
    .map(
      async ({ route, connections: n, request }): Promise<RouteResult> => ({
        route,
        connections: n,
        result: await autocannon({ ...common, connections: n, requests: [request] }),
      }),
    );
  const results = await Promise.all(runs);

  console.log('\n| route | connections | requests | req/s | p50 ms | p99 ms | 2xx | 4xx | 5xx | errors + timeouts |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  let total5xx = 0;
  for (const { route, connections: n, result } of results) {
    const requests = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
    total5xx += result['5xx'];
    console.log(
      `| ${route} | ${n} | ${requests} | ${(requests / result.duration).toFixed(1)} | ${result.latency.p50} | ${result.latency.p99} | ${result['2xx']} | ${result['4xx']} | ${result['5xx']} | ${result.errors} |`,
    );
  }

  // Every acknowledged write must be there, with its vector, and found first by a search with that vector.
  console.log(`\nload: checking ${acknowledged.length} acknowledged upserts (GET each, then search by its vector)…`);
  const started = performance.now();
  const lost: string[] = [];
  const queue = [...acknowledged];
  async function check(): Promise<void> {
    for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
      const id = `load-${n}`;
      const expected = vectorFor(n);
      const item = await fetch(`${server.url}/v1/items/${id}?namespace=${NAMESPACE}&vector=true`, {
        headers: { authorization: key.header },
      });
      if (!item.ok) {
        lost.push(`${id}: GET ${item.status}`);
        await item.body?.cancel();
        continue;
      }
      const stored = ((await item.json()) as { vector: number[] }).vector;
      if (stored.length !== expected.length || stored.some((v, i) => v !== expected[i])) {
        lost.push(`${id}: stored vector differs`);
        continue;
      }
      const search = await fetch(`${server.url}/v1/search`, {
        method: 'POST',
        headers: { authorization: key.header, 'content-type': 'application/json' },
        body: JSON.stringify({ vector: expected, model: MODEL, k: 1, namespace: NAMESPACE }),
      });
      const top = search.ok ? ((await search.json()) as { results: Array<{ id: string }> }).results[0]?.id : undefined;
      if (top !== id) lost.push(`${id}: search ${search.status} ranked ${top ?? 'nothing'} first`);
    }
  }
  await Promise.all(Array.from({ length: 16 }, check));
  const checkSeconds = (performance.now() - started) / 1000;

  console.log(
    `load: ${acknowledged.length} upserts acknowledged; ${acknowledged.length - lost.length} retrievable with their vector and found first by search; ` +
      `${lost.length} lost writes; ${total5xx} 5xx (checks took ${checkSeconds.toFixed(0)} s)`,
  );
  if (lost.length > 0) console.error(lost.slice(0, 20).join('\n'));
  if (lost.length > 0 || total5xx > 0) exitCode = 1;

  if (values.json) {
    const summary = {
      date: new Date().toISOString(),
      model: MODEL,
      duration,
      connections: split,
      routes: results.map(({ route, connections: n, result }) => ({ route, connections: n, result })),
      acknowledged: acknowledged.length,
      lost: lost.length,
      fiveHundreds: total5xx,
    };
    await writeFile(values.json, `${JSON.stringify(summary, null, 2)}\n`);
  }
} finally {
  await server.stop();
}
process.exitCode = exitCode;
