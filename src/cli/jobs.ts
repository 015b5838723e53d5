/**
 * @module `edge-features jobs`: the file of image URLs an ingest job is made of, following a job to its end (a
 * progress bar on stderr, GET /v1/jobs/{id} polled), and the summary and exit code of a finished job.
 */
import cliProgress from 'cli-progress';
import type * as z from 'zod';
import { EdgeFeaturesError, type EdgeFeaturesClient, type Job } from '../client/index.ts';
import { UrlSourceItem } from '../contract/jobs.ts';

export type UrlItem = z.infer<typeof UrlSourceItem>;

/** What `--help` says about the exit codes of the commands that wait for a job. */
export const JOB_EXIT_CODES = `
Exit codes (with --wait, and of "jobs wait"):
  0  the job is done and no item failed (done or skipped)
  1  the command failed: a bad argument or file, a refused request (e.g. 413 job-too-large), no such job
  2  the job ended with failed items (state "done" with failures, or "failed": every item failed)
  3  the job was cancelled
`;

/** The format of a --urls file, for --help and error messages. */
export const URL_FILE_FORMAT = 'one item a line: "<id> <url>" (whitespace between) or a JSON object {"id", "url", "metadata"?}';

const STATES_AT_END = new Set<Job['state']>(['done', 'failed', 'cancelled']);

/**
 * The items of a --urls file: each line is `<id> <url>` or an NDJSON object `{"id", "url", "metadata"?}` (told
 * apart by a leading "{"); blank lines and lines starting with "#" are skipped. Each item is checked against the
 * contract here, so a bad line is reported by its number before anything is sent; an id given twice too.
 */
export function parseUrlList(text: string, file: string): UrlItem[] {
  const items: UrlItem[] = [];
  const firstLine = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const at = `${file} line ${index + 1}`;
    let candidate: unknown;
    if (line.startsWith('{')) {
      try {
        candidate = JSON.parse(line);
      } catch (error) {
        throw new Error(`${at}: not JSON (${error instanceof Error ? error.message : String(error)}); expected ${URL_FILE_FORMAT}`);
      }
    } else {
      const fields = line.split(/\s+/);
      if (fields.length !== 2) throw new Error(`${at}: ${fields.length} field(s); expected ${URL_FILE_FORMAT}`);
      candidate = { id: fields[0], url: fields[1] };
    }
    const parsed = UrlSourceItem.strict().safeParse(candidate);
    if (!parsed.success) {
      const why = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'the line'}: ${issue.message}`).join('; ');
      throw new Error(`${at}: ${why}`);
    }
    const seen = firstLine.get(parsed.data.id);
    if (seen !== undefined) throw new Error(`${at}: id "${parsed.data.id}" is given twice (first on line ${seen})`);
    firstLine.set(parsed.data.id, index + 1);
    items.push(parsed.data);
  }
  if (items.length === 0) throw new Error(`${file}: no items; expected ${URL_FILE_FORMAT}`);
  return items;
}

/** Items that have an outcome: done, failed or skipped. */
export const finishedOf = (job: Job) => job.counts.done + job.counts.failed + job.counts.skipped;

/** 0: done without failures; 2: failed items; 3: cancelled (see {@link JOB_EXIT_CODES}). */
export function exitCodeOf(job: Job): number {
  if (job.state === 'cancelled') return 3;
  return job.state === 'failed' || job.counts.failed > 0 ? 2 : 0;
}

function seconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A transient answer while polling: the service unreachable, busy or rate-limited. */
function transient(error: unknown): boolean {
  if (!(error instanceof EdgeFeaturesError)) return false;
  return error.kind === 'network' || [429, 502, 503, 504].includes(error.status ?? 0);
}

export interface FollowOptions {
  readonly intervalMs: number;
  /** Draws a progress bar on stderr. */
  readonly progress: boolean;
  /** Polls that may fail in a row (network, 429, 5xx) before giving up. */
  readonly retries?: number;
  /** Stops following early once this holds (e.g. every item that was uploaded has an outcome). */
  readonly until?: (job: Job) => boolean;
}

/**
 * Polls the job every `intervalMs` until it is done, failed or cancelled, and answers it. The bar counts items
 * with an outcome (done + failed + skipped) of the total, with the job's rate and the ETA it gives.
 */
export async function followJob(client: EdgeFeaturesClient, id: string, options: FollowOptions): Promise<Job> {
  const bar = options.progress
    ? new cliProgress.SingleBar(
        {
          format: ' {bar} {value}/{total} | {rate} items/s | ETA {left} | failed {failed} | {state}',
          hideCursor: true,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const interrupted = () => {
    bar?.stop();
    process.stderr.write(`\nstopped following job ${id}; it goes on (edge-features jobs wait ${id})\n`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  let started = false;
  try {
    for (let failedPolls = 0; ; ) {
      let job: Job | null;
      try {
        job = await client.getJob(id);
        failedPolls = 0;
      } catch (error) {
        if (!transient(error) || ++failedPolls > (options.retries ?? 5)) throw error;
        await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
        continue;
      }
      if (!job) throw new Error(`no job "${id}"`);
      const finished = finishedOf(job);
      const rate = job.rate ?? 0;
      const payload = {
        rate: rate.toFixed(1),
        left: rate > 0 ? seconds((job.counts.queued || 0) / rate) : '?',
        failed: job.counts.failed,
        state: job.state,
      };
      if (bar && !started) bar.start(job.counts.total, finished, payload);
      started = true;
      bar?.setTotal(job.counts.total);
      bar?.update(finished, payload);
      if (STATES_AT_END.has(job.state) || options.until?.(job)) return job;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
    }
  } finally {
    process.removeListener('SIGINT', interrupted);
    bar?.stop();
  }
}

/** Whole seconds from the job's start to its end. */
function durationOf(job: Job): number | undefined {
  if (!job.startedAt || !job.finishedAt) return undefined;
  return (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000;
}

/** A finished job for people: its counts, rate and failures (the problem kind and detail of each). */
export function describeJob(job: Job): string {
  const c = job.counts;
  const cancelled = c.cancelled > 0 ? `, ${c.cancelled} cancelled` : '';
  const took = durationOf(job);
  const speed = [took !== undefined && `in ${seconds(took)}`, job.rate !== undefined && `${job.rate.toFixed(1)} items/s`]
    .filter(Boolean)
    .join(', ');
  const lines = [
    `job ${job.id} (${job.type}${job.model ? ` to ${job.model}` : ''}, namespace "${job.namespace}") ${job.state}: ` +
      `${c.done} done, ${c.skipped} skipped, ${c.failed} failed${cancelled} of ${c.total}${speed ? ` (${speed})` : ''}`,
  ];
  if (job.switch) {
    const { from, to, state, detail } = job.switch;
    lines.push(`served model: ${from} -> ${to}: ${state}${detail ? ` (${detail})` : ''}`);
  }
  if (job.failures.length > 0) lines.push('failed:');
  for (const f of job.failures) lines.push(`  ${f.id}  ${f.problem.type.split('/').pop()}: ${f.problem.detail}`);
  if (c.failed > job.failures.length)
    lines.push(`  … and ${c.failed - job.failures.length} more, not listed (a job lists its first 100 failures)`);
  return lines.join('\n');
}
