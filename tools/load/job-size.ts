/**
 * `npm run load:job-size [-- --count 100000] [--watch 60]`: one ingest job of `count` URLs (JOB_MAX_ITEMS'
 * default) in `wrangler dev` (fresh local state, `vgg16-narrow-synthetic`): the time to create it, GET /v1/jobs/{id}
 * every 10 s for `--watch` seconds (its counts and rate), then the time to cancel it and what it counted. The
 * images (distinct 64x64 PNGs) come from a local HTTP server. Not part of CI; not run to the end (at ~23 images/s
 * here a 100,000-item job takes over an hour).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { prepareModels } from '../prepare-models.ts';
import { randomPngOf } from './png.ts';
import { runKey, startRunServer } from './server.ts';

const { values } = parseArgs({ options: { count: { type: 'string', default: '100000' }, watch: { type: 'string', default: '60' } } });
const count = Number(values.count);
const watchSeconds = Number(values.watch);
const MODEL = 'vgg16-narrow-synthetic';

interface JobAnswer {
  job: { id: string; state: string; counts: Record<string, number>; rate?: number };
}

const images = createServer((req, res) => {
  const n = Number(/^\/img\/(\d+)\.png$/.exec(req.url ?? '')?.[1]);
  if (!Number.isInteger(n)) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'image/png' }).end(randomPngOf(5_000_000 + n));
});
await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
const imageBase = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
await prepareModels([MODEL]);
const key = runKey();
const server = await startRunServer(MODEL, { MODEL_ID: MODEL, API_KEYS: key.apiKeys, JOB_MAX_ITEMS: String(Math.max(count, 1)) });
const headers = { authorization: key.header, 'content-type': 'application/json' };
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(2);

try {
  const urls = Array.from({ length: count }, (_, i) => ({ id: `b${i}`, url: `${imageBase}/img/${i}.png` }));
  const body = JSON.stringify({ type: 'ingest', namespace: 'big', source: { urls } });
  let started = performance.now();
  const created = await fetch(`${server.url}/v1/jobs`, { method: 'POST', headers, body });
  if (created.status !== 202) throw new Error(`create answered ${created.status}: ${await created.text()}`);
  const { job } = (await created.json()) as JobAnswer;
  console.log(`job-size: created a job of ${count} URLs (${(body.length / 1048576).toFixed(1)} MiB of JSON) in ${seconds(started)} s`);
  for (let waited = 10; waited <= watchSeconds; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    started = performance.now();
    const { job: seen } = (await (await fetch(`${server.url}/v1/jobs/${job.id}`, { headers })).json()) as JobAnswer;
    console.log(
      `  +${waited} s: GET in ${seconds(started)} s, ${seen.state}, ${JSON.stringify(seen.counts)}, rate ${seen.rate ?? '-'} items/s`,
    );
  }
  started = performance.now();
  const cancel = await fetch(`${server.url}/v1/jobs/${job.id}/cancel`, { method: 'POST', headers });
  const { job: cancelled } = (await cancel.json()) as JobAnswer;
  console.log(`job-size: cancelled in ${seconds(started)} s: ${cancelled.state}, ${JSON.stringify(cancelled.counts)}`);
} finally {
  await server.stop();
  images.close();
}
