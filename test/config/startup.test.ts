/**
 * A wrong variable fails the Worker's start-up under `wrangler dev`: the runtime refuses to start and says
 * which variable, its value and what it accepts (the same check fails a `wrangler deploy`).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../tools/bench/wrangler-dev.ts';

const TIMEOUT_MS = 90_000;

interface Run {
  readonly code: number | null;
  readonly output: string;
}

const state = await mkdtemp(join(tmpdir(), 'edge-features-config-'));
afterAll(() => rm(state, { recursive: true, force: true }));

/** Runs `wrangler dev` with the given vars until it exits; its whole process group is killed in every case. */
async function wranglerDev(vars: Record<string, string>): Promise<Run> {
  const port = await freePort();
  const args = ['wrangler', 'dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state];
  for (const [name, value] of Object.entries(vars)) args.push('--var', `${name}:${value}`);
  const child = spawn('npx', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that workerd (a grandchild) goes with it.
    detached: true,
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wrangler dev still running after ${TIMEOUT_MS} ms:\n${output}`)), TIMEOUT_MS);
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    return { code, output };
  } finally {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone with its group.
    }
  }
}

describe('start-up with a wrong variable (wrangler dev)', () => {
  it(
    'fails, naming MAX_PIXELS, its value and what it accepts, and every other wrong variable',
    async () => {
      const run = await wranglerDev({ MAX_PIXELS: 'abc', READ_AUTH: 'sometimes' });
      expect(run.code).not.toBe(0);
      expect(run.output).toContain('MAX_PIXELS must be a positive integer (pixels), got "abc"');
      expect(run.output).toContain('READ_AUTH must be "open" or "required", got "sometimes"');
      expect(run.output).toMatch(/The Workers runtime failed to start/);
    },
    TIMEOUT_MS + 10_000,
  );
});
