/**
 * `npm run bench`: the project's figures in one run, on one machine, engines interleaved.
 *
 *   npm run bench -- [--runs 10] [--warmup 2] [--concurrency 10] [--quick] [--json [--samples]]
 *                    [--cpu N | --no-pin] [--kv-sizes 1000,10000,50000 | --skip-kv] [--analytics] [--images]
 *
 * The same model files (public/models) and photos (../shared/fixtures: rocket.jpg, a 640x427 JPEG, and
 * hubble-3000.jpg, 3000x2616) for the int8 VGG16 (generated weights time like real ones), its fp32 twin and
 * the MobileNetV2, on:
 *   workerd    the Worker in local workerd (`wrangler dev`, bundled once), through POST /v1/embed with
 *              `Cache-Control: no-store`, timed from outside the isolate (workerd freezes timers in compute);
 *   nodewasm   onnxruntime-web in this Node process: the same wasm binary and session code, no Worker;
 *   native     onnxruntime-node, 1 thread;
 *   tfjs-wasm  @tensorflow/tfjs-backend-wasm (single-threaded SIMD build) on the fp32 VGG16: the outside anchor.
 * Every embed is the whole pipeline (decode, resize, preprocess, inference); Node engines also report the
 * inference alone. Each round runs every task once, in a new (seeded) order; medians and p90s (nearest rank)
 * of --runs rounds after --warmup. The whole run is pinned to one core (taskset, Linux): both sides of every
 * ratio share it.
 *
 * Then: cold start (a fresh isolate's first vector: model fetch, sha256, session, first inference; and the
 * 64-d model's, which is nearly all runtime start), onnxruntime's wasm memory after 1, N sequential and
 * --concurrency concurrent requests, the V8 heap through the inspector, the process RSS, the isolate
 * estimate, the 3000 px JPEG (decode share, memory), the embedding cache's hit latency, and the KV search
 * bench (tools/bench/search-kv.ts) by store size. With --analytics, last, the analytics bench
 * (tools/bench/analytics.ts: k-NN, training, k-means, duplicates by namespace size; --quick: 1k and 10k only).
 * With --images, last, the phone-photo bench (tools/bench/images.ts: 12 / 48 MP JPEG, 12 MP PNG, AVIF, HEIC
 * decode + resize before and after streaming, against PIL, and their isolate estimates).
 *
 * Prints tables; with --json, also one JSON object on the last line. Progress goes to stderr.
 * About 3 minutes plus the KV bench (~2 more at 50k items); --quick (3 runs, 1 warm-up, 4 concurrent, one
 * KV size) about 1.5.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage, resizeRgb } from '../../src/core/image/index.ts';
import type { ModelManifest } from '../../src/core/model/manifest.ts';
import { mulberry32, shuffle } from '../../src/core/util/random.ts';
import { median as medianOf, quantile } from '../../src/core/util/stats.ts';
import { cosine } from '../../src/core/vector/metrics.ts';
import { DEFAULT_LIMITS } from '../../src/http/limits.ts';
import { findModel } from '../../src/models.ts';
import { CODEC_WASM_FILES, initNodeCodecs } from '../../src/runtime/node.ts';
import { prepareModel } from '../prepare-models.ts';
import type { HeapUsage } from './inspector.ts';
import { toBmp } from './bmp.ts';
import { pinToOneCore } from './pin.ts';
import { openNative, openNodeWasm, openTfjsWasm, timedEmbed, type EngineSession } from './node-engines.ts';
import { bundleWorker, REPO_ROOT, startBenchWorker, type BenchWorker, type Health, type ProcessMemory } from './workerd.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    warmup: { type: 'string' },
    concurrency: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    cpu: { type: 'string' },
    'no-pin': { type: 'boolean', default: false },
    'kv-sizes': { type: 'string' },
    'skip-kv': { type: 'boolean', default: false },
    samples: { type: 'boolean', default: false },
    analytics: { type: 'boolean', default: false },
    images: { type: 'boolean', default: false },
  },
});

// ---- pinning: every engine below shares one core ----
const pinnedCpu = await pinToOneCore({ cpu: values.cpu, noPin: values['no-pin'] });

const quick = values.quick;
const RUNS = Number(values.runs ?? (quick ? 3 : 10));
const WARMUP = Number(values.warmup ?? (quick ? 1 : 2));
const CONCURRENCY = Number(values.concurrency ?? (quick ? 4 : 10));
const LARGE_RUNS = quick ? 2 : 3;
const KV_SIZES = values['kv-sizes'] ?? (quick ? '1000' : '1000,10000,50000');
const KV_QUERIES = quick ? '10' : '20';
/** Where the store's own search bench lives (it moved once; either place is fine). */
const KV_BENCH_SCRIPTS = ['tools/bench/search-kv.ts', 'bench/search-kv.ts'];
const NO_STORE = { 'cache-control': 'no-store' };
// The 3000 px JPEG (7.8 MP) is measured on purpose, above the production default (DEFAULT_LIMITS.maxPixels),
// to show what such an image costs; the bench's own Worker is started with this limit too.
export const BENCH_MAX_PIXELS = Math.max(DEFAULT_LIMITS.maxPixels, 12_000_000);
const MAX_PIXELS = BENCH_MAX_PIXELS;
const MiB = 2 ** 20;

