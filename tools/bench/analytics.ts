/**
 * `npm run bench:analytics`: the analytics algorithms (src/core/learn) over int8 rows inside local workerd,
 * by namespace size, and the largest size one synchronous request can take.
 *
 *   npm run bench:analytics -- [--sizes 1000,10000,100000] [--dims 512] [--ops scan,knn,...] [--runs 5]
 *                              [--max-s 150] [--json]
 *
 * The bench Worker (tools/bench/analytics-worker.ts, bundled with esbuild) runs under `wrangler dev`; every
 * (size, op) gets a FRESH workerd, so its memory high-water mark (VmHWM) belongs to that op alone:
 *   1. idle RSS; 5 no-op requests (the request overhead);
 *   2. POST /setup: n synthetic clustered rows as int8 codes (tools/bench/analytics-data.ts) held in the isolate;
 *   3. the op --runs times or more (fast ops repeat up to 1 s; once when a run takes over 5 s): median wall
 *      time minus the no-op median, and the workerd process's mean CPU time (all threads, 10 ms ticks) —
 *      timers are frozen inside the isolate;
 *   4. peak RSS above idle = the rows + the op's working set + V8's overhead: the figure to hold against an
 *      isolate's 128 MB.
 * Baselines in the same run: every op also runs in this Node process on the same rows (same code, no
 * Worker), timed in CPU: workerd / Node where workerd's 10 ms ticks allow (from 50 ms); and `scan` (one
 * cosine pass over all rows keeping the top 5, what a brute-force search costs) turns each op's Node CPU
 * into a number of passes over the rows. An op whose time predicted from the previous size (linear;
 * quadratic for duplicates) exceeds --max-s is not run at the next size.
 * Then, per op, the largest n within 30 s CPU (Workers' default per request) and within the memory left
 * in 128 MB, alone and beside a loaded model, extrapolated from the two largest sizes measured.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { median } from '../../src/core/util/stats.ts';
import { type SyntheticRows, syntheticRows } from './analytics-data.ts';
import { OPS, type Op, rowsOf, runOp } from './analytics-ops.ts';
import { findWorkerd, sampleProcess } from './analytics-process.ts';
import { REPO_ROOT } from './workerd.ts';
import { startWranglerDev } from './wrangler-dev.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,100000' },
    dims: { type: 'string', default: '512' },
    ops: { type: 'string', default: OPS.join(',') },
    runs: { type: 'string', default: '5' },
    'max-s': { type: 'string', default: '150' },
    json: { type: 'boolean', default: false },
  },
});
const SIZES = values.sizes!.split(',').map(Number);
const DIMS = Number(values.dims);
const RUN_OPS = values.ops!.split(',') as Op[];
const RUNS = Number(values.runs);
const MAX_S = Number(values['max-s']);
const MiB = 2 ** 20;
const ISOLATE_BYTES = 128 * 1e6; // "128 MB"
const CPU_LIMIT_S = 30;
/**
 * What a model that has served embeds keeps in the same isolate (docs/performance.md, int8 VGG16, measured
 * with `npm run bench`): onnxruntime's wasm memory 33.3 MiB + the JPEG decoder's 16.1 MiB + compiled code
 * ~14 MiB. WebAssembly memory never shrinks, so an isolate that embedded keeps it.
 */
const MODEL_RESIDENT_BYTES = (33.3 + 16.1 + 14) * MiB;
if (!RUN_OPS.includes('scan')) RUN_OPS.unshift('scan');
for (const op of RUN_OPS) if (!OPS.includes(op)) throw new Error(`--ops: ${op} is not one of ${OPS.join(', ')}`);

