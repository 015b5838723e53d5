/**
 * `edge-features jobs` against a stub of the job routes (node:http) answering the contract's shapes: the CLI's
 * calls, its parsing (the client checks every answer against src/contract/jobs.ts) and its output. The routes
 * themselves (a Durable Object per job, Queues) are tested inside workerd (test/worker/jobs.test.ts).
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = join(new URL('../../', import.meta.url).pathname, 'src/cli/index.ts');

const job = (id: string, state: string) => ({
  id,
  type: 'ingest',
  namespace: 'default',
  state,
  counts: { total: 10, queued: 2, done: 7, failed: 1, skipped: 0 },
  failures: [
    {
      id: 'bad',
      problem: {
        type: 'https://edge-features.dev/problems/malformed-image',
        title: 'The image could not be decoded',
        status: 400,
        detail: 'x',
      },
    },
  ],
  createdAt: '2026-12-07T12:00:00.000Z',
  startedAt: '2026-12-07T12:00:01.000Z',
  rate: 3.5,
});

const seen: string[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://stub').pathname;
    seen.push(`${request.method} ${path} ${request.headers.authorization ?? ''}`);
    const send = (status: number, body: unknown, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type });
      response.end(JSON.stringify(body));
    };
    if (request.method === 'GET' && path === '/v1/jobs')
      return send(200, { jobs: [job('j2', 'running'), job('j1', 'done')], cursor: null });
    if (request.method === 'GET' && path === '/v1/jobs/j1') return send(200, { job: job('j1', 'done') });
    if (request.method === 'POST' && path === '/v1/jobs/j2/cancel') return send(200, { job: job('j2', 'cancelled') });
    return send(
      404,
      { type: 'https://edge-features.dev/problems/job-not-found', title: 'No such job', status: 404, detail: 'no job' },
      'application/problem+json',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function cli(...args: string[]) {
  try {
    const { stdout } = await run(process.execPath, [CLI, '--url', url, '--key', 'k-0123456789abcdef', ...args]);
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

describe('edge-features jobs (against a stub of the job routes)', () => {
  it('lists, gets and cancels through the client, with the key; --json parses; an unknown job exits 1', async () => {
    const list = await cli('--json', 'jobs');
    expect((JSON.parse(list.stdout) as { jobs: Array<{ id: string }> }).jobs.map((j) => j.id)).toEqual(['j2', 'j1']);
    expect((await cli('jobs', 'list')).stdout).toMatch(/^j2 {2}ingest {2}running {2}7\/10 done, 1 failed$/m);
    expect(JSON.parse((await cli('--json', 'jobs', 'get', 'j1')).stdout)).toMatchObject({ id: 'j1', state: 'done', rate: 3.5 });
    expect((await cli('jobs', 'cancel', 'j2')).stdout).toMatch(/j2 {2}ingest {2}cancelled/);
    const missing = await cli('--json', 'jobs', 'get', 'nope');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toEqual({ id: 'nope', found: false });
    expect(seen).toContain('POST /v1/jobs/j2/cancel Bearer k-0123456789abcdef');
  });
});