const startedAt = performance.now();
const log = (message: string) =>
  process.stderr.write(`[bench ${((performance.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);

// ---- models and images ----
const MODEL_IDS = { int8: 'vgg16-synthetic-int8', fp32: 'vgg16-synthetic', mobilenet: 'mobilenet-v2-1.4-nsfwjs' } as const;
type ModelKey = keyof typeof MODEL_IDS;
const MODEL_KEYS = Object.keys(MODEL_IDS) as ModelKey[];
const manifests = Object.fromEntries(
  MODEL_KEYS.map((key) => {
    const manifest = findModel(MODEL_IDS[key]);
    if (!manifest) throw new Error(`models/index.json has no ${MODEL_IDS[key]}: run node tools/prepare-models.ts`);
    return [key, manifest];
  }),
) as Record<ModelKey, ModelManifest>;
for (const key of MODEL_KEYS) await prepareModel(manifests[key]);

interface BenchImage {
  readonly name: string;
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly type: string;
  readonly width: number;
  readonly height: number;
}

const FIXTURES = new URL('../../../shared/fixtures/images/', import.meta.url);
async function fixture(name: string): Promise<BenchImage> {
  const bytes = new Uint8Array(await readFile(new URL(name, FIXTURES)));
  const { width, height } = await decodeImage(bytes, { maxPixels: MAX_PIXELS, orientation: 'ignore' });
  return { name, bytes, type: 'image/jpeg', width, height };
}

initNodeCodecs();
const photo = await fixture('rocket.jpg');
const large = await fixture('hubble-3000.jpg');
// The photo as the model sees it (224x224, nearest, as decoded here): same vector, no decode or resize cost.
const photoRgb = await decodeImage(photo.bytes, { maxPixels: MAX_PIXELS, orientation: 'apply' });
const preSized: BenchImage = {
  name: 'rocket-224.bmp',
  bytes: toBmp(resizeRgb(photoRgb, 224, 224, manifests.mobilenet.preprocess.resample)),
  type: 'image/bmp',
  width: 224,
  height: 224,
};

// ---- statistics ----
const samples = new Map<string, number[]>();
/** Off during warm-up rounds. */
let recording = true;
const record = (key: string, ms: number) => {
  if (recording) samples.set(key, [...(samples.get(key) ?? []), ms]);
};
const median = (key: string) => medianOf(samples.get(key) ?? []);
const p90 = (key: string) => quantile(samples.get(key) ?? [], 0.9);
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
};

/** The most of each V8 heap figure seen in samples (taken between requests: the isolate answers only then). */
class HeapPeak {
  used = 0;
  backing = 0;
  total = 0;
  add(heap: HeapUsage | undefined): void {
    if (!heap) return;
    this.used = Math.max(this.used, heap.usedSize);
    this.backing = Math.max(this.backing, heap.backingStorageSize);
    this.total = Math.max(this.total, heap.usedSize + heap.backingStorageSize);
  }
}

type Phase = 'started' | 'first' | 'sequential' | 'concurrent' | 'gc' | 'large';

interface Snapshot {
  readonly embeds: number;
  readonly health: Health['runtime'];
  readonly process: ProcessMemory | undefined;
  readonly heap: HeapUsage | undefined;
}

async function snapshot(worker: BenchWorker): Promise<Snapshot> {
  const health = (await worker.health()).runtime;
  const heap = await worker.inspector?.heapUsage().catch(() => undefined);
  return { embeds: worker.embeds, health, process: worker.memory(), heap };
}

/** Forces a collection in the isolate, then reads the heap and /healthz (model file bytes still live). */
async function afterGc(worker: BenchWorker): Promise<Snapshot> {
  await worker.inspector?.requestGc();
  await worker.health(); // the collection runs when the isolate is entered
  return snapshot(worker);
}

// ---- the Worker in workerd, one isolate per model ----
/** The 64-d narrow int8 VGG16: its cold start is nearly all runtime start (its inference takes ~20 ms). */
const RUNTIME_PROBE = 'vgg16-narrow-synthetic-int8';
log(`bundling the Worker; runs ${RUNS} after ${WARMUP} warm-up, concurrency ${CONCURRENCY}, pinned to CPU ${pinnedCpu ?? 'none'}`);
const probeManifest = findModel(RUNTIME_PROBE);
if (probeManifest) await prepareModel(probeManifest);
const bundle = await bundleWorker([...Object.values(MODEL_IDS), ...(probeManifest ? [RUNTIME_PROBE] : [])]);
const workers = {} as Record<ModelKey, BenchWorker>;
const heapPeaks = Object.fromEntries(MODEL_KEYS.map((key) => [key, new HeapPeak()])) as Record<ModelKey, HeapPeak>;
const snapshots = Object.fromEntries(MODEL_KEYS.map((key) => [key, {}])) as Record<ModelKey, Partial<Record<Phase, Snapshot>>>;
const coldStartMs = {} as Record<ModelKey, number>;
const workerdVectors = {} as Record<ModelKey, number[]>;
let runtimeColdStartMs: number | undefined;
let kvResult: KvResult = { status: 'skipped' };

try {
  if (probeManifest) {
    const probe = await startBenchWorker(bundle, RUNTIME_PROBE);
    runtimeColdStartMs = (await probe.embed(photo.bytes, photo.type, NO_STORE)).ms;
    await probe.stop();
    log(`${RUNTIME_PROBE}: cold start ${runtimeColdStartMs.toFixed(0)} ms (runtime start + a 0.25 GMAC model)`);
  }
  for (const key of MODEL_KEYS) {
    const worker = await startBenchWorker(bundle, MODEL_IDS[key]);
    workers[key] = worker;
    snapshots[key].started = await snapshot(worker);
    const first = await worker.embed(photo.bytes, photo.type, NO_STORE);
    coldStartMs[key] = first.ms;
    workerdVectors[key] = first.vector!;
    snapshots[key].first = await snapshot(worker);
    heapPeaks[key].add(snapshots[key].first.heap);
    log(`${MODEL_IDS[key]}: workerd up (pid ${worker.workerPid ?? '?'}), cold start ${first.ms.toFixed(0)} ms`);
  }

  // ---- engines in this process ----
  // A tiny session first, so that compiling onnxruntime's wasm is not counted in any model's creation.
  let instantiateMs = NaN;
  if (probeManifest) {
    const started = performance.now();
    await (await openNodeWasm(probeManifest)).release();
    instantiateMs = performance.now() - started;
  }
  const nodewasm = {} as Record<ModelKey, EngineSession>;
  const native = {} as Record<ModelKey, EngineSession>;
  const firstRunMs = {} as Record<ModelKey, number>;
  const parity: Record<string, number> = {};
  for (const key of MODEL_KEYS) {
    nodewasm[key] = await openNodeWasm(manifests[key]);
    native[key] = await openNative(manifests[key]);
    // The session's first inference (V8 tiers wasm code up while it runs), and parity with the Worker.
    const first = await timedEmbed(photo.bytes, manifests[key], nodewasm[key], MAX_PIXELS);
    firstRunMs[key] = first.runMs;
    parity[`${key}_workerd_vs_nodewasm_max_abs`] = maxAbsDiff(workerdVectors[key], first.vector!);
  }
  const tfjs = await openTfjsWasm(manifests.fp32);
  log(
    `Node sessions ready (onnxruntime-web create: ${MODEL_KEYS.map((k) => `${k} ${nodewasm[k].createMs.toFixed(0)} ms`).join(', ')}; tfjs-wasm ${tfjs.createMs.toFixed(0)} ms)`,
  );

  // The anchor computes the same function; the pre-sized BMP gives the same pixels as the photo.
  const tfjsVector = (await timedEmbed(photo.bytes, manifests.fp32, tfjs, MAX_PIXELS)).vector!;
  const nativeFp32 = (await timedEmbed(photo.bytes, manifests.fp32, native.fp32, MAX_PIXELS)).vector!;
  parity['fp32_tfjs_vs_native_max_abs'] = maxAbsDiff(tfjsVector, nativeFp32);
  parity['fp32_tfjs_vs_native_cosine'] = cosine(tfjsVector, nativeFp32);
  const preSizedVector = (await workers.mobilenet.embed(preSized.bytes, preSized.type, NO_STORE)).vector!;
  parity['mobilenet_bmp224_vs_jpeg_max_abs'] = maxAbsDiff(preSizedVector, workerdVectors.mobilenet);

  // ---- rounds: every engine on the photo, in a new order each round ----
  type Task = readonly [name: string, run: () => Promise<void>];
  const viaWorkerd = (key: ModelKey, image: BenchImage, name: string): Task => [
    name,
    async () => {
      record(name, (await workers[key].embed(image.bytes, image.type, NO_STORE)).ms);
      heapPeaks[key].add(await workers[key].inspector?.heapUsage().catch(() => undefined));
    },
  ];
  const inNode = (engine: EngineSession | undefined, manifest: ModelManifest, image: BenchImage, name: string): Task => [
    name,
    async () => {
      const t = await timedEmbed(image.bytes, manifest, engine, MAX_PIXELS);
      record(`${name}.total`, t.totalMs);
      record(`${name}.run`, t.runMs);
      record(`${name}.decode`, t.decodeMs);
      record(`${name}.preprocess`, t.preprocessMs);
      record('node.photo.decode+preprocess', t.decodeMs + t.preprocessMs);
    },
  ];
  const tasks: Task[] = [
    viaWorkerd('int8', photo, 'workerd.int8'),
    inNode(nodewasm.int8, manifests.int8, photo, 'nodewasm.int8'),
    inNode(native.int8, manifests.int8, photo, 'native.int8'),
    viaWorkerd('fp32', photo, 'workerd.fp32'),
    inNode(nodewasm.fp32, manifests.fp32, photo, 'nodewasm.fp32'),
    inNode(native.fp32, manifests.fp32, photo, 'native.fp32'),
    inNode(tfjs, manifests.fp32, photo, 'tfjs.fp32'),
    viaWorkerd('mobilenet', photo, 'workerd.mobilenet'),
    viaWorkerd('mobilenet', preSized, 'workerd.mobilenet.bmp224'),
    inNode(nodewasm.mobilenet, manifests.mobilenet, photo, 'nodewasm.mobilenet'),
    inNode(native.mobilenet, manifests.mobilenet, photo, 'native.mobilenet'),
  ];
  // Each round runs the tasks in a new order, the same on every run.
  const order = mulberry32(2026).next;
  for (let round = 0; round < WARMUP + RUNS; round++) {
    const roundStarted = performance.now();
    recording = round >= WARMUP;
    for (const [, run] of shuffle(tasks, order)) await run();
    log(
      `round ${round + 1}/${WARMUP + RUNS}${round < WARMUP ? ' (warm-up)' : ''}: ${((performance.now() - roundStarted) / 1000).toFixed(1)} s`,
    );
  }
  recording = true;
  for (const key of MODEL_KEYS) snapshots[key].sequential = await snapshot(workers[key]);

  // ---- concurrent requests: memory high-water, sampled ----
  for (const key of MODEL_KEYS) {
    const worker = workers[key];
    let sampling = false;
    const timer = setInterval(() => {
      if (sampling || !worker.inspector) return;
      sampling = true;
      worker.inspector
        .heapUsage()
        .then(
          (h) => heapPeaks[key].add(h),
          () => undefined,
        )
        .finally(() => (sampling = false));
    }, 50);
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, () => worker.embed(photo.bytes, photo.type, NO_STORE)));
    record(`concurrent.${key}`, performance.now() - started);
    clearInterval(timer);
    snapshots[key].concurrent = await snapshot(worker);
    heapPeaks[key].add(snapshots[key].concurrent.heap);
    snapshots[key].gc = await afterGc(worker);
    log(`${MODEL_IDS[key]}: ${CONCURRENCY} concurrent in ${(performance.now() - started).toFixed(0)} ms`);
  }
  const int8PhotoPeak = { ...heapPeaks.int8 };

  // ---- the 3000 px JPEG, after the photo's figures (so they stay the photo's) ----
  // Each large decode is followed by a photo: its decoder instance was dropped (its memory grew past the
  // recycling bound), so that photo pays for a fresh one.
  for (let i = 0; i < LARGE_RUNS; i++) {
    const node = await timedEmbed(large.bytes, manifests.int8, undefined, MAX_PIXELS);
    record('node.large.decode+preprocess', node.decodeMs + node.preprocessMs);
    const after = await timedEmbed(photo.bytes, manifests.int8, undefined, MAX_PIXELS);
    record('node.photo_after_large.decode+preprocess', after.decodeMs + after.preprocessMs);
    record('workerd.mobilenet.large', (await workers.mobilenet.embed(large.bytes, large.type, NO_STORE)).ms);
    record('workerd.mobilenet.photo_after_large', (await workers.mobilenet.embed(photo.bytes, photo.type, NO_STORE)).ms);
    record('workerd.mobilenet.bmp224.late', (await workers.mobilenet.embed(preSized.bytes, preSized.type, NO_STORE)).ms);
    record('workerd.int8.large', (await workers.int8.embed(large.bytes, large.type, NO_STORE)).ms);
    heapPeaks.int8.add(await workers.int8.inspector?.heapUsage().catch(() => undefined));
  }
  snapshots.int8.large = await snapshot(workers.int8);
  for (const session of [...Object.values(nodewasm), ...Object.values(native), tfjs]) await session.release();

  // ---- the embedding cache: a repeated image ----
  const miss = await workers.int8.embed(photo.bytes, photo.type);
  const hitVectors: number[][] = [];
  for (let i = 0; i < Math.max(RUNS, 5); i++) {
    const hit = await workers.int8.embed(photo.bytes, photo.type);
    if (hit.cache !== 'hit') throw new Error(`expected a cache hit, got ${hit.cache}`);
    record('cache.hit', hit.ms);
    hitVectors.push(hit.vector!);
    const started = performance.now();
    await workers.int8.health();
    record('healthz', performance.now() - started);
  }
  const cacheCheck = {
    first: miss.cache,
    missMs: miss.ms,
    identical: hitVectors.every((v) => maxAbsDiff(v, workerdVectors.int8) === 0),
  };
  log(`cache: first ${miss.cache}, hit median ${median('cache.hit').toFixed(1)} ms`);
  for (const key of MODEL_KEYS) {
    await workers[key].stop();
    delete (workers as Partial<Record<ModelKey, BenchWorker>>)[key];
  }

  // ---- KV search latency (bench/search-kv.ts, by the store's author) ----
  if (!values['skip-kv']) kvResult = await kvSearch().catch((error: unknown) => ({ status: 'failed' as const, note: String(error) }));

  report({
    parity,
    cacheCheck,
    int8PhotoPeak,
    tfjsCreateMs: tfjs.createMs,
    nodeLoad: Object.fromEntries(MODEL_KEYS.map((k) => [k, nodewasm[k].loadMs ?? NaN])),
    nodeCreate: Object.fromEntries(MODEL_KEYS.map((k) => [k, nodewasm[k].createMs])),
    firstRunMs,
    instantiateMs,
  });
} finally {
  for (const worker of Object.values(workers)) await worker?.stop().catch(() => undefined);
  await bundle.cleanup();
}

// ---- analytics by namespace size (tools/bench/analytics.ts; also `npm run bench:analytics`) ----
if (values.analytics) {
  // Its tables go to stderr under --json, so the JSON object stays the last line of stdout.
  const sizes = quick ? ['--sizes', '1000,10000'] : [];
  const child = spawn(process.execPath, ['tools/bench/analytics.ts', ...sizes], {
    cwd: REPO_ROOT,
    stdio: ['ignore', values.json ? process.stderr : 'inherit', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) log(`tools/bench/analytics.ts exited ${code}`);
}

// ---- phone photos (tools/bench/images.ts; also `npm run bench:images`) ----
if (values.images) {
  const quickRuns = quick ? ['--runs', '3'] : [];
  const child = spawn(process.execPath, ['tools/bench/images.ts', ...quickRuns], {
    cwd: REPO_ROOT,
    stdio: ['ignore', values.json ? process.stderr : 'inherit', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) log(`tools/bench/images.ts exited ${code}`);
}

// ---- KV search ----
interface KvRow {
  readonly items: number;
  readonly cold_ms: number;
  readonly median_ms: number;
  readonly p90_ms: number;
  readonly kv_operations: string;
  readonly values_read_median: number;
  readonly found_first: string;
}
type KvResult =
  | { readonly status: 'measured'; readonly script: string; readonly rows: KvRow[] }
  | { readonly status: 'skipped' | 'missing' | 'failed'; readonly note?: string };

async function kvSearch(): Promise<KvResult> {
  const script = KV_BENCH_SCRIPTS.find((path) => {
    try {
      return statSync(join(REPO_ROOT, path)).isFile();
    } catch {
      return false;
    }
  });
  if (!script) return { status: 'missing', note: `none of ${KV_BENCH_SCRIPTS.join(', ')} exists: KV search latency not measured` };
  log(`KV search: node ${script} --sizes ${KV_SIZES} --queries ${KV_QUERIES}`);
  const child = spawn(process.execPath, [script, '--sizes', KV_SIZES, '--queries', KV_QUERIES, '--model', MODEL_IDS.int8], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) return { status: 'failed', note: `${script} exited ${code}: ${output.slice(-500)}` };
  const rows = output
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .filter((cells) => cells.length >= 8 && /^\d+$/.test(cells[1]!))
    .map(
      (c): KvRow => ({
        items: Number(c[1]),
        cold_ms: Number(c[2]),
        median_ms: Number(c[3]),
        p90_ms: Number(c[4]),
        kv_operations: c[5]!,
        values_read_median: Number(c[6]),
        found_first: c[7]!,
      }),
    );
  return rows.length > 0 ? { status: 'measured', script, rows } : { status: 'failed', note: `no table in the output of ${script}` };
}

// ---- the report ----
interface ReportInputs {
  readonly parity: Record<string, number>;
  readonly cacheCheck: { readonly first: string | null; readonly missMs: number; readonly identical: boolean };
  readonly int8PhotoPeak: { used: number; backing: number; total: number };
  readonly tfjsCreateMs: number;
  readonly nodeLoad: Record<string, number>;
  readonly nodeCreate: Record<string, number>;
  readonly firstRunMs: Record<ModelKey, number>;
  readonly instantiateMs: number;
}

function wasmModuleBytes(): Record<string, number> {
  const require = createRequire(import.meta.url);
  return {
    onnxruntime: statSync(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm')).size,
    ...Object.fromEntries(Object.entries(CODEC_WASM_FILES).map(([codec, file]) => [codec, statSync(file).size])),
  };
}

function report(inputs: ReportInputs): void {
  const r1 = (x: number) => Math.round(x * 10) / 10;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const mib = (bytes: number | undefined) => (bytes === undefined ? NaN : r1(bytes / MiB));
  const gmacs = (key: ModelKey, ms: number) => r1(manifests[key].macs / ms / 1e6);
  const pct = (x: number) => `${r1(x * 100)}%`;

  const ms = {
    int8: { workerd: median('workerd.int8'), nodewasm: median('nodewasm.int8.total'), native: median('native.int8.total') },
    fp32: {
      workerd: median('workerd.fp32'),
      nodewasm: median('nodewasm.fp32.total'),
      native: median('native.fp32.total'),
      tfjs: median('tfjs.fp32.total'),
    },
    mobilenet: {
      workerd: median('workerd.mobilenet'),
      nodewasm: median('nodewasm.mobilenet.total'),
      native: median('native.mobilenet.total'),
    },
  };
  const infer = {
    int8: { nodewasm: median('nodewasm.int8.run'), native: median('native.int8.run') },
    fp32: { nodewasm: median('nodewasm.fp32.run'), native: median('native.fp32.run'), tfjs: median('tfjs.fp32.run') },
    mobilenet: { nodewasm: median('nodewasm.mobilenet.run'), native: median('native.mobilenet.run') },
  };

  // Decode + resize + preprocess: measured in Node (same code, same codec wasm; every Node embed of the
  // photo), and in workerd as the MobileNet embed's difference against the same pixels as a 224x224 BMP.
  const nodePre640 = median('node.photo.decode+preprocess');
  const nodePre3000 = median('node.large.decode+preprocess');
  const workerdPre640 = median('workerd.mobilenet') - median('workerd.mobilenet.bmp224');
  const workerdPre3000 = median('workerd.mobilenet.large') - median('workerd.mobilenet.bmp224.late');
  const int8Large = median('workerd.int8.large');
  const recycleNode = median('node.photo_after_large.decode+preprocess') - nodePre640;
  const recycleWorkerd = median('workerd.mobilenet.photo_after_large') - median('workerd.mobilenet');

  // Isolate estimate for the int8 Worker: what is live at the worst moment of a request.
  const code = wasmModuleBytes();
  const codeBytes = Object.values(code).reduce((a, b) => a + b, 0);
  const int8 = snapshots.int8 as Record<Phase, Snapshot>;
  const tensorBytes = manifests.int8.input.shape.reduce((a, b) => a * b, 1) * 4;
  const jsAfterGc = (int8.gc.heap?.usedSize ?? NaN) + (int8.gc.heap?.backingStorageSize ?? NaN);
  const estimate = (health: Health['runtime'], image: BenchImage, inFlight: number) => {
    const parts = {
      onnxruntime_wasm_memory: health.wasmMemoryBytes ?? NaN,
      codec_wasm_memory_peak: health.codecWasmPeakBytes ?? 0,
      compiled_wasm_code: codeBytes,
      js_heap_live: jsAfterGc,
      // The decoder's RGBA copied out of its memory, then the RGB made from it (both whole-image).
      decode_buffers: 7 * image.width * image.height,
      // Each request in flight holds its body; the inference gate runs one embed at a time, so one tensor.
      requests_in_flight: inFlight * image.bytes.byteLength + tensorBytes,
    };
    const total = Object.values(parts).reduce((a, b) => a + b, 0);
    return {
      parts_mib: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, mib(v)])) as Record<keyof typeof parts, number>,
      total_mib: mib(total),
    };
  };
  const isolatePhoto = estimate(int8.concurrent.health, photo, CONCURRENCY);
  const isolateLarge = estimate(int8.large.health, large, 1);
  const modelBytes = [manifests.int8.graph, ...manifests.int8.externalData].reduce((n, f) => n + f.bytes, 0);
  // At session creation: the files in JS and onnxruntime's memory at once, before any decode.
  const coldPeak = (int8.first.health.wasmMemoryBytes ?? NaN) + modelBytes + codeBytes + jsAfterGc;
  const rssBaseline = int8.started.process?.rss;
  const rssDelta = (s: Snapshot) => (s.process && rssBaseline !== undefined ? s.process.hwm - rssBaseline : undefined);

  const memoryRows = MODEL_KEYS.map((key) => {
    const s = snapshots[key] as Record<Phase, Snapshot>;
    return {
      model: MODEL_IDS[key],
      after_1: mib(s.first.health.wasmMemoryBytes),
      after_sequential: mib(s.sequential.health.wasmMemoryBytes),
      sequential_requests: s.sequential.embeds,
      after_concurrent: mib(s.concurrent.health.wasmMemoryBytes),
    };
  });

  const result = {
    machine: {
      cpu_pinned: pinnedCpu ?? null,
      runs: RUNS,
      warmup: WARMUP,
      concurrency: CONCURRENCY,
      quick,
      node: process.version,
    },
    images: {
      photo: `${photo.name} ${photo.width}x${photo.height} (${photo.bytes.byteLength} B)`,
      large: `${large.name} ${large.width}x${large.height} (${large.bytes.byteLength} B)`,
    },
    int8_workerd_ms: r1(ms.int8.workerd),
    int8_workerd_p90_ms: r1(p90('workerd.int8')),
    int8_nodewasm_ms: r1(ms.int8.nodewasm),
    int8_nodewasm_p90_ms: r1(p90('nodewasm.int8.total')),
    int8_native_ms: r1(ms.int8.native),
    fp32_workerd_ms: r1(ms.fp32.workerd),
    fp32_workerd_p90_ms: r1(p90('workerd.fp32')),
    fp32_nodewasm_ms: r1(ms.fp32.nodewasm),
    fp32_native_ms: r1(ms.fp32.native),
    fp32_tfjs_wasm_ms: r1(ms.fp32.tfjs),
    mobilenet_workerd_ms: r1(ms.mobilenet.workerd),
    mobilenet_nodewasm_ms: r1(ms.mobilenet.nodewasm),
    mobilenet_native_ms: r1(ms.mobilenet.native),
    inference_only_ms: Object.fromEntries(
      Object.entries(infer).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([e, x]) => [e, r1(x)]))]),
    ),
    ratio_workerd_nodewasm: r3(ms.int8.workerd / ms.int8.nodewasm),
    ratio_workerd_nodewasm_fp32: r3(ms.fp32.workerd / ms.fp32.nodewasm),
    ratio_workerd_nodewasm_mobilenet: r3(ms.mobilenet.workerd / ms.mobilenet.nodewasm),
    ratio_workerd_native: r3(ms.int8.workerd / ms.int8.native),
    ratio_int8_fp32_workerd: r3(ms.int8.workerd / ms.fp32.workerd),
    ratio_int8_fp32_nodewasm: r3(ms.int8.nodewasm / ms.fp32.nodewasm),
    ratio_int8_fp32_native: r3(ms.int8.native / ms.fp32.native),
    ratio_workerd_tfjs: r3(ms.int8.workerd / ms.fp32.tfjs),
    ratio_nodewasm_tfjs: r3(ms.int8.nodewasm / ms.fp32.tfjs),
    ratio_nodewasm_fp32_tfjs: r3(ms.fp32.nodewasm / ms.fp32.tfjs),
    gmacs: {
      int8_nodewasm_inference: gmacs('int8', infer.int8.nodewasm),
      int8_workerd_embed: gmacs('int8', ms.int8.workerd),
      int8_native_inference: gmacs('int8', infer.int8.native),
      fp32_nodewasm_inference: gmacs('fp32', infer.fp32.nodewasm),
      fp32_workerd_embed: gmacs('fp32', ms.fp32.workerd),
      fp32_native_inference: gmacs('fp32', infer.fp32.native),
      fp32_tfjs_wasm_inference: gmacs('fp32', infer.fp32.tfjs),
      mobilenet_nodewasm_inference: gmacs('mobilenet', infer.mobilenet.nodewasm),
      mobilenet_workerd_embed: gmacs('mobilenet', ms.mobilenet.workerd),
      mobilenet_native_inference: gmacs('mobilenet', infer.mobilenet.native),
    },
    preprocess: {
      node_640_ms: r1(nodePre640),
      node_3000_ms: r1(nodePre3000),
      node_640_share: r3(nodePre640 / ms.int8.nodewasm),
      node_3000_share: r3(nodePre3000 / (nodePre3000 + infer.int8.nodewasm)),
      workerd_640_ms: r1(workerdPre640),
      workerd_3000_ms: r1(workerdPre3000),
      workerd_640_share: r3(workerdPre640 / ms.int8.workerd),
      workerd_3000_share: r3(workerdPre3000 / int8Large),
      int8_workerd_3000_ms: r1(int8Large),
      photo_after_large_extra_ms: { node: r1(recycleNode), workerd: r1(recycleWorkerd) },
    },
    cold_start_ms: r1(coldStartMs.int8),
    cold_start_by_model_ms: Object.fromEntries(MODEL_KEYS.map((k) => [MODEL_IDS[k], r1(coldStartMs[k])])),
    cold_start_runtime_probe_ms: runtimeColdStartMs === undefined ? null : r1(runtimeColdStartMs),
    node_cold_path_ms: {
      onnxruntime_wasm_instantiate: r1(inputs.instantiateMs),
      ...Object.fromEntries(
        MODEL_KEYS.map((k) => [
          k,
          {
            load_verify: r1(inputs.nodeLoad[k]!),
            create: r1(inputs.nodeCreate[k]!),
            first_inference: r1(inputs.firstRunMs[k]),
            steady_inference: r1(infer[k].nodewasm),
          },
        ]),
      ),
    },
    tfjs_create_ms: r1(inputs.tfjsCreateMs),
    wasm_memory_mb: mib(int8.large.health.wasmMemoryBytes),
    wasm_memory_by_model_mib: memoryRows,
    codec_wasm_peak_mb: { photo_640: mib(int8.concurrent.health.codecWasmPeakBytes), jpeg_3000: mib(int8.large.health.codecWasmPeakBytes) },
    isolate_estimate_mb: isolatePhoto.total_mib,
    isolate_estimate_parts_mib: isolatePhoto.parts_mib,
    isolate_estimate_3000_mb: isolateLarge.total_mib,
    isolate_estimate_3000_parts_mib: isolateLarge.parts_mib,
    isolate_estimate_session_create_mb: mib(coldPeak),
    js_heap_after_gc_mib: { used: mib(int8.gc.heap?.usedSize), array_buffers: mib(int8.gc.heap?.backingStorageSize) },
    js_heap_sampled_peak_mib: {
      used: mib(inputs.int8PhotoPeak.used),
      array_buffers: mib(inputs.int8PhotoPeak.backing),
      sum: mib(inputs.int8PhotoPeak.total),
    },
    model_file_bytes_live_after_gc: int8.gc.health.modelFileBytesLive ?? null,
    workerd_rss_mib: {
      baseline_before_model: mib(rssBaseline),
      high_water_photo: mib(int8.concurrent.process?.hwm),
      high_water_after_3000: mib(int8.large.process?.hwm),
      delta_photo_upper_bound: mib(rssDelta(int8.concurrent)),
      delta_3000_upper_bound: mib(rssDelta(int8.large)),
    },
    cache_hit_ms: r1(median('cache.hit')),
    cache_hit_p90_ms: r1(p90('cache.hit')),
    cache_first_request: inputs.cacheCheck.first,
    cache_miss_ms: r1(inputs.cacheCheck.missMs),
    cache_hit_identical_vector: inputs.cacheCheck.identical,
    healthz_rtt_ms: r1(median('healthz')),
    concurrent_total_ms: Object.fromEntries(MODEL_KEYS.map((k) => [MODEL_IDS[k], r1(median(`concurrent.${k}`))])),
    parity: inputs.parity,
    kv_search: kvResult,
  };

  const goals: Array<[string, string, boolean]> = [
    ['workerd / Node-wasm (int8) <= 1.6', `${result.ratio_workerd_nodewasm}`, result.ratio_workerd_nodewasm <= 1.6],
    ['int8 >= 2x faster than fp32 in workerd', `${r1(1 / result.ratio_int8_fp32_workerd)}x`, result.ratio_int8_fp32_workerd <= 0.5],
    [
      'int8 VGG16 >= 25 GMAC/s in onnxruntime-web wasm (inference, Node)',
      `${result.gmacs.int8_nodewasm_inference}`,
      result.gmacs.int8_nodewasm_inference >= 25,
    ],
    [
      'ahead of tfjs-wasm by >= 3x (workerd int8 vs tfjs fp32)',
      `${r1(1 / result.ratio_workerd_tfjs)}x`,
      result.ratio_workerd_tfjs <= 1 / 3,
    ],
    ['wasm high-water <= 40 MiB (int8)', `${result.wasm_memory_mb} MiB`, result.wasm_memory_mb <= 40],
    ['isolate estimate <= 80 MB (int8, 640 px photo)', `${result.isolate_estimate_mb} MiB`, result.isolate_estimate_mb <= 80],
    ['cold start < 1.5 s (int8)', `${result.cold_start_ms} ms`, result.cold_start_ms < 1500],
    [
      'decode + preprocess < 5% of an embed (640 px, workerd)',
      pct(result.preprocess.workerd_640_share),
      result.preprocess.workerd_640_share < 0.05,
    ],
    ['cached repeat < 20 ms', `${result.cache_hit_ms} ms`, result.cache_hit_ms < 20],
  ];

  const out: string[] = [];
  const table = (title: string, head: string[], rows: (string | number)[][]) => {
    out.push(
      '',
      `### ${title}`,
      '',
      `| ${head.join(' | ')} |`,
      `|${head.map(() => '---').join('|')}|`,
      ...rows.map((row) => `| ${row.join(' | ')} |`),
    );
  };
  const cell = (key: string) => (samples.has(key) ? `${median(key).toFixed(0)} / ${p90(key).toFixed(0)}` : '—');
  out.push(
    `edge-features bench — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, pinned to CPU ${result.machine.cpu_pinned ?? 'none'}, ` +
      `${RUNS} rounds after ${WARMUP} warm-up, engines interleaved (shuffled each round); photo ${result.images.photo}, large ${result.images.large}`,
  );
  table(
    'Embed time per image, ms (median / p90): decode + resize + preprocess + inference',
    ['engine', 'int8 VGG16', 'fp32 VGG16', 'MobileNetV2-1.4'],
    [
      ['workerd (wrangler dev, HTTP)', cell('workerd.int8'), cell('workerd.fp32'), cell('workerd.mobilenet')],
      ['onnxruntime-web wasm in Node', cell('nodewasm.int8.total'), cell('nodewasm.fp32.total'), cell('nodewasm.mobilenet.total')],
      ['  inference only', cell('nodewasm.int8.run'), cell('nodewasm.fp32.run'), cell('nodewasm.mobilenet.run')],
      ['onnxruntime-node native, 1 thread', cell('native.int8.total'), cell('native.fp32.total'), cell('native.mobilenet.total')],
      ['  inference only', cell('native.int8.run'), cell('native.fp32.run'), cell('native.mobilenet.run')],
      ['tfjs-backend-wasm 1 thread (anchor)', '—', cell('tfjs.fp32.total'), '—'],
      ['  inference only', '—', cell('tfjs.fp32.run'), '—'],
    ],
  );
  table(
    'Ratios (same run)',
    ['ratio', 'int8 VGG16', 'fp32 VGG16', 'MobileNetV2'],
    [
      ['workerd / Node-wasm', result.ratio_workerd_nodewasm, result.ratio_workerd_nodewasm_fp32, result.ratio_workerd_nodewasm_mobilenet],
      [
        'workerd / native',
        result.ratio_workerd_native,
        r3(ms.fp32.workerd / ms.fp32.native),
        r3(ms.mobilenet.workerd / ms.mobilenet.native),
      ],
      [
        'int8 / fp32 (workerd; Node-wasm; native)',
        `${result.ratio_int8_fp32_workerd}; ${result.ratio_int8_fp32_nodewasm}; ${result.ratio_int8_fp32_native}`,
        '',
        '',
      ],
      [
        'vs tfjs-wasm fp32 (workerd int8; Node-wasm int8; Node-wasm fp32)',
        `${result.ratio_workerd_tfjs}; ${result.ratio_nodewasm_tfjs}`,
        `${result.ratio_nodewasm_fp32_tfjs}`,
        '',
      ],
    ],
  );
  table(
    'Achieved GMAC/s',
    ['engine', 'int8 VGG16', 'fp32 VGG16', 'MobileNetV2'],
    [
      [
        'onnxruntime-web wasm (Node, inference)',
        result.gmacs.int8_nodewasm_inference,
        result.gmacs.fp32_nodewasm_inference,
        result.gmacs.mobilenet_nodewasm_inference,
      ],
      [
        'workerd (whole embed incl. decode + HTTP)',
        result.gmacs.int8_workerd_embed,
        result.gmacs.fp32_workerd_embed,
        result.gmacs.mobilenet_workerd_embed,
      ],
      [
        'onnxruntime-node native (inference)',
        result.gmacs.int8_native_inference,
        result.gmacs.fp32_native_inference,
        result.gmacs.mobilenet_native_inference,
      ],
      ['tfjs-backend-wasm (inference)', '—', result.gmacs.fp32_tfjs_wasm_inference, '—'],
    ],
  );
  table(
    'Decode + resize + preprocess',
    [
      'image',
      'Node, ms',
      'share of Node-wasm int8 embed',
      'workerd, ms (MobileNet embed − same pixels as 224x224 BMP)',
      'share of workerd int8 embed',
    ],
    [
      [
        `${photo.name} ${photo.width}x${photo.height}`,
        r1(nodePre640),
        pct(result.preprocess.node_640_share),
        r1(workerdPre640),
        pct(result.preprocess.workerd_640_share),
      ],
      [
        `${large.name} ${large.width}x${large.height}`,
        r1(nodePre3000),
        pct(result.preprocess.node_3000_share),
        r1(workerdPre3000),
        `${pct(result.preprocess.workerd_3000_share)} of ${r1(int8Large)} ms`,
      ],
      ['photo right after a 3000 px JPEG (a fresh decoder instance, the garbage collected), extra', r1(recycleNode), '', '', ''],
    ],
  );
  table(
    'Cold start: a fresh isolate’s first vector (model fetch from assets, sha256, session, first inference, HTTP)',
    [
      'model',
      'workerd first vector, ms',
      'workerd steady embed, ms',
      'Node: load + verify / create / first inference / steady inference, ms',
    ],
    [
      ...MODEL_KEYS.map((k) => [
        MODEL_IDS[k],
        r1(coldStartMs[k]),
        r1(ms[k].workerd),
        `${r1(inputs.nodeLoad[k]!)} / ${r1(inputs.nodeCreate[k]!)} / ${r1(inputs.firstRunMs[k])} / ${r1(infer[k].nodewasm)}`,
      ]),
      [
        `${RUNTIME_PROBE} (runtime start + a 0.25 GMAC model)`,
        runtimeColdStartMs === undefined ? '—' : r1(runtimeColdStartMs),
        '',
        `onnxruntime wasm instantiate in Node: ${r1(inputs.instantiateMs)}`,
      ],
    ],
  );
  table(
    'onnxruntime WebAssembly memory, high-water (MiB)',
    ['model', 'after 1 request', 'after N sequential', 'N', `after ${CONCURRENCY} concurrent`],
    memoryRows.map((m) => [m.model, m.after_1, m.after_sequential, m.sequential_requests, m.after_concurrent]),
  );
  const p = isolatePhoto.parts_mib;
  const q = isolateLarge.parts_mib;
  table(
    'Isolate estimate, int8 VGG16 (MiB; a Worker isolate has 128 MB)',
    ['part', `640 px photo, ${CONCURRENCY} in flight`, '3000 px JPEG, 1 request', 'how'],
    [
      ['onnxruntime wasm memory', p.onnxruntime_wasm_memory, q.onnxruntime_wasm_memory, 'measured (/healthz)'],
      ['codec wasm memory, peak', p.codec_wasm_memory_peak, q.codec_wasm_memory_peak, 'measured (/healthz)'],
      [
        'compiled wasm code',
        p.compiled_wasm_code,
        q.compiled_wasm_code,
        `taken as the .wasm sizes: ${Object.entries(code)
          .map(([k, v]) => `${k} ${mib(v)}`)
          .join(', ')}`,
      ],
      ['V8 heap + ArrayBuffers, live', p.js_heap_live, q.js_heap_live, 'measured after a forced GC (inspector)'],
      ['decode buffers (RGBA copy + RGB)', p.decode_buffers, q.decode_buffers, 'computed: 7 B/pixel'],
      [
        'requests in flight (bodies + one input tensor)',
        p.requests_in_flight,
        q.requests_in_flight,
        'computed (the inference gate embeds one at a time)',
      ],
      ['**total**', `**${isolatePhoto.total_mib}**`, `**${isolateLarge.total_mib}**`, 'every part counted as live at once'],
      [
        'V8 heap + ArrayBuffers, sampled peak incl. garbage',
        result.js_heap_sampled_peak_mib.sum,
        '',
        'measured between requests; includes uncollected garbage',
      ],
      [
        'workerd process RSS high-water − baseline',
        result.workerd_rss_mib.delta_photo_upper_bound,
        result.workerd_rss_mib.delta_3000_upper_bound,
        `upper bound: the process also runs miniflare's services (baseline ${result.workerd_rss_mib.baseline_before_model} MiB)`,
      ],
    ],
  );
  out.push(
    '',
    `At session creation (files in JS + onnxruntime memory + code + JS): ~${result.isolate_estimate_session_create_mb} MiB. ` +
      `After a forced GC: V8 heap ${result.js_heap_after_gc_mib.used} MiB, ArrayBuffers ${result.js_heap_after_gc_mib.array_buffers} MiB; ` +
      `model file bytes still live: ${result.model_file_bytes_live_after_gc ?? 'n/a'}.`,
  );
  table(
    'Embedding cache (int8 Worker, the photo)',
    ['figure', 'ms'],
    [
      ['repeat (hit), median / p90', `${result.cache_hit_ms} / ${result.cache_hit_p90_ms}`],
      [`first request (${inputs.cacheCheck.first})`, result.cache_miss_ms],
      ['GET /healthz round trip (the HTTP floor)', result.healthz_rtt_ms],
      ['hit vector identical to the computed one', String(inputs.cacheCheck.identical)],
    ],
  );
  if (kvResult.status === 'measured') {
    table(
      `KV search latency by store size (${kvResult.script}, ${manifests.int8.dims}-d)`,
      ['items', 'cold ms', 'median ms', 'p90 ms', 'KV operations', 'values read (median)', 'found first'],
      kvResult.rows.map((row) => [
        row.items,
        row.cold_ms,
        row.median_ms,
        row.p90_ms,
        row.kv_operations,
        row.values_read_median,
        row.found_first,
      ]),
    );
  } else {
    out.push('', '### KV search latency', '', `${kvResult.status}${kvResult.note ? `: ${kvResult.note}` : ''}`);
  }
  out.push(
    '',
    `Parity: ${Object.entries(inputs.parity)
      .map(([k, v]) => `${k} ${v === 0 ? '0' : v.toPrecision(3)}`)
      .join('; ')}`,
  );
  table(
    'Goals',
    ['goal', 'measured', 'met'],
    goals.map(([goal, measured, met]) => [goal, measured, met ? 'yes' : '**no**']),
  );
  console.log(out.join('\n'));
  const raw = values.samples ? { samples: Object.fromEntries([...samples].map(([k, v]) => [k, v.map(r1)])) } : {};
  if (values.json)
    console.log(JSON.stringify({ ...result, goals: Object.fromEntries(goals.map(([g, m, ok]) => [g, { measured: m, met: ok }])), ...raw }));
}
