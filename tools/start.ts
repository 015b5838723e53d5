/**
 * `npm start`: prepares the served model's files if they are missing, builds the browser files, creates `.dev.vars`
 * (the local API key) from `.dev.vars.example` if it is missing, then runs the Worker locally with `wrangler dev` on
 * http://127.0.0.1:8787 (KV/R2 state in .wrangler/state).
 */
import { spawn } from 'node:child_process';
import { constants, copyFile } from 'node:fs/promises';
import { buildBrowser } from './browser/build.ts';
import { prepareModels } from './prepare-models.ts';

await prepareModels();
await buildBrowser(); // the demo, the browser library and the runtime files it loads, into public/
// The local development key (write scope) the README's curl examples use; an existing .dev.vars is left alone.
const created = await copyFile('.dev.vars.example', '.dev.vars', constants.COPYFILE_EXCL).then(
  () => true,
  (error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') return false;
    throw error;
  },
);
if (created) console.log("Created .dev.vars from .dev.vars.example: its API key (write scope) is the one the README's curl examples send.");

const child = spawn('wrangler', ['dev', '--ip', '127.0.0.1', '--port', process.env.PORT ?? '8787', ...process.argv.slice(2)], {
  stdio: 'inherit',
  // Local development works offline: no request.cf download, no telemetry.
  env: { CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', ...process.env },
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
