/**
 * `edge-features jobs wait` against a node:http stub, for what the Worker in test/cli/jobs.test.ts cannot be made
 * to do on cue: a poll answered 503 (the CLI polls again), a job whose failures outnumber the 100 it lists, a
 * job in state "failed", and a service that stays unavailable (the CLI gives up, exit 1).
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = join(new URL('../../', import.meta.url).pathname, 'src/cli/index.ts');

const failure = (i: number) => ({
  id: `bad-${i}`,
  problem: {
    type: 'https://edge-features.dev/problems/fetch-failed',
    title: 'The image could not be fetched',
    status: 422,
    detail: `HTTP 404 ${i}`,
  },
});

const job = (id: string, state: string, counts: { queued: number; done: number; failed: number }) => ({
  id,
  type: 'ingest',
  namespace: 'default',
  state,
  counts: { total: 200, skipped: 0, cancelled: 0, ...counts },
  failures: Array.from({ length: Math.min(counts.failed, 100) }, (_, i) => failure(i)),
  createdAt: '2026-12-07T12:00:00.000Z',
  startedAt: '2026-12-07T12:00:01.000Z',
  ...(state !== 'running' && { finishedAt: '2026-12-07T12:01:41.000Z' }),
  rate: 2,
});

const polls = new Map<string, number>();
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const id = /^\/v1\/jobs\/([\w-]+)$/.exec(new URL(request.url ?? '/', 'http://stub').pathname)?.[1] ?? '';
    const n = (polls.get(id) ?? 0) + 1;
    polls.set(id, n);
    const send = (status: number, body: unknown, type = 'application/json') =>
      response.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));
    const busy = () =>
      send(
        503,
        { type: 'https://edge-features.dev/problems/busy', title: 'Busy', status: 503, detail: 'try again' },
        'application/problem+json',
      );
    // Running, then a 503, then done with 150 failures (100 listed).
    if (id === 'flaky') {
      if (n === 1) return send(200, { job: job(id, 'running', { queued: 100, done: 50, failed: 50 }) });
      if (n === 2) return busy();
      return send(200, { job: job(id, 'done', { queued: 0, done: 50, failed: 150 }) });
    }
    if (id === 'all-failed') return send(200, { job: job(id, 'failed', { queued: 0, done: 0, failed: 200 }) });
    return busy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function cli(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, '--url', url, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('edge-features jobs wait (against a stub)', () => {
  it('polls again after a 503; lists 100 failures and says how many more; exit 2', async () => {
    const result = await cli('jobs', 'wait', 'flaky', '--interval', '20');
    expect(result.code).toBe(2);
    expect(polls.get('flaky')).toBe(3);
    expect(result.stdout).toMatch(
      /^job flaky \(ingest, namespace "default"\) done: 50 done, 0 skipped, 150 failed of 200 \(in 1m40s, 2\.0 items\/s\)$/m,
    );
    expect(result.stdout.match(/^ {2}bad-\d+ {2}fetch-failed: HTTP 404 \d+$/gm)).toHaveLength(100);
    expect(result.stdout).toMatch(/… and 50 more, not listed \(a job lists its first 100 failures\)/);
  });

  it('a job in state "failed" exits 2 (--json: the job); a service that stays unavailable ends the wait with exit 1', async () => {
    const failed = await cli('--json', 'jobs', 'wait', 'all-failed');
    expect(failed.code).toBe(2);
    expect(JSON.parse(failed.stdout)).toMatchObject({ id: 'all-failed', state: 'failed', counts: { failed: 200 } });
    const down = await cli('--json', 'jobs', 'get', 'down', '--wait', '--interval', '10');
    expect(down.code).toBe(1);
    expect(polls.get('down')).toBe(6); // the first poll and 5 more
    expect(JSON.parse(down.stdout)).toMatchObject({ error: 'Busy: try again', problem: { status: 503 } });
  });
});
