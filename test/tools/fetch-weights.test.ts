/**
 * tools/fetch: downloads from a local node:http server on 127.0.0.1 (random port) serving a generated file —
 * never the internet. Covers the whole download, md5 failures, resuming after a dropped connection,
 * servers that ignore Range, stale partial files, HTTP errors, an unreachable host, --file and --mirror,
 * and one CLI run.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/core/util/random.ts';
import { describeNetworkError, errorCode } from '../../tools/fetch/download.ts';
import { FetchError, fetchWeights, main, mirrorUrl, VGG16_NOTOP_FILE, type FetchWeightsOptions } from '../../tools/fetch/fetch-weights.ts';
import { withTempDir } from './helpers.ts';

const SIZE = 3 * 1024 * 1024 + 12345;
const DATA = (() => {
  const rng = mulberry32(7);
  const bytes = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) bytes[i] = rng.nextU32() & 0xff;
  return bytes;
})();
const MD5 = createHash('md5').update(DATA).digest('hex');
const PATH = `/tensorflow/keras-applications/vgg16/${VGG16_NOTOP_FILE}`;

type Handler = (req: IncomingMessage, res: ServerResponse, index: number) => void;

interface Served {
  readonly url: string;
  readonly origin: string;
  readonly requests: { path: string; range: string | undefined; ifRange: string | undefined }[];
  close(): Promise<void>;
}

async function serve(handler: Handler): Promise<Served> {
  const requests: Served['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', range: req.headers.range, ifRange: req.headers['if-range'] as string | undefined });
    handler(req, res, requests.length - 1);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}${PATH}`,
    origin,
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** A well-behaved server: Range -> 206 (or 416 past the end), ETag; anything but PATH -> 404. */
function serveFile(req: IncomingMessage, res: ServerResponse, options: { ignoreRange?: boolean; dropAt?: number } = {}): void {
  if (req.url !== PATH) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  let start = 0;
  if (m && !options.ignoreRange) {
    start = Number(m[1]);
    if (start >= SIZE) {
      res.writeHead(416, { 'content-range': `bytes */${SIZE}` }).end();
      return;
    }
    res.writeHead(206, { 'content-length': SIZE - start, 'content-range': `bytes ${start}-${SIZE - 1}/${SIZE}`, etag: '"v1"' });
  } else {
    res.writeHead(200, { 'content-length': SIZE, etag: '"v1"', 'accept-ranges': options.ignoreRange ? 'none' : 'bytes' });
  }
  const body = DATA.subarray(start);
  if (options.dropAt !== undefined && options.dropAt - start < body.length) {
    // Send part of the body, then cut the connection.
    res.write(body.subarray(0, Math.max(0, options.dropAt - start)), () => res.socket?.destroy());
    return;
  }
  res.end(body);
}

function collect(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line) };
}

const fast = (dir: string, log: (line: string) => void): FetchWeightsOptions => ({
  outDir: dir,
  md5: MD5,
  retryDelayMs: 5,
  progress: 'lines',
  log,
  kerasCacheDirs: [],
});

async function expectFailure(promise: Promise<unknown>): Promise<FetchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FetchError);
  return error as FetchError;
}

async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

