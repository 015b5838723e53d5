/**
 * @module The Worker in local workerd for benchmarks: bundled once (edits to src/ during a run cannot restart
 * it), its model files served from a private copy of public/models (a build writing public/ cannot restart it
 * either), state in a temporary directory, one `wrangler dev` per model, each with an inspector port (V8 heap
 * figures) and the pid of the workerd process that runs the Worker (its RSS from /proc).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectInspector, type Inspector } from './inspector.ts';
import { freePort, startWranglerDev, type DevServer } from './wrangler-dev.ts';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const QUIET = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' };

export interface WorkerBundle {
  readonly script: string;
  readonly config: string;
  readonly dir: string;
  cleanup(): Promise<void>;
}

async function run(command: string, args: readonly string[]): Promise<void> {
  const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: QUIET });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${code}):\n${output}`);
}

/** Hard-links (or copies) the served files of the given models into `<dir>/assets/models/<id>/`. */
async function copyModels(dir: string, modelIds: readonly string[]): Promise<string> {
  const assets = join(dir, 'assets');
  for (const id of modelIds) {
    const from = join(REPO_ROOT, 'public', 'models', id);
    const to = join(assets, 'models', id);
    await mkdir(to, { recursive: true });
    for (const name of await readdir(from)) {
      await link(join(from, name), join(to, name)).catch(() => copyFile(join(from, name), join(to, name)));
    }
  }
  return assets;
}

/** `wrangler deploy --dry-run` into a temporary folder, plus a wrangler.toml that serves the private assets. */
export async function bundleWorker(modelIds: readonly string[]): Promise<WorkerBundle> {
  const dir = await mkdtemp(join(tmpdir(), 'edge-features-bench-'));
  try {
    await run('wrangler', ['deploy', '--dry-run', '--outdir', join(dir, 'dist'), '-c', join(REPO_ROOT, 'wrangler.toml')]);
    const assets = await copyModels(dir, modelIds);
    const script = join(dir, 'dist', 'worker.js');
    const original = await readFile(join(REPO_ROOT, 'wrangler.toml'), 'utf8');
    const config = original
      .replace(/^main\s*=.*$/m, `main = ${JSON.stringify(script)}`)
      .replace(/^directory\s*=.*$/m, `directory = ${JSON.stringify(assets)}`);
    if (!config.includes(JSON.stringify(assets))) throw new Error('wrangler.toml has no [assets] directory line to redirect');
    await writeFile(join(dir, 'wrangler.toml'), config);
    return {
      script,
      config: join(dir, 'wrangler.toml'),
      dir,
      cleanup: () => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

export interface ProcessMemory {
  /** Resident set size now, bytes. */
  readonly rss: number;
  /** Peak resident set size since the process started, bytes. */
  readonly hwm: number;
}

/** VmRSS and VmHWM of a process (Linux); synchronous, so sampling does not depend on event-loop order. */
function readProcessMemory(pid: number): ProcessMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1]) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Every process below `root` (Linux /proc). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended meanwhile
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/**
 * The workerd process that runs the Worker: wrangler starts two, a proxy listening on the public port and
 * the one with the Worker (its entry socket on port 0, an internal address).
 */
function findWorkerProcess(wranglerPid: number, publicPort: string): number | undefined {
  const candidates = descendants(wranglerPid).filter((pid) => {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return args[0]!.endsWith('workerd') && args[1] === 'serve' && !args.includes(`--socket-addr=entry=127.0.0.1:${publicPort}`);
    } catch {
      return false;
    }
  });
  return candidates.sort((a, b) => (readProcessMemory(b)?.rss ?? 0) - (readProcessMemory(a)?.rss ?? 0))[0];
}

export interface Health {
  readonly runtime: {
    readonly wasmMemoryBytes?: number;
    readonly codecWasmMemoryBytes?: number;
    readonly codecWasmPeakBytes?: number;
    readonly modelFileBytesLive?: number;
  };
}

export interface Timed {
  readonly ms: number;
  readonly status: number;
  readonly cache: string | null;
  readonly vector: number[] | undefined;
}

export interface BenchWorker {
  readonly modelId: string;
  readonly url: string;
  /** The workerd process running the Worker, when it could be found (Linux). */
  readonly workerPid: number | undefined;
  readonly inspector: Inspector | undefined;
  /** Embed requests answered so far. */
  readonly embeds: number;
  memory(): ProcessMemory | undefined;
  health(): Promise<Health>;
  /** POST /v1/embed, timed from the request to the last byte of the answer. */
  embed(image: Uint8Array<ArrayBuffer>, type: string, headers?: Record<string, string>): Promise<Timed>;
  stop(): Promise<void>;
}

export async function startBenchWorker(bundle: WorkerBundle, modelId: string, vars: Record<string, string> = {}): Promise<BenchWorker> {
  const persist = join(bundle.dir, `state-${modelId}`);
  const inspectorPort = await freePort();
  // Reads (embed) open whatever wrangler.toml says: the bench sends no API key.
  const server: DevServer = await startWranglerDev({ MODEL_ID: modelId, READ_AUTH: 'open', MAX_PIXELS: '12000000', ...vars }, 180_000, {
    args: [bundle.script, '--no-bundle', '-c', bundle.config, '--persist-to', persist, '--inspector-port', String(inspectorPort)],
  });
  const port = new URL(server.url).port;
  const workerPid = server.pid === undefined || process.platform !== 'linux' ? undefined : findWorkerProcess(server.pid, port);
  const inspector = await connectInspector(inspectorPort).catch(() => undefined);
  let embeds = 0;
  return {
    modelId,
    url: server.url,
    workerPid,
    inspector,
    get embeds() {
      return embeds;
    },
    memory: () => (workerPid === undefined ? undefined : readProcessMemory(workerPid)),
    health: async () => (await (await fetch(`${server.url}/healthz`)).json()) as Health,
    async embed(image, type, headers = {}) {
      const started = performance.now();
      const response = await fetch(`${server.url}/v1/embed`, {
        method: 'POST',
        body: image,
        headers: { 'content-type': type, ...headers },
      });
      const text = await response.text();
      const ms = performance.now() - started;
      if (!response.ok) throw new Error(`${modelId}: embed answered ${response.status}: ${text.slice(0, 300)}`);
      embeds++;
      return {
        ms,
        status: response.status,
        cache: response.headers.get('x-embed-cache'),
        vector: (JSON.parse(text) as { vector?: number[] }).vector,
      };
    },
    async stop() {
      inspector?.close();
      await server.stop();
    },
  };
}
