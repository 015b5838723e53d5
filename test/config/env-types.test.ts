/**
 * The `Env` type: worker-configuration.d.ts is what `npm run types:env` (`wrangler types`) generates from
 * wrangler.toml and .dev.vars.example today, and every variable it declares is one the schema reads.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { VariableName } from '../../src/config/index.ts';
import type { Env } from '../../src/worker.ts';

/** The generated names whose values are text (or TOML numbers and booleans), i.e. variables, not bindings. */
type GeneratedVariables = {
  [K in keyof Cloudflare.Env]: Cloudflare.Env[K] extends string | number | boolean ? K : never;
}[keyof Cloudflare.Env];

describe('worker-configuration.d.ts', () => {
  it('is up to date (wrangler types --check; run npm run types:env after changing wrangler.toml)', () => {
    const result = spawnSync('npx', ['wrangler', 'types', '--check'], {
      encoding: 'utf8',
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' },
      timeout: 60_000,
    });
    expect(`${result.stdout}${result.stderr}`).toContain('are up to date');
    expect(result.status).toBe(0);
  });

  it('declares only variables the schema reads, the secret API_KEYS among them (checked by tsc)', () => {
    expectTypeOf<Exclude<GeneratedVariables, VariableName>>().toBeNever();
    expectTypeOf<Cloudflare.Env['API_KEYS']>().toEqualTypeOf<string>();
    expectTypeOf<Env['MAX_PIXELS']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Env['ITEMS']>().toEqualTypeOf<KVNamespace | undefined>();
    expectTypeOf<Env['ASSETS']>().toEqualTypeOf<Fetcher>();
  });
});