describe('fetchWeights over HTTP (local server)', () => {
  it('downloads the whole file, checks the md5, renames into place; a second run keeps it', async () => {
    const server = await serve((req, res) => serveFile(req, res));
    try {
      await withTempDir(async (dir) => {
        const { lines, log } = collect();
        const result = await fetchWeights({ ...fast(dir, log), url: server.url });
        expect(result.outcome).toBe('downloaded');
        expect(result.bytes).toBe(SIZE);
        expect(result.path).toBe(join(dir, VGG16_NOTOP_FILE));
        expect(Buffer.compare(await readFile(result.path), DATA)).toBe(0);
        expect(await listing(dir)).toEqual([VGG16_NOTOP_FILE]); // no .part left behind
        expect(server.requests).toHaveLength(1);
        expect(server.requests[0]!.range).toBeUndefined();
        // Plain progress lines (not a TTY): a start line, 10 % steps, a final line.
        expect(lines[0]).toMatch(/downloading 3\.0 MiB/);
        expect(lines.some((l) => / 50% /.test(l))).toBe(true);
        expect(lines.at(-1)).toMatch(/saved .* md5 ok/);

        const again = await fetchWeights({ ...fast(dir, log), url: server.url });
        expect(again.outcome).toBe('present');
        expect(server.requests).toHaveLength(1); // nothing downloaded
      });
    } finally {
      await server.close();
    }
  });

  it('md5 mismatch: a checksum error, and neither the file nor a .part is left', async () => {
    const server = await serve((req, res) => serveFile(req, res));
    try {
      await withTempDir(async (dir) => {
        const { log } = collect();
        const error = await expectFailure(fetchWeights({ ...fast(dir, log), url: server.url, md5: '0'.repeat(32) }));
        expect(error.kind).toBe('checksum');
        expect(error.message).toContain(`md5 ${MD5}, expected ${'0'.repeat(32)}`);
        expect(await listing(dir)).toEqual([]);
      });
    } finally {
      await server.close();
    }
  });

  it('resumes with Range after the server drops the connection mid-way', async () => {
    const dropAt = 1_000_000;
    const server = await serve((req, res, i) => serveFile(req, res, i === 0 ? { dropAt } : {}));
    try {
      await withTempDir(async (dir) => {
        const { lines, log } = collect();
        const result = await fetchWeights({ ...fast(dir, log), url: server.url });
        expect(Buffer.compare(await readFile(result.path), DATA)).toBe(0);
        expect(server.requests).toHaveLength(2);
        const resumeAt = Number(/^bytes=(\d+)-$/.exec(server.requests[1]!.range ?? '')?.[1]);
        expect(resumeAt).toBeGreaterThan(0);
        expect(resumeAt).toBeLessThanOrEqual(dropAt);
        expect(server.requests[1]!.ifRange).toBe('"v1"'); // same file version, or send it whole
        expect(lines.some((l) => /connection (lost|closed).*retry 1 of 5/.test(l))).toBe(true);
        expect(lines.some((l) => /resuming at/.test(l))).toBe(true);
      });
    } finally {
      await server.close();
    }
  });

  it('resumes a .part left by an earlier run', async () => {
    const server = await serve((req, res) => serveFile(req, res));
    try {
      await withTempDir(async (dir) => {
        await writeFile(join(dir, `${VGG16_NOTOP_FILE}.part`), DATA.subarray(0, 2_000_000));
        const { log } = collect();
        const result = await fetchWeights({ ...fast(dir, log), url: server.url });
        expect(result.resumedFrom).toBe(2_000_000);
        expect(server.requests.map((r) => r.range)).toEqual(['bytes=2000000-']);
        expect(Buffer.compare(await readFile(result.path), DATA)).toBe(0);
      });
    } finally {
      await server.close();
    }
  });

  it('a server that ignores Range (200) is restarted cleanly from byte 0', async () => {
    const server = await serve((req, res, i) => serveFile(req, res, { ignoreRange: true, ...(i === 0 ? { dropAt: 1_500_000 } : {}) }));
    try {
      await withTempDir(async (dir) => {
        // A stale part from an earlier run as well: it must be overwritten, not appended to.
        await writeFile(join(dir, `${VGG16_NOTOP_FILE}.part`), DATA.subarray(0, 100_000));
        const { lines, log } = collect();
        const result = await fetchWeights({ ...fast(dir, log), url: server.url });
        expect(Buffer.compare(await readFile(result.path), DATA)).toBe(0);
        expect(server.requests).toHaveLength(2);
        expect(server.requests.every((r) => r.range !== undefined)).toBe(true);
        expect(lines.filter((l) => /does not resume .*starting over/.test(l))).toHaveLength(2);
      });
    } finally {
      await server.close();
    }
  });

  it('a stale .part of another file: md5 fails after resuming, so it downloads the file whole once', async () => {
    const server = await serve((req, res) => serveFile(req, res));
    try {
      await withTempDir(async (dir) => {
        await writeFile(join(dir, `${VGG16_NOTOP_FILE}.part`), new Uint8Array(500_000).fill(1));
        const { lines, log } = collect();
        const result = await fetchWeights({ ...fast(dir, log), url: server.url });
        expect(Buffer.compare(await readFile(result.path), DATA)).toBe(0);
        expect(server.requests.map((r) => r.range)).toEqual(['bytes=500000-', undefined]);
        expect(lines.some((l) => /after resuming an earlier partial download: downloading it whole/.test(l))).toBe(true);
      });
    } finally {
      await server.close();
    }
  });

  it('a complete .part (416 to the range request) is verified and kept; a corrupt final file is replaced', async () => {
    const server = await serve((req, res) => serveFile(req, res));
    try {
      await withTempDir(async (dir) => {
        await writeFile(join(dir, `${VGG16_NOTOP_FILE}.part`), DATA);
        const { log } = collect();
        const result = await fetchWeights({ ...fast(dir, log), url: server.url });
        expect(result.outcome).toBe('downloaded');
        expect(server.requests.map((r) => r.range)).toEqual([`bytes=${SIZE}-`]);

        await writeFile(result.path, 'damaged');
        const { lines, log: log2 } = collect();
        const again = await fetchWeights({ ...fast(dir, log2), url: server.url });
        expect(again.outcome).toBe('downloaded');
        expect(lines[0]).toMatch(/md5 .*downloading it again/);
        expect(Buffer.compare(await readFile(result.path), DATA)).toBe(0);
      });
    } finally {
      await server.close();
    }
  });

  it('retries HTTP 503 with backoff, then succeeds', async () => {
    const server = await serve((req, res, i) => {
      if (i < 2) res.writeHead(503, { 'retry-after': '0' }).end('busy');
      else serveFile(req, res);
    });
    try {
      await withTempDir(async (dir) => {
        const { lines, log } = collect();
        const result = await fetchWeights({ ...fast(dir, log), url: server.url });
        expect(result.requests).toBe(3);
        expect(lines.filter((l) => /HTTP 503/.test(l))).toHaveLength(2);
      });
    } finally {
      await server.close();
    }
  });

  it('gives up after the bounded number of retries when no attempt gets anywhere', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': SIZE });
      res.flushHeaders();
      res.socket?.destroySoon(); // headers, then the connection closes
    });
    try {
      await withTempDir(async (dir) => {
        const { lines, log } = collect();
        const error = await expectFailure(fetchWeights({ ...fast(dir, log), url: server.url, retries: 2 }));
        expect(error.kind).toBe('network');
        expect(error.message).toMatch(/^connection lost at 0 B of 3\.0 MiB: .* \(gave up after 3 attempts\)$/);
        expect(server.requests).toHaveLength(3);
        expect(lines.filter((l) => /retry \d of 2 in/.test(l))).toHaveLength(2);
        expect(await listing(dir)).toEqual([]); // an empty .part is not kept
      });
    } finally {
      await server.close();
    }
  });

  it('a download that advances on every attempt finishes even when each connection drops (the count resets)', async () => {
    const server = await serve((req, res) => {
      const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
      serveFile(req, res, { dropAt: start + 400_000 });
    });
    try {
      await withTempDir(async (dir) => {
        const { lines, log } = collect();
        const result = await fetchWeights({ ...fast(dir, log), url: server.url, retries: 1 });
        expect(Buffer.compare(await readFile(result.path), DATA)).toBe(0);
        expect(server.requests.length).toBeGreaterThanOrEqual(8); // 3.0 MiB in pieces of at most 400 kB
        expect(lines.filter((l) => /retry 2 of/.test(l))).toHaveLength(0);
      });
    } finally {
      await server.close();
    }
  });

  it('keeps a partial download when it gives up, and says so', async () => {
    const server = await serve((req, res, i) => {
      if (i === 0) serveFile(req, res, { dropAt: 500_000 });
      else res.writeHead(503).end();
    });
    try {
      await withTempDir(async (dir) => {
        const { log } = collect();
        const error = await expectFailure(fetchWeights({ ...fast(dir, log), url: server.url, retries: 1 }));
        expect(error.kind).toBe('network');
        expect(error.message).toMatch(/HTTP 503 .*gave up after 2 attempts\)\n.* are kept in .*\.part: run again to resume$/);
        expect(await listing(dir)).toEqual([`${VGG16_NOTOP_FILE}.part`]);
      });
    } finally {
      await server.close();
    }
  });

  it('a stalled transfer is aborted and resumed', async () => {
    const server = await serve((req, res, i) => {
      if (i === 0) {
        res.writeHead(200, { 'content-length': SIZE });
        res.write(DATA.subarray(0, 300_000)); // ... and then nothing
      } else serveFile(req, res);
    });
    try {
      await withTempDir(async (dir) => {
        const { lines, log } = collect();
        const result = await fetchWeights({ ...fast(dir, log), url: server.url, stallTimeoutMs: 300 });
        expect(Buffer.compare(await readFile(result.path), DATA)).toBe(0);
        expect(lines.some((l) => /no data from .* for 0\.3 s/.test(l))).toBe(true);
        expect(server.requests[1]!.range).toMatch(/^bytes=\d+-$/);
      });
    } finally {
      await server.close();
    }
  });

  it('HTTP 404: a clear error at once, no retries, nothing saved', async () => {
    const server = await serve((req, res) => serveFile(req, res));
    try {
      await withTempDir(async (dir) => {
        const { log } = collect();
        const url = `${server.origin}/nowhere/${VGG16_NOTOP_FILE}`;
        const error = await expectFailure(fetchWeights({ ...fast(dir, log), url }));
        expect(error.kind).toBe('http');
        expect(error.message).toBe(`HTTP 404 Not Found from ${url}: the file is not at this address (check the URL or the mirror path)`);
        expect(server.requests).toHaveLength(1);
        expect(await listing(dir)).toEqual([]);
      });
    } finally {
      await server.close();
    }
  });

  it('--mirror: a folder URL gets the file name appended; a file URL is used as is', async () => {
    expect(mirrorUrl('https://m.example/keras/vgg16', VGG16_NOTOP_FILE)).toBe(`https://m.example/keras/vgg16/${VGG16_NOTOP_FILE}`);
    expect(mirrorUrl('https://m.example/keras/vgg16/', VGG16_NOTOP_FILE)).toBe(`https://m.example/keras/vgg16/${VGG16_NOTOP_FILE}`);
    expect(mirrorUrl('https://m.example/x/weights.h5', VGG16_NOTOP_FILE)).toBe('https://m.example/x/weights.h5');
    expect(() => mirrorUrl('ftp://m.example/', VGG16_NOTOP_FILE)).toThrow(/only http and https/);
    const server = await serve((req, res) => serveFile(req, res));
    try {
      await withTempDir(async (dir) => {
        const { log } = collect();
        const result = await fetchWeights({ ...fast(dir, log), mirror: `${server.origin}/tensorflow/keras-applications/vgg16/` });
        expect(result.source).toBe(server.url);
        expect(Buffer.compare(await readFile(result.path), DATA)).toBe(0);
      });
    } finally {
      await server.close();
    }
  });
});

