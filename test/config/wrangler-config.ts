/** wrangler.toml as wrangler itself reads it (its own TOML parser), for checks against the schema. */
import type { ConfigInput } from '../../src/config/index.ts';

export interface WranglerConfig {
  readonly vars: ConfigInput;
  readonly ratelimits: ReadonlyArray<{ readonly name: string; readonly simple: { readonly period: number } }>;
}

export async function wranglerConfig(): Promise<WranglerConfig> {
  const { experimental_readRawConfig } = await import('wrangler');
  const { rawConfig } = experimental_readRawConfig({ config: 'wrangler.toml' });
  return { vars: (rawConfig.vars ?? {}) as ConfigInput, ratelimits: rawConfig.ratelimits ?? [] };
}