const startedAt = performance.now();
const log = (m: string) =>
  process.stderr.write(`[bench:analytics ${((performance.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);

interface Result {
  readonly op: Op;
  readonly n: number;
  readonly ms: number;
  readonly cpuS: number;
  readonly runs: number;
  readonly setupMs: number;
  readonly rowsBytes: number;
  readonly idleRss: number;
  readonly peakAboveIdle: number;
  readonly summary: Record<string, unknown>;
  /** The same op on the same rows in this Node process (the same-run baseline), median CPU ms. */
  readonly nodeMs: number;
  readonly nodeSummary: Record<string, unknown>;
}

async function bundle(dir: string): Promise<{ script: string; config: string }> {
  // In its own folder: wrangler dev reloads the Worker when files beside the script change (its state, .wrangler/).
  const script = join(dir, 'dist', 'analytics-worker.js');
  await build({
    entryPoints: [join(REPO_ROOT, 'tools/bench/analytics-worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    outfile: script,
    logLevel: 'warning',
  });
  const config = join(dir, 'wrangler.toml');
  await writeFile(config, `name = "analytics-bench"\nmain = ${JSON.stringify(script)}\ncompatibility_date = "2026-11-01"\n`);
  return { script, config };
}

async function call(url: string, path: string, method = 'POST'): Promise<{ ms: number; body: Record<string, unknown> }> {
  const started = performance.now();
  const response = await fetch(`${url}${path}`, { method });
  const text = await response.text();
  const ms = performance.now() - started;
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${text.slice(0, 2000)}`);
  return { ms, body: JSON.parse(text) as Record<string, unknown> };
}

const nodeData = new Map<number, SyntheticRows>();

/** The op in this Node process on the same rows (same seed), as many runs as workerd got: median CPU ms. */
function inNode(op: Op, n: number, runs: number): { ms: number; summary: Record<string, unknown> } {
  if (!nodeData.has(n)) {
    nodeData.clear(); // one size at a time: 100k rows are 49 MiB
    nodeData.set(n, syntheticRows(n, DIMS, 2026));
  }
  const data = nodeData.get(n)!;
  const rows = rowsOf(data);
  const ms: number[] = [];
  let summary: Record<string, unknown> = {};
  for (let run = 0; run < runs; run++) {
    // CPU time, not wall: the machine is shared, and CPU is what Workers limit.
    const started = process.cpuUsage();
    summary = runOp(op, data, rows, run * 7919);
    const used = process.cpuUsage(started);
    ms.push((used.user + used.system) / 1000);
  }
  return { ms: median(ms), summary };
}

async function measure(
  worker: { script: string; config: string },
  dir: string,
  op: Op,
  n: number,
): Promise<Omit<Result, 'nodeMs' | 'nodeSummary'>> {
  const server = await startWranglerDev({}, 120_000, {
    args: [worker.script, '--no-bundle', '-c', worker.config, '--persist-to', join(dir, 'state')],
  });
  try {
    const pid = server.pid === undefined ? undefined : findWorkerd(server.pid, new URL(server.url).port);
    if (pid === undefined) throw new Error('cannot find the workerd process that runs the bench Worker (Linux /proc only)');
    const noop: number[] = [];
    for (let i = 0; i < 5; i++) noop.push((await call(server.url, '/noop', 'GET')).ms);
    const overhead = median(noop);
    const idleRss = sampleProcess(pid).rss;
    const setup = await call(server.url, `/setup?n=${n}&dims=${DIMS}&seed=2026`);
    const ms: number[] = [];
    const cpu: number[] = [];
    let summary: Record<string, unknown> = {};
    // At least --runs runs (one when a run takes over 5 s); fast ops repeat up to 1 s or 50 runs, since
    // CPU time comes in 10 ms ticks: its figure is the total over the runs / runs.
    let wall = 0;
    for (let run = 0; run < 50 && (run < RUNS || wall < 1000); run++) {
      const before = sampleProcess(pid).cpuS;
      const answer = await call(server.url, `/run?op=${op}&query=${run * 7919}`);
      cpu.push(sampleProcess(pid).cpuS - before);
      ms.push(Math.max(0, answer.ms - overhead));
      wall += answer.ms;
      summary = answer.body;
      if (answer.ms > 5000) break;
    }
    return {
      op,
      n,
      ms: median(ms),
      cpuS: cpu.reduce((a, b) => a + b, 0) / cpu.length,
      runs: ms.length,
      setupMs: setup.ms,
      rowsBytes: Number(setup.body['bytes']),
      idleRss,
      peakAboveIdle: sampleProcess(pid).hwm - idleRss,
      summary,
    };
  } finally {
    await server.stop();
  }
}

/** The n at which f(n) = a * n^p reaches `limit`, from two measured points (p at least `minPower`). */
function reach(points: Array<{ n: number; y: number }>, limit: number, minPower: number): number {
  const [a, b] = points.slice(-2);
  if (!a || !b || b.y <= 0) return Number.NaN;
  const power = a.y > 0 ? Math.max(minPower, Math.log(b.y / a.y) / Math.log(b.n / a.n)) : minPower;
  return b.n * (limit / b.y) ** (1 / power);
}

