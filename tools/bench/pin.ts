/**
 * @module Pins a benchmark to one core: re-runs the calling script under `taskset -c CPU` (children inherit the
 * affinity) so both sides of every ratio share it. On these 2-core machines the last core is the quieter one.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

const PINNED_ENV = 'EDGE_FEATURES_BENCH_PINNED';

/**
 * Unless already pinned (or `noPin`, or not Linux), runs this process again under taskset and exits with its
 * code; returns only in the pinned child, or when taskset is missing (then unpinned). Returns the CPU, if pinned.
 */
export async function pinToOneCore(options: { readonly cpu?: string | undefined; readonly noPin?: boolean }): Promise<string | undefined> {
  if (process.env[PINNED_ENV]) return process.env[PINNED_ENV];
  if (process.platform !== 'linux' || options.noPin) return undefined;
  const cpu = options.cpu ?? String(availableParallelism() - 1);
  const child = spawn('taskset', ['-c', cpu, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [PINNED_ENV]: cpu },
  });
  const code = await new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('exit', (c) => resolve(c));
  });
  if (code !== null) process.exit(code);
  process.stderr.write('bench: taskset is not available; running unpinned\n');
  return undefined;
}
