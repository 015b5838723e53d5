/**
 * @module `edge-features index`: every image of a folder or glob stored as an item, in parallel, with a progress
 * bar (count, rate, ETA) and a summary of failures at the end. Upload mode sends the image (the service embeds
 * it); `--local` embeds here and sends only the vector with its model (accepted for the serving model only).
 * Resumable through {@link IndexState}: a stored id with the same content is not sent again.
 */
import { readFile } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import { EdgeFeaturesError, type EdgeFeaturesClient, type Job } from '../client/index.ts';
import { IMAGE_ERROR_PROBLEMS, ProblemError } from '../contract/problems.ts';
import { ImageError } from '../core/image/types.ts';
import { sha256Hex } from '../core/util/sha256.ts';
import { findImages, type Found, type FoundImage } from './files.ts';
import type { LocalEmbedder } from './local.ts';
import { IndexState } from './state.ts';

export interface IndexOptions {
  readonly client: EdgeFeaturesClient;
  readonly target: string;
  readonly namespace: string;
  readonly concurrency: number;
  /** Embeds locally and uploads vectors; absent: uploads images. */
  readonly local: LocalEmbedder | undefined;
  readonly model: { readonly id: string; readonly version: string; readonly dims: number };
  readonly statePath: string;
  /** Draws a progress bar on stderr. */
  readonly progress: boolean;
  /** Retries of a 429 or 503 (after Retry-After, at most 10 s). */
  readonly retries?: number;
}

export interface IndexFailure {
  readonly path: string;
  readonly id: string;
  readonly status: number | undefined;
  readonly kind: string | undefined;
  readonly message: string;
}

export interface IndexSummary {
  readonly mode: 'upload' | 'local' | 'job';
  /** With --job: the ingest job, as it ended. */
  readonly job?: Job;
  readonly engine?: string;
  readonly namespace: string;
  readonly model: string;
  readonly found: number;
  readonly indexed: number;
  /** Already stored with the same content (an earlier run). */
  readonly unchanged: number;
  readonly failed: number;
  readonly skippedFiles: string[];
  readonly collisions: Array<{ readonly id: string; readonly paths: string[] }>;
  readonly failures: IndexFailure[];
  readonly seconds: number;
  /** Items stored per second of this run. */
  readonly rate: number;
  readonly state: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Milliseconds to wait before trying a failed request again; undefined: not worth a retry. */
export function retryable(error: unknown): number | undefined {
  if (!(error instanceof EdgeFeaturesError)) return undefined;
  if (error.kind === 'network') return 1000;
  if (error.status === 429 || error.status === 503) return 1000;
  return undefined;
}

/** The problem kind of a failure: the service's, or the one it would answer for a local embed's. */
export function kindOf(error: unknown): string | undefined {
  if (error instanceof EdgeFeaturesError) return error.problemKind;
  if (error instanceof ProblemError) return error.kind;
  if (error instanceof ImageError) return IMAGE_ERROR_PROBLEMS[error.code];
  return undefined;
}

/** A failure as the summary lists it. */
export function failureOf(image: FoundImage, error: unknown): IndexFailure {
  return {
    path: image.relative,
    id: image.id,
    status: error instanceof EdgeFeaturesError ? error.status : undefined,
    kind: kindOf(error),
    message: error instanceof Error ? error.message : String(error),
  };
}

/** `fn`, again after a 429, 503 or network error (waiting 1 s, doubling), at most `retries` times. */
export async function withRetries<T>(fn: () => Promise<T>, retries: number): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const wait = retryable(error);
      if (wait === undefined || attempt >= retries) throw error;
      await sleep(wait * 2 ** attempt);
    }
  }
}

/** Runs `task` over `items`, `concurrency` at a time. */
export async function pool<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.max(1, concurrency) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await task(item);
    }),
  );
}

/** A bar on stderr: count, rate, ETA and failures. */
export function progressBar(what: string): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    {
      format: ` ${what} {bar} {value}/{total} | {rate} img/s | ETA {eta_formatted} | failed {failed}`,
      hideCursor: true,
      stream: process.stderr,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
}

