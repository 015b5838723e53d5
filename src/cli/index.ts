#!/usr/bin/env node
/**
 * @module The `edge-features` command line: index a folder of images, search, read and delete items, export and
 * import a namespace, start and follow jobs; every call through the typed client (src/client). The service URL and key
 * come from --url / --key or EDGE_FEATURES_URL / EDGE_FEATURES_KEY; --json prints one JSON document on stdout
 * for scripts (progress, if any, goes to stderr).
 *
 *   npx edge-features index photos/ --concurrency 4     (from the package; in the repository: npm run cli -- …)
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type CreateJobInput, createClient, EdgeFeaturesError, type EdgeFeaturesClient } from '../client/index.ts';
import { indexFolderAsJob } from './index-job.ts';
import { describeSummary, indexFolder } from './indexing.ts';
import { describeJob, exitCodeOf, followJob, JOB_EXIT_CODES, parseUrlList, URL_FILE_FORMAT } from './jobs.ts';
import { openLocalEmbedder, type EngineChoice } from './local.ts';
import { IndexState } from './state.ts';

interface Globals {
  url: string;
  key?: string;
  namespace?: string;
  json?: boolean;
}

const program = new Command('edge-features')
  .description('Index, search and move image collections on an edge-features service.')
  .addOption(new Option('--url <url>', 'the service').env('EDGE_FEATURES_URL').default('http://localhost:8787'))
  .addOption(new Option('--key <key>', 'an API key (Bearer)').env('EDGE_FEATURES_KEY'))
  .option('-n, --namespace <name>', 'the namespace (default: "default")')
  .option('--json', 'print one JSON document on stdout (for scripts)')
  .showHelpAfterError();

function globals(): Globals {
  return program.opts<Globals>();
}

function headers(g: Globals): Record<string, string> {
  return g.key ? { authorization: `Bearer ${g.key}` } : {};
}

function client(g = globals()): EdgeFeaturesClient {
  return createClient({ baseUrl: g.url, headers: headers(g), ...(g.namespace && { namespace: g.namespace }) });
}

/** Prints `value` as JSON with --json, else `human(value)`. */
function print<T>(value: T, human: (value: T) => string): void {
  process.stdout.write(`${globals().json ? JSON.stringify(value, null, 2) : human(value)}\n`);
}

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

async function servingModel(c: EdgeFeaturesClient) {
  const serving = (await c.models()).find((m) => m.serving);
  if (!serving) throw new Error(`${c.baseUrl}/v1/models names no serving model`);
  return serving;
}

