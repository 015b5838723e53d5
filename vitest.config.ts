import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { TEST_API_KEYS } from './test/support/auth.ts';
import { imageServer } from './test/support/image-server.ts';

// Tests never reach the internet: no request.cf download, no telemetry.
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
process.env.WRANGLER_SEND_METRICS = 'false';

/**
 * The rate limits of wrangler.toml, raised so that no test meets them by accident (a run sends thousands of
 * requests with one key), plus a small one that test/worker/hardening.test.ts puts in their place.
 */
const TEST_RATE_LIMITS = {
  RATE_LIMIT_KEY: { namespace_id: '9101', simple: { limit: 1_000_000, period: 60 as const } },
  RATE_LIMIT_IP: { namespace_id: '9102', simple: { limit: 1_000_000, period: 60 as const } },
  RATE_LIMIT_SMALL: { namespace_id: '9103', simple: { limit: 3, period: 60 as const } },
};

/** A project that runs test files inside workerd, with the Worker built from wrangler.toml. */
function workerdProject(name: string, include: string[], bindings: Record<string, string>, setup: string[] = []) {
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        // Outbound fetches (a job's image URLs) reach test/support/image-server.ts, never the internet.
        miniflare: { bindings, ratelimits: TEST_RATE_LIMITS, outboundService: imageServer },
      }),
    ],
    test: {
      name,
      include,
      globalSetup: ['test/setup/prepare-models.ts', 'test/setup/provide-fixtures.ts', ...setup],
      testTimeout: 120_000,
      hookTimeout: 300_000,
    },
  };
}

export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/worker/**', 'test/worker-full/**', 'test/browser/**', 'node_modules/**'],
          globalSetup: ['test/setup/prepare-models.ts'],
          testTimeout: 120_000,
        },
      },
      // The fast narrow model, with small limits so every limit is reachable in a test.
      workerdProject('workerd', ['test/worker/**/*.test.ts'], {
        MODEL_ID: 'vgg16-narrow-synthetic',
        MAX_BODY_BYTES: String(4 * 1024 * 1024),
        MAX_PIXELS: String(10_000_000),
        MAX_BATCH: '3',
        // Small enough that test/worker/transfer.test.ts reaches it (and crosses a 100-item write batch first).
        IMPORT_MAX_ITEMS: '150',
        // The embedding cache stays off here so these tests keep running the model; test/worker/embed-cache.test.ts turns it on.
        EMBED_CACHE_MAX_BYTES: '0',
        // A write key and a read-only key; test/worker/helpers.ts `call` sends the write key.
        API_KEYS: TEST_API_KEYS,
        // Jobs (test/worker/jobs.test.ts): a reachable item limit, a short fetch timeout, retries without delay.
        JOB_MAX_ITEMS: '50',
        FETCH_TIMEOUT_MS: '500',
        JOB_RETRY_DELAY_SECONDS: '0',
      }),
      // Headless Chromium (playwright-core) driving the demo and the browser library against `wrangler dev`.
      {
        test: {
          name: 'browser',
          environment: 'node',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/setup/prepare-models.ts', 'test/setup/build-browser.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      // Full-size VGG16 against onnxruntime-node: the parity the API promises.
      workerdProject('workerd-full', ['test/worker-full/**/*.test.ts'], { MODEL_ID: 'vgg16-synthetic', API_KEYS: TEST_API_KEYS }, [
        'test/setup/provide-reference-vectors.ts',
      ]),
    ],
  },
});
