/**
 * @module A resumable HTTP(S) download to a `.part` file, for large files on flaky links (Node only).
 *
 * - Resumes: when the `.part` file has bytes, asks for the rest with `Range: bytes=N-` (plus `If-Range`
 *   with the validator of an earlier response in this run, so a file that changed meanwhile is sent whole).
 *   206 with a matching `Content-Range` appends; 200 (a server that ignores ranges) starts over; 416 at
 *   the exact end means the part is already complete.
 * - Retries transient failures (connection errors, a body cut short, no data for `stallTimeoutMs`, HTTP 408
 *   / 429 / 5xx) with exponential backoff, at most `retries` times in a row without progress: a retry that
 *   got further than any before resets the count, so a slow but advancing download finishes and a server
 *   that always fails at the same point does not loop forever.
 * - Fails fast with an `offline` error when the host cannot be reached at all (DNS failure, refused,
 *   unreachable) before any response: `offlineRetries` attempts, not `retries`.
 * - Other 4xx are final (`http`), with the status and URL.
 * Sends `Accept-Encoding: identity`, so byte offsets are those of the file itself.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat, truncate } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import cliProgress from 'cli-progress';

export type FetchErrorKind = 'offline' | 'http' | 'network' | 'checksum' | 'io' | 'usage';

export class FetchError extends Error {
  override name = 'FetchError';
  readonly kind: FetchErrorKind;
  constructor(kind: FetchErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

export interface DownloadOptions {
  /** Consecutive failures without progress before giving up (default 5). */
  readonly retries?: number;
  /** Attempts when the host cannot be reached at all, before any response (default 2). */
  readonly offlineRetries?: number;
  /** First backoff delay; doubles each time, capped at `maxRetryDelayMs` (defaults 1 s, 30 s). */
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  /** Abort and retry when no data arrives for this long (default 60 s). */
  readonly stallTimeoutMs?: number;
  /** 'auto': a bar when stdout is a TTY, plain lines otherwise. */
  readonly progress?: ProgressMode;
  readonly log?: (line: string) => void;
  readonly userAgent?: string;
}

export interface DownloadResult {
  /** Bytes in the completed `.part` file. */
  readonly bytes: number;
  /** Bytes the `.part` file already held when the download started (from an earlier run). */
  readonly resumedFrom: number;
  /** HTTP requests made. */
  readonly requests: number;
}