program
  .command('index')
  .description('store every image under a folder (recursively) or matching a glob; resumable')
  .argument('<folder|glob>', 'a folder, or a quoted glob such as "photos/**/*.jpg"')
  .option('-c, --concurrency <n>', 'requests (and local embeds) in flight', positiveInt, 4)
  .option('--local', 'embed here (onnxruntime in Node, same preprocessing) and upload only the vectors')
  .option(
    '--job',
    "upload the images as one ingest job (PUT /v1/originals/{id}?job=) and follow it: the service's queue embeds them in batches",
  )
  .option('--interval <ms>', 'with --job: milliseconds between polls of the job', positiveInt, 1000)
  .addOption(
    new Option(
      '--engine <engine>',
      "with --local: native (onnxruntime-node), wasm (onnxruntime-web, the Worker's runtime) or auto (native for fp32 models, wasm for int8: native int8 kernels round differently)",
    )
      .choices(['auto', 'native', 'wasm'])
      .default('auto'),
  )
  .option(
    '--models-dir <dir>',
    'with --local: where model files are (default: public/models when present, else downloaded from the service)',
  )
  .option('--state <file>', 'the resume log (default: .edge-features/index-<hash of url, namespace, model>.ndjson)')
  .option('--no-progress', 'no progress bar')
  .action(
    async (
      target: string,
      o: {
        concurrency: number;
        local?: boolean;
        job?: boolean;
        interval: number;
        engine: EngineChoice;
        modelsDir?: string;
        state?: string;
        progress: boolean;
      },
    ) => {
      const g = globals();
      if (o.job && o.local) throw new Error('--job and --local are two ways to index: give one');
      const c = client(g);
      const serving = await servingModel(c);
      const model = { id: serving.id, version: serving.version, dims: serving.dims };
      const namespace = g.namespace || 'default';
      const statePath = o.state ?? (await IndexState.defaultPath(process.cwd(), c.baseUrl, namespace, `${model.id}@${model.version}`));
      const progress = o.progress && !g.json && process.stderr.isTTY === true;
      if (o.job) {
        const summary = await indexFolderAsJob({
          client: c,
          target,
          namespace,
          concurrency: o.concurrency,
          model,
          statePath,
          progress,
          intervalMs: o.interval,
        });
        print(summary, describeSummary);
        if (summary.failed > 0 || summary.collisions.length > 0) process.exitCode = 2;
        return;
      }
      const local = o.local
        ? await openLocalEmbedder({
            baseUrl: c.baseUrl,
            headers: headers(g),
            modelId: serving.id,
            engine: o.engine,
            modelsDir: o.modelsDir ?? 'public/models',
          })
        : undefined;
      try {
        const summary = await indexFolder({
          client: c,
          target,
          namespace,
          concurrency: o.concurrency,
          local,
          model,
          statePath,
          progress,
        });
        print(summary, describeSummary);
        if (summary.failed > 0 || summary.collisions.length > 0) process.exitCode = 2;
      } finally {
        await local?.release();
      }
    },
  );

program
  .command('search')
  .description('the items nearest to an image')
  .argument('<image>', 'an image file')
  .option('-k, --k <k>', 'how many', positiveInt, 10)
  .action(async (image: string, o: { k: number }) => {
    const found = await client().search({ image: new Uint8Array(await readFile(image)) }, { k: o.k });
    print(found, (r) => r.results.map((m) => `${m.score.toFixed(4)}  ${m.id}`).join('\n') || '(no items)');
  });

program
  .command('similar')
  .description("a stored item's nearest neighbours")
  .argument('<id>')
  .option('-k, --k <k>', 'how many', positiveInt, 10)
  .action(async (id: string, o: { k: number }) => {
    const found = await client().similar(id, { k: o.k });
    print(found, (r) => r.results.map((m) => `${m.score.toFixed(4)}  ${m.id}`).join('\n') || '(no other items)');
  });

program
  .command('get')
  .description('one item (metadata; --vector adds the vector)')
  .argument('<id>')
  .option('--vector', 'include the vector')
  .action(async (id: string, o: { vector?: boolean }) => {
    const item = await client().getItem(id, { vector: o.vector === true });
    if (!item) {
      print({ id, found: false }, () => `no item "${id}"`);
      process.exitCode = 1;
      return;
    }
    const shown = item.vector ? { ...item, vector: Array.from(item.vector) } : item;
    print(shown, (i) => JSON.stringify(i, null, 2));
  });

program
  .command('delete')
  .description('delete an item (whether or not it exists)')
  .argument('<id>')
  .action(async (id: string) => {
    await client().deleteItem(id);
    print({ id, deleted: true }, () => `deleted "${id}"`);
  });

program
  .command('export')
  .description('the namespace as NDJSON (Vectorize bulk-insert lines); the model goes to stderr (or the --json summary)')
  .option('-o, --out <file>', 'write here instead of stdout')
  .action(async (o: { out?: string }) => {
    const exported = await client().exportNamespace();
    const model = `${exported.model.id}@${exported.model.version}`;
    if (!o.out) {
      await pipeline(Readable.fromWeb(exported.body as import('node:stream/web').ReadableStream<Uint8Array>), process.stdout);
      process.stderr.write(`model ${model}, ${exported.dims}-d\n`);
      return;
    }
    let lines = 0;
    const counted = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        for (const byte of chunk) if (byte === 10) lines++;
        controller.enqueue(chunk);
      },
    });
    try {
      await pipeline(
        Readable.fromWeb(exported.body.pipeThrough(counted) as import('node:stream/web').ReadableStream<Uint8Array>),
        createWriteStream(o.out),
      );
    } catch (error) {
      // A broken transfer leaves no file that could pass for a whole export.
      await rm(o.out, { force: true });
      throw new Error(
        `the export broke off after ${lines} items (${error instanceof Error ? error.message : String(error)}); ${o.out} removed`,
      );
    }
    print(
      { file: o.out, items: lines, model: exported.model, dims: exported.dims },
      (r) => `${r.items} items (${model}, ${r.dims}-d) -> ${r.file}`,
    );
  });