describe('fetchWeights offline', () => {
  it('an unreachable host gives a clear message naming --file and --mirror (and a Keras cache copy)', async () => {
    // A port that was just free on 127.0.0.1: nothing listens there.
    const probe = await serve(() => {});
    const url = probe.url;
    await probe.close();
    await withTempDir(async (dir) => {
      const cache = join(dir, 'keras-cache');
      await mkdir(cache);
      await writeFile(join(cache, VGG16_NOTOP_FILE), 'x');
      const { lines, log } = collect();
      const started = performance.now();
      const error = await expectFailure(fetchWeights({ ...fast(join(dir, 'out'), log), url, kerasCacheDirs: [cache] }));
      expect(performance.now() - started).toBeLessThan(5000); // fails fast: offlineRetries, not retries
      expect(error.kind).toBe('offline');
      const text = error.message;
      expect(text).toMatch(
        /^cannot download the weights: connection to 127\.0\.0\.1:\d+ refused \(ECONNREFUSED\) \(gave up after 3 attempts\)\./,
      );
      expect(text).toContain(`--file /path/to/${VGG16_NOTOP_FILE}`);
      expect(text).toContain('--mirror https://');
      expect(text).toContain(
        `A Keras cache copy exists here: npx node tools/fetch/fetch-weights.ts --file ${join(cache, VGG16_NOTOP_FILE)}`,
      );
      expect(lines.filter((l) => /retry \d of 2/.test(l))).toHaveLength(2);
      expect(await listing(join(dir, 'out'))).toEqual([]);
    });
  });

  it('names DNS failures as such', () => {
    const dns = new TypeError('fetch failed', {
      cause: Object.assign(new Error('getaddrinfo EAI_AGAIN storage.googleapis.com'), { code: 'EAI_AGAIN' }),
    });
    expect(errorCode(dns)).toBe('EAI_AGAIN');
    expect(describeNetworkError(dns, 'storage.googleapis.com')).toBe(
      'DNS lookup of storage.googleapis.com failed (EAI_AGAIN: no name server answered)',
    );
    const refused = new TypeError('fetch failed', {
      cause: new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:9'), { code: 'ECONNREFUSED' })]),
    });
    expect(errorCode(refused)).toBe('ECONNREFUSED');
  });
});

