/**
 * The `edge-features` CLI end to end against the Worker in `wrangler dev` (the 64-d narrow model), on a folder of
 * copies of examples/ (a subfolder, a non-image): index by upload and with --local (both engines), resumability,
 * search, similar, export, import into another namespace (bit-exact), get, delete; every command's --json parses.
 * Local vectors equal the Worker's for the same files (max abs diff < 1e-4).
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../src/contract/jobs.ts';
import { type CliResult, ROOT, runCli } from './support.ts';
import { startServer, TEST_MODEL, TEST_WRITE_KEY, type Server } from '../browser/support.ts';

const EXAMPLES = ['chelsea.png', 'chelsea.webp', 'chelsea-q90.jpg', 'coffee.png', 'rocket.jpg'];

let server: Server;
let work: string;
let photos: string;

/** Runs the CLI in `work`, with the URL and key from the environment. */
function cli(...args: string[]): Promise<CliResult> {
  return runCli(work, server.url, TEST_WRITE_KEY, args);
}

async function json<T>(...args: string[]): Promise<T> {
  const result = await cli('--json', ...args);
  if (result.code !== 0) expect.fail(`edge-features ${args.join(' ')}: exit ${result.code}\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

interface Summary {
  mode: string;
  found: number;
  indexed: number;
  unchanged: number;
  failed: number;
  skippedFiles: string[];
  failures: unknown[];
  rate: number;
}

const IDS = [...EXAMPLES, ...EXAMPLES.slice(0, 2).map((name) => `album:${name}`)].sort();

async function vectorOf(namespace: string, id: string): Promise<number[]> {
  const item = await json<{ vector: number[]; metadata: { file: string } }>('-n', namespace, 'get', id, '--vector');
  return item.vector;
}

function maxAbsDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((max, v, i) => Math.max(max, Math.abs(v - b[i]!)), 0);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'edge-features-cli-'));
  photos = join(work, 'photos');
  await mkdir(join(photos, 'album'), { recursive: true });
  for (const name of EXAMPLES) await copyFile(join(ROOT, 'examples', name), join(photos, name));
  for (const name of EXAMPLES.slice(0, 2)) await copyFile(join(ROOT, 'examples', name), join(photos, 'album', name));
  await copyFile(join(ROOT, 'examples', 'README.md'), join(photos, 'README.md'));
  await writeFile(join(photos, 'album', 'fake.jpg'), 'not an image, whatever the extension says');
  server = await startServer(TEST_MODEL);
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('edge-features CLI against wrangler dev', () => {
  it('index (upload): every image stored under its relative-path id, non-images skipped; a second run stores nothing new', async () => {
    const first = await json<Summary>('-n', 'up', 'index', photos, '--concurrency', '3');
    expect(first).toMatchObject({ mode: 'upload', found: IDS.length, indexed: IDS.length, unchanged: 0, failed: 0 });
    expect(first.skippedFiles.sort()).toEqual(['README.md', 'album/fake.jpg']);
    const item = await json<{ id: string; metadata: { file: string }; contentHash: string }>('-n', 'up', 'get', 'album:chelsea.webp');
    expect(item.metadata).toEqual({ file: 'album/chelsea.webp' });
    expect(item.contentHash).toMatch(/^[0-9a-f]{64}$/);

    const second = await json<Summary>('-n', 'up', 'index', photos);
    expect(second).toMatchObject({ found: IDS.length, indexed: 0, unchanged: IDS.length, failed: 0 });
  });

  it("index --job: one ingest job of uploads, embedded by the queue, reaches done with the folder's counts; the vectors equal the synchronous upload's; a second run sends nothing", async () => {
    const first = await json<Summary & { job: Job }>('-n', 'viajob', 'index', photos, '--job', '--interval', '200');
    expect(first).toMatchObject({ mode: 'job', found: IDS.length, indexed: IDS.length, unchanged: 0, failed: 0 });
    expect(first.skippedFiles.sort()).toEqual(['README.md', 'album/fake.jpg']);
    expect(first.job).toMatchObject({
      type: 'ingest',
      namespace: 'viajob',
      state: 'done',
      counts: { total: IDS.length, queued: 0, done: IDS.length, failed: 0, skipped: 0, cancelled: 0 },
    });
    for (const id of IDS) expect(maxAbsDiff(await vectorOf('viajob', id), await vectorOf('up', id))).toBe(0);
    const item = await json<{ metadata: { file: string } }>('-n', 'viajob', 'get', 'album:chelsea.webp');
    expect(item.metadata).toEqual({ file: 'album/chelsea.webp' });

    const second = await json<Summary & { job?: Job }>('-n', 'viajob', 'index', photos, '--job');
    expect(second).toMatchObject({ mode: 'job', found: IDS.length, indexed: 0, unchanged: IDS.length, failed: 0 });
    expect(second.job).toBeUndefined();
  });

  it('index --job: an upload the service refuses (over MAX_BODY_BYTES) is a failure in the summary; the job ends cancelled for it, the rest stored', async () => {
    const folder = join(work, 'with-big');
    await mkdir(folder);
    await copyFile(join(ROOT, 'examples', 'coffee.png'), join(folder, 'coffee.png'));
    // A PNG signature (so it is found as an image) and 25 MiB after it: over the 24 MiB default body limit.
    const big = new Uint8Array(25 * 1024 * 1024);
    big.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    await writeFile(join(folder, 'big.png'), big);
    const result = await cli('--json', '-n', 'bigjob', 'index', folder, '--job', '--interval', '200');
    expect(result.code).toBe(2);
    const summary = JSON.parse(result.stdout) as Summary & { job: Job };
    expect(summary).toMatchObject({ mode: 'job', found: 2, indexed: 1, failed: 1 });
    expect(summary.failures).toEqual([expect.objectContaining({ id: 'big.png', status: 413, kind: 'body-too-large' })]);
    expect(summary.job).toMatchObject({ state: 'cancelled', counts: { total: 2, done: 1, cancelled: 1, queued: 0 } });
    expect((await json<{ id: string }>('-n', 'bigjob', 'get', 'coffee.png')).id).toBe('coffee.png');
    expect((await cli('-n', 'bigjob', 'get', 'big.png')).code).not.toBe(0);
  });

  it('index --local (native and wasm): the vectors equal the Worker’s for the same files (max abs diff < 1e-4)', async () => {
    const native = await json<Summary>('-n', 'local', 'index', photos, '--local', '--engine', 'native');
    expect(native).toMatchObject({ mode: 'local', indexed: IDS.length, failed: 0 });
    const wasm = await json<Summary>('-n', 'wasm', 'index', photos, '--local', '--engine', 'wasm');
    expect(wasm).toMatchObject({ mode: 'local', indexed: IDS.length, failed: 0 });
    for (const id of IDS) {
      const worker = await vectorOf('up', id);
      expect(maxAbsDiff(await vectorOf('local', id), worker)).toBeLessThan(1e-4);
      expect(maxAbsDiff(await vectorOf('wasm', id), worker)).toBeLessThan(1e-4);
    }
  });

  it('search and similar find the right images', async () => {
    const search = await json<{ results: Array<{ id: string; score: number }> }>(
      '-n',
      'up',
      'search',
      join(ROOT, 'examples/coffee.png'),
      '-k',
      '3',
    );
    expect(search.results[0]!.id).toBe('coffee.png');
    expect(search.results[0]!.score).toBeCloseTo(1, 5);
    const similar = await json<{ id: string; results: Array<{ id: string }> }>('-n', 'up', 'similar', 'chelsea.png', '-k', '3');
    expect(similar.results.map((r) => r.id)).not.toContain('chelsea.png');
    expect(similar.results[0]!.id).toBe('album:chelsea.png'); // the same bytes under another id
  });

  it('export -> import into another namespace -> export again is bit-exact; get and delete', async () => {
    const out = join(work, 'up.ndjson');
    const exported = await json<{ items: number; model: { id: string } }>('-n', 'up', 'export', '--out', out);
    expect(exported).toMatchObject({ items: IDS.length, model: { id: TEST_MODEL } });
    // Small chunks: several import requests, as a file over IMPORT_MAX_ITEMS would need.
    const imported = await json<{ written: number }>('-n', 'copy', 'import', out, '--chunk', '3');
    expect(imported.written).toBe(IDS.length);
    const again = join(work, 'copy.ndjson');
    await json('-n', 'copy', 'export', '--out', again);
    const sorted = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter(Boolean).sort();
    expect(await sorted(again)).toEqual(await sorted(out));

    const item = await json<{ id: string; namespace: string; metadata: unknown }>('-n', 'copy', 'get', 'rocket.jpg');
    expect(item).toMatchObject({ id: 'rocket.jpg', namespace: 'copy', metadata: { file: 'rocket.jpg' } });
    expect(await json('-n', 'copy', 'delete', 'rocket.jpg')).toEqual({ id: 'rocket.jpg', deleted: true });
    const gone = await cli('--json', '-n', 'copy', 'get', 'rocket.jpg');
    expect(gone.code).toBe(1);
    expect(JSON.parse(gone.stdout)).toEqual({ id: 'rocket.jpg', found: false });
  });

  it('import of a malformed file names the line; another model is refused', async () => {
    const out = join(work, 'bad.ndjson');
    const good = (await readFile(join(work, 'up.ndjson'), 'utf8')).split('\n').filter(Boolean);
    await writeFile(out, `${good.slice(0, 4).join('\n')}\n{"id": oops\n${good[4]}\n`);
    const bad = await cli('--json', '-n', 'bad', 'import', out, '--chunk', '3');
    expect(bad.code).toBe(1);
    const answer = JSON.parse(bad.stdout) as { error: string; problem: { line: number; written: number } };
    expect(answer.error).toMatch(/line 5 of/);
    expect(answer.error).toMatch(/4 item\(s\) before it are written/);
    const other = await cli('--json', '-n', 'bad2', 'import', join(work, 'up.ndjson'), '--model', 'mobilenet-v2-1.4-nsfwjs@1');
    expect(other.code).toBe(1);
    expect((JSON.parse(other.stdout) as { problem: { type: string } }).problem.type).toMatch(/model-mismatch$/);
  });

  it('a broken image is a failure with its problem kind, in both modes; the rest is indexed; exit 2', async () => {
    const folder = join(work, 'broken');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'cut.jpg'), (await readFile(join(ROOT, 'examples/rocket.jpg'))).subarray(0, 3000));
    await copyFile(join(ROOT, 'examples/coffee.png'), join(folder, 'coffee.png'));
    for (const mode of [[], ['--local']]) {
      const result = await cli('--json', '-n', `fail${mode.length}`, 'index', folder, ...mode);
      expect(result.code).toBe(2);
      const summary = JSON.parse(result.stdout) as Summary & { failures: Array<{ id: string; kind: string }> };
      expect(summary).toMatchObject({ indexed: 1, failed: 1 });
      expect(summary.failures).toMatchObject([{ id: 'cut.jpg', kind: 'malformed-image' }]);
    }
  });

  it('human output: a summary line; errors go to stderr with a non-zero exit', async () => {
    const human = await cli('-n', 'up', 'index', photos, '--no-progress');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/0 indexed, 7 unchanged \(already stored\), 0 failed of 7 images/);
    const missing = await cli('--key', 'wrong-key-0123456789abcdef', '-n', 'up', 'delete', 'x');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^edge-features: /);
  });
});
