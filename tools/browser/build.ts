/**
 * Builds what browsers load from the deployment into public/ (gitignored build output):
 *
 *   public/browser/edge-features.js   the browser library (createBrowserExtractor, createClient) as one ES module
 *   public/demo/demo.js               the demo page's script (public/demo/index.html and demo.css are sources)
 *   public/ort/                       onnxruntime-web: the two builds the library loads and their wasm, plus
 *                                     runtime.json (sizes, sha256, parts) — see src/runtime/browser.ts
 *   public/codecs/                    the image decoders' wasm (the same files the Worker imports)
 *   public/reference/swagger-ui/      the API reference page's renderer, from swagger-ui-dist (public/reference/
 *                                     index.html, reference.js and reference.css are sources)
 *
 * Only what is loaded ships: `ort.webgpu.min.mjs` + its asyncify glue and wasm (WebGPU, with WASM inside
 * it), and `ort.wasm.min.mjs` + the plain SIMD glue and wasm (the WASM fallback, the same binary the
 * Worker runs). The asyncify wasm (26.8 MB) is over the 25 MiB static-asset limit, so every wasm is
 * written in parts of at most PART_BYTES that the library joins and checks against runtime.json.
 *
 *   node tools/browser/build.ts        (run by `npm start`, `npm run build:browser` and the test setup)
 */
import { build, type Plugin } from 'esbuild';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OrtBuildName, OrtRuntimeManifest, RuntimeFile } from '../../src/runtime/browser.ts';
import { CODEC_WASM_FILES } from '../../src/runtime/node.ts';
import { sha256Hex } from '../model/files.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PUBLIC = join(ROOT, 'public');
const require = createRequire(join(ROOT, 'package.json'));

/** Static assets must be <= 25 MiB each; parts stay well under it. */
export const PART_BYTES = 20 * 1024 * 1024;

const ORT_DIST = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
const ORT_VERSION = (JSON.parse(await readFile(join(ORT_DIST, '..', 'package.json'), 'utf8')) as { version: string }).version;

/** Each build the library loads: its ES module, the Emscripten glue it imports, and its wasm. */
const ORT_BUILDS: Record<OrtBuildName, { module: string; glue: string; wasm: string }> = {
  webgpu: { module: 'ort.webgpu.min.mjs', glue: 'ort-wasm-simd-threaded.asyncify.mjs', wasm: 'ort-wasm-simd-threaded.asyncify.wasm' },
  wasm: { module: 'ort.wasm.min.mjs', glue: 'ort-wasm-simd-threaded.mjs', wasm: 'ort-wasm-simd-threaded.wasm' },
};

/** The image decoders' wasm: the JPEG one is built in this repository, the others come from node_modules. */
const CODECS = Object.fromEntries(Object.values(CODEC_WASM_FILES).map((file) => [basename(file), file]));

/** What the reference page loads from swagger-ui-dist (1.9 MB; not its ES builds, presets or source maps), and its licences. */
const SWAGGER_UI_FILES = ['swagger-ui-bundle.js', 'swagger-ui.css', 'swagger-ui-bundle.js.LICENSE.txt', 'LICENSE', 'NOTICE'] as const;

/** Writes a file only when its bytes differ (keeps `wrangler dev`'s watcher quiet). */
async function writeIfChanged(path: string, bytes: Uint8Array | string): Promise<boolean> {
  const data = typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const current = await readFile(path).catch(() => undefined);
  if (current?.equals(data)) return false;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
  return true;
}

/** Removes files of a build-output folder that this build did not write. */
async function prune(dir: string, keep: Set<string>): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) if (!keep.has(name)) await rm(join(dir, name), { force: true });
}

async function copyOrt(): Promise<OrtRuntimeManifest> {
  const dir = join(PUBLIC, 'ort');
  const written = new Set<string>(['runtime.json']);
  const builds = {} as Record<OrtBuildName, OrtRuntimeManifest['builds'][OrtBuildName]>;
  for (const [name, files] of Object.entries(ORT_BUILDS) as Array<[OrtBuildName, (typeof ORT_BUILDS)[OrtBuildName]]>) {
    for (const file of [files.module, files.glue]) {
      await writeIfChanged(join(dir, file), await readFile(join(ORT_DIST, file)));
      written.add(file);
    }
    const wasm = new Uint8Array(await readFile(join(ORT_DIST, files.wasm)));
    const count = Math.ceil(wasm.byteLength / PART_BYTES);
    const partBytes = Math.ceil(wasm.byteLength / count);
    const parts: RuntimeFile[] = [];
    for (let i = 0; i < count; i++) {
      const part = wasm.subarray(i * partBytes, Math.min(wasm.byteLength, (i + 1) * partBytes));
      const path = `${files.wasm}.part${i}`;
      await writeIfChanged(join(dir, path), part);
      written.add(path);
      parts.push({ path, bytes: part.byteLength, sha256: sha256Hex(part) });
    }
    builds[name] = {
      module: files.module,
      glue: files.glue,
      wasm: { name: files.wasm, bytes: wasm.byteLength, sha256: sha256Hex(wasm), parts },
    };
  }
  const manifest: OrtRuntimeManifest = { onnxruntime: ORT_VERSION, builds };
  await writeIfChanged(join(dir, 'runtime.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await prune(dir, written);
  return manifest;
}

async function copyCodecs(): Promise<void> {
  for (const [name, path] of Object.entries(CODECS)) {
    await writeIfChanged(join(PUBLIC, 'codecs', name), await readFile(path));
  }
}

async function copySwaggerUi(): Promise<void> {
  const dist = dirname(require.resolve('swagger-ui-dist/package.json'));
  const dir = join(PUBLIC, 'reference', 'swagger-ui');
  for (const name of SWAGGER_UI_FILES) await writeIfChanged(join(dir, name), await readFile(join(dist, name)));
  await prune(dir, new Set(SWAGGER_UI_FILES));
}

/**
 * The served bundles load onnxruntime-web from the deployment's /ort/ (not bundled in): ORT then
 * finds its glue next to itself and starts its WASM threads from it.
 */
const ortFromDeployment: Plugin = {
  name: 'ort-from-deployment',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^onnxruntime-web\/(webgpu|wasm)$/ }, (args) => {
      const name = args.path.endsWith('webgpu') ? 'webgpu' : 'wasm';
      return { path: `../ort/${ORT_BUILDS[name].module}`, external: true };
    });
  },
};

async function bundle(): Promise<void> {
  const result = await build({
    entryPoints: { 'browser/edge-features': join(ROOT, 'src/browser/index.ts'), 'demo/demo': join(ROOT, 'demo/main.ts') },
    outdir: PUBLIC,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome113', 'firefox120', 'safari17'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    plugins: [ortFromDeployment],
    write: false,
    logLevel: 'warning',
    // The Emscripten codec glue has Node branches that never run in a browser.
    external: ['module', 'fs', 'path', 'url', 'worker_threads', 'crypto'],
  });
  for (const file of result.outputFiles) await writeIfChanged(file.path, file.contents);
}

/** Builds everything; returns what went into runtime.json. */
export async function buildBrowser(): Promise<OrtRuntimeManifest> {
  const [manifest] = await Promise.all([copyOrt(), copyCodecs(), copySwaggerUi(), bundle()]);
  return manifest;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  const manifest = await buildBrowser();
  const parts = Object.values(manifest.builds).reduce((n, b) => n + b.wasm.parts.length, 0);
  console.log(
    `browser build: onnxruntime-web ${manifest.onnxruntime}, ${parts} wasm parts, ${(performance.now() - started).toFixed(0)} ms`,
  );
}
