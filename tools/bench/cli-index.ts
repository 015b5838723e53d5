/**
 * CLI indexing throughput, upload vs --local, in one session against one `wrangler dev` (report, not CI):
 * a folder of N distinct small JPEGs (crops of examples/, encoded with jpeg-js, so the embedding cache never
 * answers for a repeat), indexed by `edge-features index` into one namespace by upload and into another with
 * --local (native onnxruntime-node, and onnxruntime-web WASM in Node). Then the local vectors are compared with
 * the Worker's (upload) ones for every item: max abs diff.
 *
 *   node tools/bench/cli-index.ts [--model mobilenet-v2-1.4-nsfwjs] [--count 240] [--concurrency 4]
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import jpeg from 'jpeg-js';
import { createClient } from '../../src/client/index.ts';
import { REPO_ROOT, runKey, startRunServer } from '../load/server.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'mobilenet-v2-1.4-nsfwjs' },
    count: { type: 'string', default: '240' },
    concurrency: { type: 'string', default: '4' },
    engines: { type: 'string', default: 'native,wasm' },
  },
});
const count = Number(values.count);
const run = promisify(execFile);

/** N distinct 160x160 JPEGs: windows of the example photos at different offsets. */
async function makeImages(dir: string): Promise<void> {
  const sources = await Promise.all(
    ['rocket.jpg', 'chelsea-q90.jpg'].map(async (name) =>
      jpeg.decode(await readFile(join(REPO_ROOT, 'examples', name)), { useTArray: true }),
    ),
  );
  const side = 160;
  for (let i = 0; i < count; i++) {
    const src = sources[i % sources.length]!;
    const x0 = (i * 37) % (src.width - side);
    const y0 = (i * 53) % (src.height - side);
    const data = new Uint8Array(side * side * 4);
    for (let y = 0; y < side; y++) {
      const from = ((y0 + y) * src.width + x0) * 4;
      data.set(src.data.subarray(from, from + side * 4), y * side * 4);
    }
    await mkdir(join(dir, `set${i % 4}`), { recursive: true });
    await writeFile(
      join(dir, `set${i % 4}`, `img${String(i).padStart(4, '0')}.jpg`),
      jpeg.encode({ data: Buffer.from(data.buffer), width: side, height: side }, 85).data,
    );
  }
}

const work = await mkdtemp(join(tmpdir(), 'edge-features-cli-bench-'));
const photos = join(work, 'photos');
await makeImages(photos);
const key = runKey();
const server = await startRunServer(values.model, { MODEL_ID: values.model, API_KEYS: key.apiKeys });
try {
  const cli = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'src/cli/index.ts'), '--json', ...args], {
      cwd: work,
      env: { ...process.env, EDGE_FEATURES_URL: server.url, EDGE_FEATURES_KEY: key.header.slice('Bearer '.length) },
      maxBuffer: 256 * 1024 * 1024,
    });
    return JSON.parse(stdout) as { indexed: number; failed: number; seconds: number; rate: number; failures: unknown[] };
  };
  const concurrency = values.concurrency;
  // Warm the Worker's model (its first embed loads it) so that neither mode pays for that.
  await createClient({ baseUrl: server.url, headers: { authorization: key.header } }).embed(
    await readFile(join(REPO_ROOT, 'examples/coffee.png')),
  );
  const results: Record<string, { indexed: number; failed: number; seconds: number; rate: number }> = {};
  const upload = await cli('-n', 'upload', 'index', photos, '--concurrency', concurrency);
  results.upload = upload;
  const engines = values.engines.split(',');
  for (const engine of engines) {
    results[`local-${engine}`] = await cli(
      '-n',
      `local-${engine}`,
      'index',
      photos,
      '--local',
      '--engine',
      engine,
      '--concurrency',
      concurrency,
    );
  }
  for (const [mode, r] of Object.entries(results)) {
    console.log(
      `${mode}: ${r.indexed} indexed, ${r.failed} failed in ${r.seconds.toFixed(1)} s = ${r.rate.toFixed(1)} img/s (concurrency ${concurrency})`,
    );
  }
  // Parity: every item's local vector against the Worker's.
  const client = createClient({ baseUrl: server.url, headers: { authorization: key.header } });
  const worker = new Map<string, Float32Array>();
  const page = async (namespace: string) => {
    const ids: string[] = [];
    for (let cursor: string | null = null; ; ) {
      const url = `${server.url}/v1/items?namespace=${namespace}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`;
      const listed = (await (await fetch(url, { headers: { authorization: key.header } })).json()) as {
        items: Array<{ id: string }>;
        cursor: string | null;
      };
      ids.push(...listed.items.map((i) => i.id));
      cursor = listed.cursor;
      if (!cursor) return ids;
    }
  };
  for (const id of await page('upload')) worker.set(id, (await client.getItem(id, { namespace: 'upload', vector: true }))!.vector!);
  for (const engine of engines) {
    let max = 0;
    for (const [id, vector] of worker) {
      const local = (await client.getItem(id, { namespace: `local-${engine}`, vector: true }))!.vector!;
      for (let i = 0; i < vector.length; i++) max = Math.max(max, Math.abs(vector[i]! - local[i]!));
    }
    console.log(`parity local-${engine} vs Worker (${values.model}, ${worker.size} items): max abs diff ${max.toExponential(3)}`);
  }
} finally {
  await server.stop();
  await rm(work, { recursive: true, force: true });
}