program
  .command('import')
  .description('NDJSON lines (an export) into the namespace, in requests of --chunk lines; the model must be the serving one')
  .argument('<file>')
  .option('--model <id@version>', 'the model that made the vectors (default: the serving model, i.e. same-model files only)')
  .option('--chunk <n>', 'lines per request (the service takes IMPORT_MAX_ITEMS, 200 by default)', positiveInt, 200)
  .action(async (file: string, o: { model?: string; chunk: number }) => {
    const c = client();
    const serving = await servingModel(c);
    const [id, version] = o.model ? o.model.split('@') : [serving.id, serving.version];
    const model = { id: id!, version: version ?? '', dims: serving.dims };
    let written = 0;
    let chunk: string[] = [];
    let first = 1;
    let lineNo = 0;
    const send = async () => {
      if (chunk.length === 0) return;
      try {
        written += (await c.importNdjson(`${chunk.join('\n')}\n`, { model })).written;
      } catch (error) {
        const problem = error instanceof EdgeFeaturesError ? error.problem : undefined;
        if (problem && typeof problem.written === 'number') {
          written += problem.written;
          const line = typeof problem.line === 'number' ? first + problem.line - 1 : undefined;
          throw new Error(
            `${problem.title}${line ? ` at line ${line} of ${file}` : ''}: ${problem.detail} ${written} item(s) before it are written; nothing after it was sent.`,
          );
        }
        throw error;
      }
      first = lineNo + 1;
      chunk = [];
    };
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
      lineNo++;
      chunk.push(line);
      if (chunk.length >= o.chunk) await send();
    }
    await send();
    print(
      { file, written, lines: lineNo, model: { id: model.id, version: model.version } },
      (r) => `${r.written} items from ${r.file} (${r.lines} lines)`,
    );
  });

const jobs = program
  .command('jobs')
  .description('bulk ingestion and re-index jobs (GET/POST /v1/jobs; docs/jobs.md)')
  .addHelpText('after', JOB_EXIT_CODES);
const jobLine = (j: { id: string; type: string; state: string; counts: { done: number; total: number; failed: number } }) =>
  `${j.id}  ${j.type}  ${j.state}  ${j.counts.done}/${j.counts.total} done, ${j.counts.failed} failed`;
const waitOption = () => new Option('--wait', 'follow the job until it ends (a progress bar on stderr), then print a summary');
const intervalOption = () =>
  new Option('--interval <ms>', 'with --wait: time between polls of the job').argParser(positiveInt).default(1000);

/** Follows the job to its end, prints it (the job with --json, a summary otherwise) and sets the exit code. */
async function waitFor(c: EdgeFeaturesClient, id: string, intervalMs: number): Promise<void> {
  const g = globals();
  const job = await followJob(c, id, { intervalMs, progress: !g.json && process.stderr.isTTY === true });
  print(job, describeJob);
  process.exitCode = exitCodeOf(job);
}

/** Starts a job; prints it, or follows it with --wait. */
async function start(input: CreateJobInput, o: { wait?: boolean; interval: number }): Promise<void> {
  const c = client();
  const job = await c.createJob(input);
  if (!o.wait) return print(job, (j) => `${jobLine(j)}\nfollow it: edge-features jobs wait ${j.id}`);
  if (!globals().json) process.stderr.write(`started ${jobLine(job)}\n`);
  await waitFor(c, job.id, o.interval);
}

