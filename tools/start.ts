/**
 * `npm start`: prepares the served model's files if they are missing, builds the browser files, then runs the Worker locally
 * with `wrangler dev` on http://127.0.0.1:8787 (KV/R2 state in .wrangler/state).
 */
import { spawn } from 'node:child_process';
import { buildBrowser } from './browser/build.ts';
import { prepareModels } from './prepare-models.ts';

await prepareModels();
await buildBrowser(); // the demo, the browser library and the runtime files it loads, into public/

const child = spawn('wrangler', ['dev', '--ip', '127.0.0.1', '--port', process.env.PORT ?? '8787', ...process.argv.slice(2)], {
  stdio: 'inherit',
  // Local development works offline: no request.cf download, no telemetry.
  env: { CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', ...process.env },
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
