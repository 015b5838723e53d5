/**
 * `npm run fuzz [-- --long] [--cases N] [--seed S] [--concurrency C] [--model ID]`: the malformed-image
 * corpus (corpus.ts) against the Worker under `wrangler dev` on 127.0.0.1, over real HTTP. Default 2,000
 * cases; `--long` 10,000. Every answer must be a 200 with a vector or a 4xx problem+json (never a 5xx, a
 * hang past 60 s or a dropped connection), and afterwards the Worker must answer /healthz and embed a valid
 * photo. Prints the status histogram per family and exits 1 on any failure. CI runs 1,200 cases of the
 * same corpus inside workerd (test/worker/fuzz.test.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { prepareModels } from '../prepare-models.ts';
import { caseRequest, FuzzReport, generateCorpus, judge, SEEDS, type FuzzCase } from './corpus.ts';
import { REPO_ROOT, runKey, startRunServer } from '../load/server.ts';

const { values } = parseArgs({
  options: {
    long: { type: 'boolean', default: false },
    cases: { type: 'string' },
    seed: { type: 'string', default: '20261128' },
    concurrency: { type: 'string', default: '4' },
    model: { type: 'string', default: 'vgg16-narrow-synthetic' },
  },
});
const cases = Number(values.cases ?? (values.long ? 10_000 : 2_000));
const concurrency = Number(values.concurrency);
const MAX_PIXELS = 10_000_000;
const REQUEST_TIMEOUT_MS = 60_000;
const FIXTURES = join(REPO_ROOT, '..', 'shared', 'fixtures', 'images');

const fixtures = new Map<string, Uint8Array>();
async function loadFixtures(): Promise<(name: string) => Uint8Array> {
  for (const name of [...Object.values(SEEDS).flat(), 'chelsea.png', 'heif/gradient-4mp.avif']) {
    // `<folder>/<name>`: this repository's test fixtures; a bare name: the shared photos.
    const path = name.includes('/') ? join(REPO_ROOT, 'test', 'fixtures', name) : join(FIXTURES, name);
    fixtures.set(name, new Uint8Array(await readFile(path)));
  }
  return (name) => {
    const bytes = fixtures.get(name);
    if (!bytes) throw new Error(`fixture ${name} not loaded`);
    return bytes;
  };
}

await prepareModels([values.model]);
const fixture = await loadFixtures();
const key = runKey();
console.log(
  `fuzz: ${cases} cases (seed ${values.seed}), ${concurrency} at a time, model ${values.model}, MAX_PIXELS ${MAX_PIXELS}; starting wrangler dev…`,
);
const server = await startRunServer(values.model, {
  MODEL_ID: values.model,
  MAX_PIXELS: String(MAX_PIXELS),
  EMBED_CACHE_MAX_BYTES: '0',
  API_KEYS: key.apiKeys,
});
const report = new FuzzReport();
const started = performance.now();
let lastPrint = started;
try {
  const corpus = generateCorpus(fixture, { cases, seed: Number(values.seed), maxPixels: MAX_PIXELS });
  async function worker(): Promise<void> {
    for (;;) {
      const next = await corpus.next();
      if (next.done) return;
      const c: FuzzCase = next.value;
      const t = performance.now();
      try {
        const response = await fetch(caseRequest(server.url, c, key.header), { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        report.add(c, response.status, await judge(c, response), performance.now() - t);
      } catch (error) {
        report.add(
          c,
          0,
          { ok: false, reason: `no answer: ${error instanceof Error ? error.message : String(error)}` },
          performance.now() - t,
        );
      }
      if (performance.now() - lastPrint > 10_000) {
        lastPrint = performance.now();
        console.log(`  ${report.cases}/${cases} (${((lastPrint - started) / 1000).toFixed(0)} s) ${report.histogram()}`);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;

  const health = await fetch(`${server.url}/healthz`);
  const embed = await fetch(`${server.url}/v1/embed`, {
    method: 'POST',
    body: fixture('chelsea.png').slice(),
    headers: { 'content-type': 'image/png' },
  });
  const vector = embed.ok ? ((await embed.json()) as { vector: number[] }).vector : [];
  console.log(
    `\nfuzz: ${report.cases} cases in ${seconds.toFixed(1)} s (${(report.cases / seconds).toFixed(0)}/s); slowest ${report.slowest.ms.toFixed(0)} ms (${report.slowest.id})`,
  );
  console.log(`statuses: ${report.histogram()}\n\n${report.table()}\n`);
  console.log(`afterwards: /healthz ${health.status}, valid embed ${embed.status} (${vector.length}-d)`);
  if (!health.ok || !embed.ok) report.failures.push(`the Worker did not recover: /healthz ${health.status}, embed ${embed.status}`);
  if (report.failures.length > 0) {
    console.error(`\n${report.failures.length} failure(s):\n${report.failures.slice(0, 50).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log('no failures: every answer was a 200 with a vector or a 4xx problem+json');
  }
} finally {
  await server.stop();
}
