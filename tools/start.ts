/**
 * `npm start`: prepares the served model's files if they are missing, then runs the Worker locally
 * with `wrangler dev` on http://127.0.0.1:8787 (KV/R2 state in .wrangler/state).
 */
import { spawn } from 'node:child_process';
import { MODELS } from '../src/models.ts';
import { prepareModel } from './prepare-models.ts';

for (const manifest of MODELS) {
  const outcome = await prepareModel(manifest);
  console.log(`model ${manifest.id}: ${outcome}`);
}

const child = spawn('wrangler', ['dev', '--ip', '127.0.0.1', '--port', process.env.PORT ?? '8787', ...process.argv.slice(2)], {
  stdio: 'inherit',
  // Local development works offline: no request.cf download, no telemetry.
  env: { CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', ...process.env },
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
