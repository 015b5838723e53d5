/**
 * Browser tests' plumbing: the Worker under `wrangler dev` on a free loopback port (fresh KV/R2 state),
 * and Debian's Chromium driven by playwright-core with flags that keep it on loopback.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { startWranglerDev } from '../../tools/bench/wrangler-dev.ts';
import type { BackendPreference } from '../../src/browser/index.ts';
import { launchChromium } from '../../tools/browser/chromium.ts';

/** What the page imports from /browser/edge-features.js: the built src/browser entry. */
type BrowserLibrary = typeof import('../../src/browser/index.ts');

/** The fast 64-d model: most browser tests need plumbing, not a big model. */
export const TEST_MODEL = 'vgg16-narrow-synthetic';

export interface Server {
  readonly url: string;
  stop(): Promise<void>;
}

/** The key with the write scope the browser tests' server knows (typed into the demo to store items). */
export const TEST_WRITE_KEY = 'browser-test-write-key-0123456789';

/**
 * `wrangler dev` serving `model`, its KV and R2 state in a fresh temporary folder, with one API key
 * (TEST_WRITE_KEY; given explicitly, so a developer's .dev.vars does not change what the tests see).
 * `persistTo` names the state folder instead (kept on stop, for a restart over the same state; the caller removes it).
 */
export async function startServer(
  model = TEST_MODEL,
  vars: Record<string, string> = {},
  options: { readonly persistTo?: string } = {},
): Promise<Server> {
  const state = options.persistTo ?? (await mkdtemp(join(tmpdir(), 'edge-features-browser-')));
  const server = await startWranglerDev({ MODEL_ID: model, API_KEYS: `browser:read+write:${TEST_WRITE_KEY}`, ...vars }, 180_000, {
    args: ['--persist-to', state],
  });
  return {
    url: server.url,
    async stop() {
      await server.stop();
      if (options.persistTo === undefined) await rm(state, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  readonly context: BrowserContext;
  /** Console errors and uncaught page errors, for tests to assert there were none. */
  readonly errors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** A fresh profile (Cache API empty) that is removed on close. */
export async function launchBrowser(options: { webgpu?: boolean } = {}): Promise<Browser> {
  const chromium = await launchChromium(options);
  const { context } = chromium;
  const errors: string[] = [];
  context.on('page', (page: Page) => {
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  });
  return { context, errors, newPage: () => context.newPage(), close: () => chromium.close() };
}

/** Waits until the demo has loaded its model (or failed to) and returns the body's state. */
export async function waitForDemo(page: Page, timeout = 120_000): Promise<string> {
  await page.waitForFunction(
    () => (globalThis as unknown as { document: { body: { dataset: { state?: string } } } }).document.body.dataset.state !== 'loading',
    undefined,
    { timeout },
  );
  return (await page.locator('body').getAttribute('data-state')) ?? '';
}

/** What `embedInPage` returns: the library's extractor facts and one vector. */
export interface PageEmbedding {
  readonly backend: 'webgpu' | 'wasm';
  readonly fallbackReason?: string;
  readonly adapter?: string;
  readonly model: { id: string; version: string; dims: number; sha256: string };
  readonly vector: number[];
  readonly embedMs: number;
  readonly loadMs: number;
  readonly fromCache: boolean;
}

/**
 * Loads the deployment's own library bundle (/browser/edge-features.js) into `page` and embeds
 * `bytes` with it. The page must already be on the deployment's origin.
 */
export async function embedInPage(
  page: Page,
  bytes: Uint8Array,
  options: { backend?: BackendPreference; model?: string; numThreads?: number } = {},
): Promise<PageEmbedding> {
  return page.evaluate(
    async ({ base64, backend, model, numThreads }) => {
      // `import()` written as text: vitest would rewrite a literal one for Node before Chromium sees it.
      const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<BrowserLibrary>;
      const lib = await importModule(`${location.origin}/browser/edge-features.js`);
      const extractor = await lib.createBrowserExtractor({ backend, ...(model && { model }), ...(numThreads && { numThreads }) });
      const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const started = performance.now();
      const vector: Float32Array = await extractor.embed(data);
      const embedMs = performance.now() - started;
      await extractor.release();
      const { backend: used, fallbackReason, adapter, model: ref, loadMs, fromCache } = extractor;
      return { backend: used, fallbackReason, adapter, model: ref, vector: Array.from(vector), embedMs, loadMs, fromCache };
    },
    {
      base64: Buffer.from(bytes).toString('base64'),
      backend: options.backend ?? 'auto',
      model: options.model,
      numThreads: options.numThreads,
    },
  );
}

/** The Worker's own vector for the same bytes (POST /v1/embed). */
export async function workerVector(
  url: string,
  bytes: Uint8Array,
  type: string,
): Promise<{ vector: number[]; model: { id: string; version: string } }> {
  const response = await fetch(`${url}/v1/embed`, { method: 'POST', body: new Uint8Array(bytes), headers: { 'content-type': type } });
  if (!response.ok) throw new Error(`/v1/embed answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { vector: number[]; model: { id: string; version: string } };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
