/**
 * @module A job's remote image: http(s) only, at most `maxRedirects` redirects (each hop checked again), at
 * most `maxBytes` read (the upload limit, MAX_BODY_BYTES), all within `timeoutMs`. What comes back is checked
 * like any upload by the embedder (format, pixels). A failure says whether a retry may help: an error
 * status of 5xx or 429, a refused connection or a timeout may pass; a 4xx, a bad scheme or a loop will not.
 */
import { ProblemError, type ProblemKind } from '../../contract/problems.ts';

export interface FetchLimits {
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly maxRedirects: number;
}

/** A source that failed, and whether trying again later may succeed. */
export class SourceError extends ProblemError {
  readonly transient: boolean;
  constructor(kind: ProblemKind, detail: string, transient: boolean, extra: Record<string, unknown> = {}) {
    super(kind, detail, extra);
    this.transient = transient;
  }
}

function checkedUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SourceError('fetch-failed', `"${text.slice(0, 200)}" is not a URL.`, false);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SourceError('fetch-failed', `Only http(s) URLs are fetched, not ${url.protocol}.`, false);
  }
  return url;
}

async function readLimited(response: Response, maxBytes: number, url: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  const tooLarge = () => new SourceError('body-too-large', `${url} holds more than ${maxBytes} bytes.`, false, { limit: maxBytes });
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.byteLength;
  }
  return bytes;
}

/** The image bytes at `url`, or a SourceError. */
export async function fetchImage(url: string, limits: FetchLimits, fetcher: typeof fetch = fetch): Promise<Uint8Array> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let target = checkedUrl(url);
  try {
    for (let hop = 0; ; hop++) {
      const response = await fetcher(target.href, { redirect: 'manual', signal, headers: { accept: 'image/*' } });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        if (hop >= limits.maxRedirects) {
          throw new SourceError('fetch-failed', `${url} redirected more than ${limits.maxRedirects} times.`, false);
        }
        target = checkedUrl(new URL(location, target).href);
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        const transient = response.status >= 500 || response.status === 429;
        throw new SourceError('fetch-failed', `${target.href} answered ${response.status}.`, transient, {
          upstreamStatus: response.status,
        });
      }
      return await readLimited(response, limits.maxBytes, target.href);
    }
  } catch (error) {
    if (error instanceof SourceError) throw error;
    if (signal.aborted) {
      throw new SourceError('fetch-timeout', `${target.href} did not answer within ${limits.timeoutMs} ms.`, true, {
        limit: limits.timeoutMs,
      });
    }
    // A refused connection, a DNS failure, a reset: the network may recover.
    throw new SourceError(
      'fetch-failed',
      `${target.href} could not be reached: ${error instanceof Error ? error.message : String(error)}`,
      true,
    );
  }
}