jobs
  .command('list', { isDefault: true })
  .description('the newest jobs')
  .action(async () => {
    const list = await client().listJobs();
    print(list, (l) => l.jobs.map(jobLine).join('\n') || '(no jobs)');
  });
jobs
  .command('get')
  .description('a job: its state, counts, first failures and rate')
  .argument('<id>')
  .addOption(waitOption())
  .addOption(intervalOption())
  .addHelpText('after', JOB_EXIT_CODES)
  .action(async (id: string, o: { wait?: boolean; interval: number }) => {
    const c = client();
    if (o.wait) return waitFor(c, id, o.interval);
    const job = await c.getJob(id);
    if (!job) {
      print({ id, found: false }, () => `no job "${id}"`);
      process.exitCode = 1;
      return;
    }
    print(job, (j) => `${jobLine(j)}\n${JSON.stringify(j, null, 2)}`);
  });
jobs
  .command('wait')
  .description('follow a job until it is done, failed or cancelled (a progress bar on stderr), then print a summary')
  .argument('<id>')
  .addOption(intervalOption())
  .addHelpText('after', JOB_EXIT_CODES)
  .action((id: string, o: { interval: number }) => waitFor(client(), id, o.interval));
jobs
  .command('cancel')
  .description('cancel a job: its items still queued are dropped; a finished job is answered as it is')
  .argument('<id>')
  .action(async (id: string) => {
    print(await client().cancelJob(id), jobLine);
  });
jobs
  .command('ingest')
  .description('start an ingest job of image URLs (--urls) or of the ORIGINALS objects under a prefix (--r2-prefix)')
  .option('--urls <file>', `a file of image URLs, ${URL_FILE_FORMAT}; blank and "#" lines skipped; "-" reads stdin`)
  .option('--r2-prefix <prefix>', 'every object of the ORIGINALS bucket under this prefix (an item id is the key after its last "/")')
  .addOption(waitOption())
  .addOption(intervalOption())
  .addHelpText('after', JOB_EXIT_CODES)
  .action(async (o: { urls?: string; r2Prefix?: string; wait?: boolean; interval: number }) => {
    if ((o.urls === undefined) === (o.r2Prefix === undefined)) throw new Error('give one of --urls <file> and --r2-prefix <prefix>');
    const source =
      o.urls !== undefined
        ? {
            urls: parseUrlList(
              o.urls === '-' ? await text(process.stdin) : await readFile(o.urls, 'utf8'),
              o.urls === '-' ? 'stdin' : o.urls,
            ),
          }
        : { r2Prefix: o.r2Prefix! };
    await start({ type: 'ingest', source }, o);
  });
jobs
  .command('reindex')
  .description("start a re-index job: the namespace's items embedded again from their originals, e.g. before a model switch")
  .option('--model <id>', 'the model to build vectors of (default: the serving model)')
  .option('--from <id>', 'the model whose items are re-embedded (default: the serving model)')
  .option('--switch', 'serve --model once the job is done with no failed item; covers every namespace (docs/jobs.md)')
  .addOption(waitOption())
  .addOption(intervalOption())
  .addHelpText('after', JOB_EXIT_CODES)
  .action(async (o: { model?: string; from?: string; switch?: boolean; wait?: boolean; interval: number }) => {
    if (o.switch && globals().namespace) throw new Error('--switch re-indexes every namespace: leave -n/--namespace out');
    await start(
      { type: 'reindex', ...(o.model && { model: o.model }), ...(o.from && { from: o.from }), ...(o.switch && { switch: true }) },
      o,
    );
  });

try {
  await program.parseAsync();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  if (globals().json) {
    const problem = error instanceof EdgeFeaturesError ? error.problem : undefined;
    process.stdout.write(`${JSON.stringify({ error: message, ...(problem && { problem }) }, null, 2)}\n`);
  } else {
    process.stderr.write(`edge-features: ${message}\n`);
  }
  process.exitCode = 1;
}
