/** One set of defaults: the Worker's limits, the browser library and wrangler.toml agree with src/config/defaults.ts. */
import { describe, expect, it } from 'vitest';
import * as defaults from '../../src/config/defaults.ts';
import { readConfig } from '../../src/config/index.ts';
import { DEFAULT_LIMITS } from '../../src/http/limits.ts';
import { wranglerConfig } from './wrangler-config.ts';

describe('the defaults module', () => {
  it('is what the Worker applies when no variable is set', () => {
    const config = readConfig({});
    expect(DEFAULT_LIMITS).toEqual({
      maxBodyBytes: config.MAX_BODY_BYTES,
      maxPixels: config.MAX_PIXELS,
      maxBatch: config.MAX_BATCH,
      importMaxBytes: config.IMPORT_MAX_BYTES,
      importMaxItems: config.IMPORT_MAX_ITEMS,
    });
    expect(config.MAX_PIXELS).toBe(defaults.DEFAULT_MAX_PIXELS);
  });

  it("gives the browser library the Worker's MAX_PIXELS default", async () => {
    // The browser entry loads onnxruntime-web and the codecs; only its exported constant is compared.
    const browser = await import('../../src/browser/index.ts');
    expect(browser.DEFAULT_MAX_PIXELS).toBe(readConfig({}).MAX_PIXELS);
  });

  it('matches wrangler.toml: its [vars] are the schema defaults, its rate limits the Retry-After period', async () => {
    const { vars, ratelimits } = await wranglerConfig();
    const config = readConfig({});
    expect(readConfig(vars)).toEqual(config);
    expect(ratelimits.map((limit) => limit.simple.period)).toEqual(ratelimits.map(() => defaults.RATE_LIMIT_PERIOD_SECONDS));
    expect(ratelimits.length).toBeGreaterThan(0);
  });
});