describe('fetchWeights --file', () => {
  it('copies a local file after checking it; a wrong file is refused and nothing is written', async () => {
    await withTempDir(async (dir) => {
      const source = join(dir, 'copy.h5');
      await writeFile(source, DATA);
      const out = join(dir, 'out');
      const { log } = collect();
      const result = await fetchWeights({ ...fast(out, log), file: source });
      expect(result.outcome).toBe('copied');
      expect(Buffer.compare(await readFile(result.path), DATA)).toBe(0);
      expect(await listing(out)).toEqual([VGG16_NOTOP_FILE]);
      // --file naming the destination itself: verified, kept.
      expect((await fetchWeights({ ...fast(out, log), file: result.path })).outcome).toBe('present');

      const out2 = join(dir, 'out2');
      const error = await expectFailure(fetchWeights({ ...fast(out2, log), file: source, md5: 'f'.repeat(32) }));
      expect(error.kind).toBe('checksum');
      expect(await listing(out2)).toEqual([]);

      const missing = await expectFailure(fetchWeights({ ...fast(out2, log), file: join(dir, 'nope.h5') }));
      expect(missing.kind).toBe('usage');
      expect(missing.message).toMatch(/no such file/);
    });
  });

  it('rejects conflicting sources and a malformed md5 (exit code 2 from the CLI entry)', async () => {
    await expect(fetchWeights({ url: 'http://127.0.0.1:1/x.h5', file: 'x' })).rejects.toThrow(/at most one of/);
    await expect(fetchWeights({ md5: 'abc' })).rejects.toThrow(/32 hex digits/);
    const errors: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args.join(' '));
    try {
      expect(await main(['--url', 'http://127.0.0.1:1/x.h5', '--file', 'x'])).toBe(2);
      expect(await main(['--bogus'])).toBe(2);
    } finally {
      console.error = original;
    }
    expect(errors.join('\n')).toMatch(/at most one of/);
  });
});

describe('fetch-weights CLI', () => {
  it('downloads with plain progress lines when stdout is not a TTY', async () => {
    const server = await serve((req, res) => serveFile(req, res));
    try {
      await withTempDir(async (dir) => {
        const cli = new URL('../../tools/fetch/fetch-weights.ts', import.meta.url).pathname;
        const { stdout } = await promisify(execFile)(process.execPath, [cli, '--url', server.url, '--out', dir, '--md5', MD5]);
        expect(stdout).toMatch(/downloading 3\.0 MiB/);
        expect(stdout).toMatch(/saved .* md5 ok/);
        expect(stdout).not.toMatch(/\u001b\[/); // no terminal control sequences
        expect(Buffer.compare(await readFile(join(dir, VGG16_NOTOP_FILE)), DATA)).toBe(0);
      });
    } finally {
      await server.close();
    }
  });
});