export async function indexFolder(options: IndexOptions): Promise<IndexSummary> {
  const { client, namespace, local, model } = options;
  const started = performance.now();
  const found = await findImages(options.target);
  const state = await IndexState.open(options.statePath);
  const bar = options.progress ? progressBar('') : undefined;
  bar?.start(found.images.length, 0, { rate: '0.0', failed: 0 });

  let done = 0;
  let indexed = 0;
  let unchanged = 0;
  const failures: IndexFailure[] = [];
  const tick = () => {
    done++;
    const seconds = (performance.now() - started) / 1000;
    bar?.update(done, { rate: (indexed / Math.max(seconds, 1e-3)).toFixed(1), failed: failures.length });
  };

  async function store(image: FoundImage, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
    const metadata = { file: image.relative };
    const source = local ? { vector: await local.extractor.embed(bytes), model } : { image: bytes };
    await withRetries(() => client.putItem(image.id, source, { namespace, metadata }), options.retries ?? 3);
  }

  async function one(image: FoundImage): Promise<void> {
    try {
      const bytes = new Uint8Array(await readFile(image.path));
      const hash = await sha256Hex(bytes);
      if (state.has(image.id, hash)) {
        unchanged++;
        return;
      }
      await store(image, bytes);
      await state.record(image.id, hash);
      indexed++;
    } catch (error) {
      failures.push(failureOf(image, error));
    } finally {
      tick();
    }
  }

  await pool(found.images, options.concurrency, one);
  bar?.stop();
  return summaryOf(found, state, model, started, {
    mode: local ? 'local' : 'upload',
    ...(local && { engine: local.engine }),
    namespace,
    indexed,
    unchanged,
    failed: failures.length,
    failures,
  });
}

/** A run's summary: what it counted, with what the folder walk and the state log say and its rate since `started`. */
export function summaryOf(
  found: Found,
  state: IndexState,
  model: { readonly id: string; readonly version: string },
  started: number,
  counted: Pick<IndexSummary, 'mode' | 'engine' | 'job' | 'namespace' | 'indexed' | 'unchanged' | 'failed' | 'failures'>,
): IndexSummary {
  const seconds = (performance.now() - started) / 1000;
  return {
    ...counted,
    model: `${model.id}@${model.version}`,
    found: found.images.length,
    skippedFiles: found.skipped,
    collisions: found.collisions,
    seconds,
    rate: counted.indexed / seconds,
    state: state.path,
  };
}

/** The summary for a person: counts, then each failure grouped by its problem. */
export function describeSummary(summary: IndexSummary): string {
  const lines = [
    `${summary.indexed} indexed, ${summary.unchanged} unchanged (already stored), ${summary.failed} failed of ${summary.found} images ` +
      `into "${summary.namespace}" (${summary.model}, ${summary.mode}${summary.engine ? ` ${summary.engine}` : ''}) in ` +
      `${summary.seconds.toFixed(1)} s: ${summary.rate.toFixed(1)} img/s`,
  ];
  if (summary.job) {
    const { id, state, counts } = summary.job;
    lines.push(
      `job ${id} ${state}: ${counts.done} done, ${counts.skipped} skipped, ${counts.failed} failed, ${counts.cancelled} cancelled of ${counts.total}`,
    );
  }
  if (summary.skippedFiles.length) lines.push(`${summary.skippedFiles.length} file(s) are not images and were skipped`);
  for (const c of summary.collisions) lines.push(`not indexed: ${c.paths.join(', ')} all map to id "${c.id}"`);
  const groups = new Map<string, IndexFailure[]>();
  for (const f of summary.failures) {
    const key = f.kind ?? (f.status ? `HTTP ${f.status}` : 'error');
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  for (const [kind, list] of groups) {
    lines.push(`failed (${kind}): ${list.length}`);
    for (const f of list.slice(0, 10)) lines.push(`  ${f.path}: ${f.message}`);
    if (list.length > 10) lines.push(`  … and ${list.length - 10} more (--json lists them all)`);
  }
  lines.push(`state: ${summary.state}`);
  return lines.join('\n');
}
