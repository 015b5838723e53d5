/**
 * `wrangler dev` for the load test and the long fuzz run: the Worker bundled once with the project's own
 * wrangler.toml and its model files in a private copy (tools/bench/workerd.ts — edits to src/ or public/
 * during a run cannot restart it), every `[[ratelimits]]` limit raised (those runs send thousands of
 * requests a minute with one key; the limiter still runs on each request), a fresh KV/R2 state folder,
 * and the vars given (API_KEYS included: no .dev.vars is read for the derived config).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleWorker, REPO_ROOT } from '../bench/workerd.ts';
import { startWranglerDev, type DevServer } from '../bench/wrangler-dev.ts';

export { REPO_ROOT };

/** A random key with read and write scopes for one run (never a committed one). */
export function runKey(): { header: string; apiKeys: string } {
  const key = `run-${crypto.randomUUID()}`;
  return { header: `Bearer ${key}`, apiKeys: `load:read+write:${key}` };
}

/** A wrangler.toml text with every rate limit raised to `limit`. */
export function raiseRateLimits(config: string, limit: number): string {
  let raised = 0;
  const out = config.replace(/simple = \{ limit = \d+, period = (\d+) \}/g, (_, period: string) => {
    raised++;
    return `simple = { limit = ${limit}, period = ${period} }`;
  });
  if (raised === 0) throw new Error('wrangler.toml has no [[ratelimits]] "simple = { limit = N, period = P }" line to raise');
  return out;
}

export interface RunServer extends DevServer {
  /** The folder holding the bundle, the derived config and the KV/R2 state (removed on stop). */
  readonly dir: string;
}

export async function startRunServer(
  modelId: string,
  vars: Record<string, string>,
  options: { rateLimit?: number; timeoutMs?: number } = {},
): Promise<RunServer> {
  const bundle = await bundleWorker([modelId]);
  try {
    await writeFile(bundle.config, raiseRateLimits(await readFile(bundle.config, 'utf8'), options.rateLimit ?? 10_000_000));
    const server = await startWranglerDev(vars, options.timeoutMs ?? 180_000, {
      args: [bundle.script, '--no-bundle', '-c', bundle.config, '--persist-to', join(bundle.dir, 'state')],
    });
    return {
      ...server,
      dir: bundle.dir,
      async stop() {
        await server.stop();
        await bundle.cleanup();
      },
    };
  } catch (error) {
    await bundle.cleanup();
    throw error;
  }
}