const dir = await mkdtemp(join(tmpdir(), 'edge-features-bench-analytics-'));
const results: Result[] = [];
try {
  const worker = await bundle(dir);
  log(`bundled ${worker.script}; sizes ${SIZES.join(', ')}, ${DIMS}-d, ops ${RUN_OPS.join(', ')}`);
  for (const op of RUN_OPS) {
    for (const n of SIZES) {
      const previous = results.filter((r) => r.op === op).at(-1);
      if (previous) {
        const predicted = (previous.ms / 1000) * (op === 'duplicates' ? (n / previous.n) ** 2 : n / previous.n);
        if (predicted > MAX_S) {
          log(`${op} at ${n}: predicted ${predicted.toFixed(0)} s > --max-s ${MAX_S}: not run`);
          continue;
        }
      }
      const measured = await measure(worker, dir, op, n);
      const node = inNode(op, n, measured.runs);
      const result: Result = { ...measured, nodeMs: node.ms, nodeSummary: node.summary };
      results.push(result);
      log(
        `${op} at ${n}: ${result.ms.toFixed(1)} ms, CPU ${result.cpuS.toFixed(2)} s, peak +${(result.peakAboveIdle / MiB).toFixed(1)} MiB ${JSON.stringify(result.summary)}`,
      );
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 });
}

const fmtMs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const nodeScan = (n: number) => results.find((r) => r.op === 'scan' && r.n === n)?.nodeMs;
console.log(`\nAnalytics in local workerd: ${DIMS}-d int8 rows, synthetic clustered data (10 clusters, 1% planted duplicates)\n`);
console.log(
  '| op | items | workerd ms (wall) | workerd CPU s | Node CPU ms (same run) | workerd / Node (CPU) | × one scan (Node CPU) | peak memory above idle, MiB | rows, MiB | answer |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const scan = nodeScan(r.n);
  const passes = scan ? (r.nodeMs / scan).toFixed(1) : '—';
  const same = JSON.stringify(r.summary) === JSON.stringify(r.nodeSummary) ? '' : ` (Node: ${JSON.stringify(r.nodeSummary)})`;
  const answer = (JSON.stringify(r.summary) + same).replaceAll('|', '/').replaceAll('"', '');
  console.log(
    `| ${r.op} | ${r.n.toLocaleString('en')} | ${fmtMs(r.ms)} | ${r.cpuS.toFixed(2)} | ${fmtMs(r.nodeMs)} | ${r.cpuS >= 0.05 ? ((r.cpuS * 1000) / r.nodeMs).toFixed(2) : '—'} | ${passes} | ${(r.peakAboveIdle / MiB).toFixed(1)} | ${(r.rowsBytes / MiB).toFixed(1)} | ${answer} |`,
  );
}

console.log(`\nLargest n per request (extrapolated from the two largest sizes run; CPU limit ${CPU_LIMIT_S} s, isolate 128 MB):\n`);
console.log('| op | n at 30 s CPU | n in 128 MB alone | n in 128 MB beside a loaded model (63.4 MiB) |');
console.log('|---|---|---|---|');
const limits: Record<string, { cpu: number; alone: number; withModel: number }> = {};
for (const op of RUN_OPS) {
  const mine = results.filter((r) => r.op === op);
  const cpu = reach(
    mine.map((r) => ({ n: r.n, y: r.cpuS })),
    CPU_LIMIT_S,
    op === 'duplicates' ? 2 : 1,
  );
  const memory = mine.map((r) => ({ n: r.n, y: r.peakAboveIdle }));
  const alone = reach(memory, ISOLATE_BYTES, 1);
  const withModel = reach(memory, ISOLATE_BYTES - MODEL_RESIDENT_BYTES, 1);
  limits[op] = { cpu, alone, withModel };
  const show = (v: number) => (Number.isFinite(v) ? Math.floor(v).toLocaleString('en') : '—');
  console.log(`| ${op} | ${show(cpu)} | ${show(alone)} | ${show(withModel)} |`);
}
if (values.json) console.log(JSON.stringify({ dims: DIMS, results, limits }));
