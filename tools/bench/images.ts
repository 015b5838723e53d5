/**
 * `npm run bench:images [-- --runs 5] [--warmup 1] [--json] [--skip-workerd] [--cpu N | --no-pin]`: phone-sized
 * photos through the decode + resize to the model's 224x224, before and after streaming decoding, against PIL.
 *
 * Inputs (made once into the OS temp folder by images-make.py; needs Debian's python3-pil, python3-numpy,
 * libavif-bin, libheif-examples): a 12 MP and a 48 MP JPEG, a 12 MP PNG, an AVIF and a HEIC at their limits
 * (2 MP, 4 MP), and a 12 MP AVIF and HEIC (refused: formats decoded whole have lower limits).
 *
 *   node     in this process, pinned to one core, rounds interleaved in a seeded order:
 *            after  = decodeForModel (the Worker's path: streaming decoders feeding the streaming resizer);
 *            before = the pre-streaming path (tools/bench/baseline-decoders.ts: MozJPEG / Rust png decode the
 *                     whole image, RGBA copied out, RGB, resize) for JPEG and PNG (AVIF and HEIC were refused);
 *            PIL    = Keras's load_img in Debian's PIL 9.4 (open, convert('RGB'), resize NEAREST), the anchor.
 *   workerd  the Worker with int8 VGG16 under `wrangler dev`, one fresh isolate per image: POST /v1/embed of the
 *            image and of its 224x224 BMP (same pixels, no decode), alternated; decode + resize = the difference
 *            of the medians, set against the BMP's embed (an int8 embed). Then the isolate estimate: what is live
 *            at the worst moment of the request (as `npm run bench` counts it: onnxruntime's and the codecs'
 *            wasm memory, compiled wasm code, the JS heap after a collection, the request body, and the decode
 *            buffers: W x 3 for a streamed row plus the 224x224 output; whole-image formats hold RGBA + RGB).
 * Prints tables (and, with --json, one JSON object on the last line). Timings are medians; compare ratios.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_PIXELS } from '../../src/config/defaults.ts';
import { decodeForModel, type ImageFormat } from '../../src/core/image/index.ts';
import { mulberry32, shuffle } from '../../src/core/util/random.ts';
import { median } from '../../src/core/util/stats.ts';
import { findModel } from '../../src/models.ts';
import { CODEC_WASM_FILES, initNodeCodecs } from '../../src/runtime/node.ts';
import { prepareModel } from '../prepare-models.ts';
import { baselineDecoder, type BaselineDecode } from './baseline-decoders.ts';
import { toBmp } from './bmp.ts';
import { pinToOneCore } from './pin.ts';
import { bundleWorker, REPO_ROOT, startBenchWorker } from './workerd.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    'skip-workerd': { type: 'boolean', default: false },
    cpu: { type: 'string' },
    'no-pin': { type: 'boolean', default: false },
  },
});
const pinnedCpu = await pinToOneCore({ cpu: values.cpu, noPin: values['no-pin'] });
const RUNS = Number(values.runs);
const WARMUP = Number(values.warmup);
const MODEL_ID = 'vgg16-synthetic-int8';
const MiB = 2 ** 20;
const SIDE = 224;
const log = (message: string) => process.stderr.write(`[bench:images] ${message}\n`);
const mib = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;
const ms = (x: number) => Math.round(x);

// ---- inputs ----
interface Input {
  readonly name: string;
  readonly format: ImageFormat;
  readonly path: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: Uint8Array<ArrayBuffer>;
}
const FORMAT_OF: Record<string, ImageFormat> = { jpeg: 'jpeg', png: 'png', avif: 'avif', heic: 'heic' };
const MEDIA_TYPE: Partial<Record<ImageFormat, string>> = { jpeg: 'image/jpeg', png: 'image/png', avif: 'image/avif', heic: 'image/heic' };

function makeInputs(): Input[] {
  const maker = join(REPO_ROOT, 'tools/bench/images-make.py');
  const version = createHash('sha256').update(readFileSync(maker)).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `edge-features-bench-images-${version}`);
  const index = join(dir, 'index.json');
  if (!existsSync(index)) {
    log(`making the inputs in ${dir} (about 40 s)`);
    const out = execFileSync('/usr/bin/python3', [maker, join(REPO_ROOT, '..', 'shared', 'fixtures', 'images'), dir], { encoding: 'utf8' });
    execFileSync('/usr/bin/python3', ['-c', 'import sys; open(sys.argv[1], "w").write(sys.argv[2])', index, out.trim()]);
  }
  const made = JSON.parse(readFileSync(index, 'utf8')) as Record<string, { path: string; width: number; height: number }>;
  return Object.entries(made).map(([name, { path, width, height }]) => ({
    name,
    format: FORMAT_OF[name.split('-')[0]!]!,
    path,
    width,
    height,
    bytes: new Uint8Array(readFileSync(path)),
  }));
}

const inputs = makeInputs().sort((a, b) => a.width * a.height - b.width * b.height);
initNodeCodecs();
const nearest = { maxPixels: DEFAULT_MAX_PIXELS, orientation: 'ignore', width: SIDE, height: SIDE, resample: 'nearest' } as const;

// ---- Node: after vs before, interleaved; PIL in a child process on the same core ----
const samples = new Map<string, number[]>();
const record = (key: string, value: number) => samples.set(key, [...(samples.get(key) ?? []), value]);
const medianOf = (key: string) => median(samples.get(key) ?? []);
const refusals = new Map<string, string>();
const beforeWasm = new Map<string, number>();

type Task = readonly [key: string, run: (recording: boolean) => Promise<void>];
const tasks: Task[] = [];
for (const input of inputs) {
  tasks.push([
    `after.${input.name}`,
    async (recording) => {
      const started = performance.now();
      try {
        await decodeForModel(input.bytes, nearest);
      } catch (error) {
        refusals.set(input.name, error instanceof Error ? error.message : String(error));
        return;
      }
      if (recording) record(`after.${input.name}`, performance.now() - started);
    },
  ]);
  if (input.format === 'jpeg' || input.format === 'png') {
    const format = input.format;
    tasks.push([
      `before.${input.name}`,
      async (recording) => {
        const decode: BaselineDecode = await baselineDecoder(format);
        const started = performance.now();
        const { wasmBytes } = decode(input.bytes, 'nearest');
        if (recording) record(`before.${input.name}`, performance.now() - started);
        beforeWasm.set(input.name, Math.max(beforeWasm.get(input.name) ?? 0, wasmBytes));
      },
    ]);
  }
}
const random = mulberry32(20261207);
for (let round = 0; round < WARMUP + RUNS; round++) {
  for (const [, run] of shuffle(tasks, () => random.next())) await run(round >= WARMUP);
  log(`node round ${round + 1}/${WARMUP + RUNS}`);
}
log('PIL (Debian python3-pil) on the same core');
const pil = JSON.parse(
  execFileSync(
    '/usr/bin/python3',
    [join(REPO_ROOT, 'tools/bench/images-pil.py'), String(RUNS), String(WARMUP), ...inputs.map((i) => i.path)],
    {
      encoding: 'utf8',
    },
  ),
) as Record<string, number[] | null>;

// ---- workerd: one fresh isolate per image, int8 VGG16 ----
interface WorkerdRow {
  readonly embedMs: number;
  readonly bmpEmbedMs: number;
  readonly estimateMib: number;
  readonly parts: Record<string, number>;
}
const workerd = new Map<string, WorkerdRow>();
const require = createRequire(import.meta.url);
const wasmCodeBytes = [require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'), ...Object.values(CODEC_WASM_FILES)].reduce(
  (sum, file) => sum + statSync(file).size,
  0,
);
if (!values['skip-workerd']) {
  const manifest = findModel(MODEL_ID);
  if (!manifest) throw new Error(`models/index.json has no ${MODEL_ID}`);
  await prepareModel(manifest);
  const bundle = await bundleWorker([MODEL_ID]);
  try {
    for (const input of inputs) {
      if (refusals.has(input.name)) continue;
      const type = MEDIA_TYPE[input.format]!;
      const worker = await startBenchWorker(bundle, MODEL_ID, {
        MAX_PIXELS: String(DEFAULT_MAX_PIXELS),
        MAX_BODY_BYTES: String(Math.max(32 * MiB, input.bytes.byteLength + MiB)),
      });
      try {
        const bmp = toBmp((await decodeForModel(input.bytes, nearest)).rgb);
        const noStore = { 'cache-control': 'no-store' };
        const embedMs: number[] = [];
        const bmpMs: number[] = [];
        for (let round = 0; round < WARMUP + RUNS; round++) {
          const image = (await worker.embed(input.bytes, type, noStore)).ms;
          const small = (await worker.embed(bmp, 'image/bmp', noStore)).ms;
          if (round >= WARMUP) {
            embedMs.push(image);
            bmpMs.push(small);
          }
        }
        await worker.inspector?.requestGc();
        const health = await worker.health();
        const heap = await worker.inspector?.heapUsage().catch(() => undefined);
        const streamed = input.format === 'jpeg' || input.format === 'png';
        const pixels = input.width * input.height;
        const parts = {
          onnxruntime_wasm_memory: health.runtime.wasmMemoryBytes ?? Number.NaN,
          codec_wasm_memory_peak: health.runtime.codecWasmPeakBytes ?? 0,
          compiled_wasm_code: wasmCodeBytes,
          js_heap_live: heap ? heap.usedSize + heap.backingStorageSize : Number.NaN,
          request_body: input.bytes.byteLength,
          // Streamed: one RGB row and the 224x224 output (nearest keeps no intermediate rows); whole-image:
          // the decoder's RGBA copied out of its memory and the RGB made from it (HEIC: libheif's RGB, copied).
          decode_buffers: streamed ? input.width * 3 + SIDE * SIDE * 3 : (input.format === 'heic' ? 3 : 7) * pixels,
        };
        const total = Object.values(parts).reduce((a, b) => a + b, 0);
        workerd.set(input.name, {
          embedMs: median(embedMs),
          bmpEmbedMs: median(bmpMs),
          estimateMib: mib(total),
          parts: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, mib(v)])),
        });
        log(`workerd ${input.name}: embed ${ms(median(embedMs))} ms, its 224 BMP ${ms(median(bmpMs))} ms, estimate ${mib(total)} MiB`);
      } finally {
        await worker.stop();
      }
    }
  } finally {
    await bundle.cleanup();
  }
}

// ---- report ----
const rows = inputs.map((input) => {
  const pilTimes = pil[input.path];
  const pilMs = pilTimes ? median(pilTimes) : undefined;
  const after = samples.has(`after.${input.name}`) ? medianOf(`after.${input.name}`) : undefined;
  const before = samples.has(`before.${input.name}`) ? medianOf(`before.${input.name}`) : undefined;
  const w = workerd.get(input.name);
  const decodeWorkerd = w ? w.embedMs - w.bmpEmbedMs : undefined;
  return {
    image: input.name,
    size: `${input.width}x${input.height}`,
    mb: Math.round((input.bytes.byteLength / 1e6) * 10) / 10,
    refused: refusals.get(input.name),
    node_before_ms: before === undefined ? undefined : ms(before),
    node_after_ms: after === undefined ? undefined : ms(after),
    after_vs_before: after !== undefined && before !== undefined ? Math.round((after / before) * 100) / 100 : undefined,
    pil_ms: pilMs === undefined ? undefined : ms(pilMs),
    after_vs_pil: after !== undefined && pilMs !== undefined ? Math.round((after / pilMs) * 100) / 100 : undefined,
    before_decoder_wasm_mib: beforeWasm.has(input.name) ? mib(beforeWasm.get(input.name)!) : undefined,
    workerd_decode_resize_ms: decodeWorkerd === undefined ? undefined : ms(decodeWorkerd),
    workerd_int8_embed_ms: w ? ms(w.bmpEmbedMs) : undefined,
    decode_share_of_int8_embed: decodeWorkerd !== undefined && w ? Math.round((decodeWorkerd / w.bmpEmbedMs) * 100) / 100 : undefined,
    isolate_estimate_mib: w?.estimateMib,
  };
});
console.log(
  `\nDecode + resize to 224x224 NEAREST (medians of ${RUNS} after ${WARMUP} warm-up; CPU ${pinnedCpu ?? 'not pinned'}; node ${process.version})\n`,
);
console.table(rows.map(({ refused: _refused, ...row }) => row));
for (const [name, message] of refusals) console.log(`${name}: refused by the Worker's decoder: ${message}`);
console.log('\nIsolate estimate parts, MiB (int8 VGG16 loaded; a Worker isolate has 128 MB; goal <= 80 MiB):');
console.table(Object.fromEntries([...workerd].map(([name, w]) => [name, { ...w.parts, total: w.estimateMib }])));
if (values.json) console.log(JSON.stringify({ cpu_pinned: pinnedCpu ?? null, runs: RUNS, rows, workerd: Object.fromEntries(workerd) }));
