import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// Tests never reach the internet: no request.cf download, no telemetry.
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
process.env.WRANGLER_SEND_METRICS = 'false';

/** A project that runs test files inside workerd, with the Worker built from wrangler.toml. */
function workerdProject(name: string, include: string[], bindings: Record<string, string>, setup: string[] = []) {
  return {
    plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' }, miniflare: { bindings } })],
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
        // The embedding cache stays off here so these tests keep running the model; test/worker/embed-cache.test.ts turns it on.
        EMBED_CACHE_MAX_BYTES: '0',
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
      workerdProject('workerd-full', ['test/worker-full/**/*.test.ts'], { MODEL_ID: 'vgg16-synthetic' }, [
        'test/setup/provide-reference-vectors.ts',
      ]),
    ],
  },
});