/** Hex md5 of a file, streamed. */
export async function md5File(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

// ---------------------------------------------------------------------------------------------------------
// Progress

interface Progress {
  start(total: number | undefined, done: number): void;
  update(done: number): void;
  stop(): void;
}

function makeProgress(mode: ProgressMode, log: (line: string) => void, label: string): Progress {
  const useBar = mode === 'bar' || (mode === 'auto' && process.stdout.isTTY === true);
  if (mode === 'none') return { start() {}, update() {}, stop() {} };
  let bar: cliProgress.SingleBar | undefined;
  let total: number | undefined;
  let lastLogged = -1;
  let lastTime = 0;
  let startedAt = 0;
  let startDone = 0;
  const speed = (done: number): string => {
    const s = (performance.now() - startedAt) / 1000;
    return s > 0.5 ? `${formatBytes((done - startDone) / s)}/s` : '';
  };
  return {
    start(t, done) {
      total = t;
      startedAt = performance.now();
      startDone = done;
      lastLogged = -1;
      log(
        `${label}: ${done > 0 ? `resuming at ${formatBytes(done)} of` : 'downloading'} ${total === undefined ? 'unknown size' : formatBytes(total)}`,
      );
      if (useBar && total !== undefined) {
        bar = new cliProgress.SingleBar(
          {
            format: '  {bar} {percentage}% | {doneText} / {totalText} | {speed} | ETA {eta_formatted}',
            barsize: 24,
            stream: process.stdout,
            hideCursor: false,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done, { doneText: formatBytes(done), totalText: formatBytes(total), speed: '' });
      }
    },
    update(done) {
      if (bar) {
        bar.update(done, { doneText: formatBytes(done), speed: speed(done) });
        return;
      }
      // Plain lines: every 10 %, or every 10 s / 8 MiB when the size is unknown.
      const now = performance.now();
      if (total !== undefined && total > 0) {
        const step = Math.floor((done / total) * 10);
        if (step > lastLogged && step < 10) {
          if (lastLogged >= 0) log(`${label}: ${step * 10}% (${formatBytes(done)} of ${formatBytes(total)}) ${speed(done)}`.trimEnd());
          lastLogged = step;
        }
      } else if (now - lastTime > 10_000 || Math.floor(done / 8388608) > lastLogged) {
        lastTime = now;
        lastLogged = Math.floor(done / 8388608);
        log(`${label}: ${formatBytes(done)} ${speed(done)}`.trimEnd());
      }
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Error classification

const OFFLINE_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EAI_FAIL',
  'EAI_NODATA',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The system error code behind a fetch failure (`fetch failed` wraps it in `cause`, sometimes an AggregateError). */
export function errorCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e !== null && typeof e === 'object'; depth++) {
    const o = e as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof o.code === 'string') return o.code;
    if (Array.isArray(o.errors) && o.errors.length > 0) {
      const inner = errorCode(o.errors[0]);
      if (inner !== undefined) return inner;
    }
    e = o.cause;
  }
  return undefined;
}

/** A one-line description of a network failure. */
export function describeNetworkError(error: unknown, host: string): string {
  const code = errorCode(error);
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
      return `DNS lookup of ${host} failed (${code})`;
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return `DNS lookup of ${host} failed (${code}: no name server answered)`;
    case 'ECONNREFUSED':
      return `connection to ${host} refused (ECONNREFUSED)`;
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return `no network route to ${host} (${code})`;
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
      return `${host} is unreachable (${code})`;
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `connecting to ${host} timed out`;
    default: {
      const inner = (error as { cause?: { message?: string } }).cause?.message;
      const message = error instanceof Error ? error.message : String(error);
      return `${message}${inner && inner !== message ? ` (${inner})` : ''}${code ? ` [${code}]` : ''}`;
    }
  }
}

class Transient extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, retryAfterMs?: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** Start the attempt over at once, without counting a failure (the part file was reset). */
class Restart extends Error {}

function retryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function httpHint(status: number): string {
  if (status === 404 || status === 410) return ': the file is not at this address (check the URL or the mirror path)';
  if (status === 401 || status === 403) return ': access denied (a mirror that needs credentials, or a proxy blocking it?)';
  return '';
}

// ---------------------------------------------------------------------------------------------------------
// Download

/**
 * Downloads `url` into `partPath`, resuming what it holds. Verifies nothing: the caller checks the bytes
 * (md5) and renames. `label` names the file in progress lines.
 */
export async function downloadToPart(
  url: string,
  partPath: string,
  options: DownloadOptions = {},
  label = 'download',
): Promise<DownloadResult> {
  const retries = options.retries ?? 5;
  const offlineRetries = options.offlineRetries ?? 2;
  const baseDelay = options.retryDelayMs ?? 1000;
  const maxDelay = options.maxRetryDelayMs ?? 30_000;
  const stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
  const log = options.log ?? ((line: string) => console.log(line));
  const progress = makeProgress(options.progress ?? 'auto', log, label);
  const host = new URL(url).host;

  const resumedFrom = (await fileSize(partPath)) ?? 0;
  let best = resumedFrom;
  let failures = 0;
  let requests = 0;
  let responded = false;
  let validator: string | undefined;
  let useRange = true;

  const attempt = async (): Promise<number> => {
    const offset = (await fileSize(partPath)) ?? 0;
    const headers: Record<string, string> = {
      'accept-encoding': 'identity',
      'user-agent': options.userAgent ?? 'edge-features-fetch-weights',
    };
    if (offset > 0 && useRange) {
      headers['range'] = `bytes=${offset}-`;
      if (validator !== undefined) headers['if-range'] = validator;
    }
    const controller = new AbortController();
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    const armStallTimer = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, stallTimeoutMs);
    };
    armStallTimer();
    try {
      requests++;
      let response: Response;
      try {
        response = await fetch(url, { headers, signal: controller.signal, redirect: 'follow' });
      } catch (error) {
        if (stalled) throw new Transient(`no response from ${host} for ${stallTimeoutMs / 1000} s`);
        throw error;
      }
      responded = true;
      const { status } = response;
      if (status === 416) {
        await response.body?.cancel();
        const total = /^bytes \*\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1];
        if (total !== undefined && Number(total) === offset) return offset; // the part was already complete
        log(`${label}: the server says the partial file (${formatBytes(offset)}) is past the end: starting over`);
        await truncate(partPath, 0);
        throw new Restart();
      }
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
        await response.body?.cancel();
        throw new FetchError('http', `HTTP ${status} ${response.statusText} from ${response.url || url}${httpHint(status)}`);
      }
      if (status >= 400 || (status !== 200 && status !== 206)) {
        await response.body?.cancel();
        throw new Transient(`HTTP ${status} ${response.statusText} from ${host}`, retryAfter(response.headers.get('retry-after')));
      }
      const encoding = (response.headers.get('content-encoding') ?? 'identity').toLowerCase();
      const length = encoding === 'identity' ? Number(response.headers.get('content-length') ?? NaN) : NaN;
      let start: number;
      let total: number | undefined;
      if (status === 206) {
        const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
        if (m === null || Number(m[1]) !== offset) {
          await response.body?.cancel();
          log(
            `${label}: the server answered the range request with Content-Range ${JSON.stringify(response.headers.get('content-range'))}: starting over without ranges`,
          );
          useRange = false;
          await truncate(partPath, 0);
          throw new Restart();
        }
        start = offset;
        total = m[3] === '*' ? undefined : Number(m[3]);
      } else {
        if (offset > 0 && headers['range'] !== undefined) {
          log(`${label}: the server does not resume (HTTP 200 to a range request): starting over`);
        }
        start = 0;
        total = Number.isFinite(length) ? length : undefined;
      }
      const etag = response.headers.get('etag');
      validator = etag !== null && !etag.startsWith('W/') ? etag : (response.headers.get('last-modified') ?? undefined);

      const handle = await open(partPath, start === 0 ? 'w' : 'a');
      let done = start;
      progress.start(total, start);
      try {
        const reader = response.body?.getReader();
        for (;;) {
          if (reader === undefined) break;
          const { done: end, value: chunk } = await reader.read();
          if (end) break;
          armStallTimer();
          for (let written = 0; written < chunk.byteLength; ) {
            written += (await handle.write(chunk, written)).bytesWritten;
          }
          done += chunk.byteLength;
          progress.update(done);
        }
        await handle.sync();
      } catch (error) {
        const code = errorCode(error);
        if (code !== undefined && /^E(NOSPC|ACCES|PERM|ROFS|DQUOT|IO|ISDIR|MFILE|FBIG)$/.test(code)) {
          throw new FetchError('io', `cannot write ${partPath}: ${(error as Error).message}`, { cause: error });
        }
        if (stalled) throw new Transient(`no data from ${host} for ${stallTimeoutMs / 1000} s at ${formatBytes(done)}`);
        throw new Transient(
          `connection lost at ${formatBytes(done)}${total === undefined ? '' : ` of ${formatBytes(total)}`}: ${describeNetworkError(error, host)}`,
        );
      } finally {
        progress.stop();
        await handle.close();
      }
      if (total !== undefined && done < total) {
        throw new Transient(`the connection closed at ${formatBytes(done)} of ${formatBytes(total)}`);
      }
      if (total !== undefined && done > total) {
        await truncate(partPath, 0);
        throw new Transient(`received ${done} bytes, more than the announced ${total}`);
      }
      return done;
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  };

  for (;;) {
    try {
      const bytes = await attempt();
      return { bytes, resumedFrom, requests };
    } catch (error) {
      if (error instanceof Restart) continue;
      if (error instanceof FetchError) throw error;
      const offline = !responded && !(error instanceof Transient) && OFFLINE_CODES.has(errorCode(error) ?? '');
      const message = error instanceof Transient ? error.message : describeNetworkError(error, host);
      const size = (await fileSize(partPath)) ?? 0;
      if (size > best) {
        best = size;
        failures = 0;
      }
      failures++;
      const limit = offline ? offlineRetries : retries;
      if (failures > limit) {
        const tries = `${failures} attempt${failures > 1 ? 's' : ''}`;
        throw new FetchError(offline ? 'offline' : 'network', `${message} (gave up after ${tries})`, { cause: error });
      }
      const backoff = Math.min(maxDelay, baseDelay * 2 ** (failures - 1));
      const delay = Math.min(maxDelay, Math.max(backoff, error instanceof Transient ? (error.retryAfterMs ?? 0) : 0));
      log(`${label}: ${message}; retry ${failures} of ${limit} in ${(delay / 1000).toFixed(delay < 1000 ? 2 : 0)} s`);
      await sleep(delay);
    }
  }
}
