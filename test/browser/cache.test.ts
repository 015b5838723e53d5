/**
 * The model and the runtime wasm are kept in the Cache API keyed by sha256: a second visit downloads
 * neither, and a cached copy that no longer matches its manifest is dropped and downloaded again.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel } from '../../src/models.ts';
import { launchBrowser, startServer, waitForDemo, TEST_MODEL, type Browser, type Server } from './support.ts';

const manifest = findModel(TEST_MODEL)!;
const modelFiles = [manifest.graph, ...manifest.externalData].map((file) => `/models/${TEST_MODEL}/${file.path}`);
const weights = modelFiles.at(-1)!;

let server: Server;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Opens the demo in a new tab and lists the big downloads it made: model files and wasm parts. */
async function visit(): Promise<{ page: Page; downloads: string[] }> {
  const page = await browser.newPage();
  const downloads: string[] = [];
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.startsWith('/models/') || /\.wasm\.part\d+$/.test(pathname)) downloads.push(pathname);
  });
  await page.goto(`${server.url}/demo/`);
  expect(await waitForDemo(page)).toBe('ready');
  return { page, downloads };
}

describe('the model cache', () => {
  it('downloads the model and runtime on the first visit only', async () => {
    const first = await visit();
    expect(first.downloads.sort()).toEqual([...modelFiles, '/ort/ort-wasm-simd-threaded.wasm.part0'].sort());
    expect(await first.page.locator('#load-status').textContent()).toMatch(/^Model downloaded and cached for the next visit\./);
    await first.page.close();

    const second = await visit();
    expect(second.downloads).toEqual([]);
    expect(await second.page.locator('#load-status').textContent()).toMatch(/^Model read from this browser’s cache\./);
    await second.page.close();
  });

  it('drops a cached file that fails its sha256 check and downloads it again', async () => {
    const { page } = await visit();
    // Damage the cached weights in place: same length, other bytes.
    const damaged = await page.evaluate(async (file) => {
      const g = globalThis as unknown as { caches: CacheStorage };
      const cache = await g.caches.open('edge-features-v1');
      let count = 0;
      for (const request of await cache.keys()) {
        const entry = await cache.match(request);
        if (entry?.headers.get('x-edge-features-file') !== file) continue;
        const bytes = new Uint8Array(await entry.arrayBuffer());
        bytes.fill(7);
        await cache.put(request, new Response(bytes, { headers: entry.headers }));
        count++;
      }
      return count;
    }, weights.slice(1));
    expect(damaged).toBe(1);
    await page.close();

    const again = await visit();
    expect(again.downloads).toEqual([weights]);
    expect(await again.page.locator('#backend').textContent()).toBe('WASM');
    await again.page.close();

    const healed = await visit();
    expect(healed.downloads).toEqual([]);
    await healed.page.close();
  });
});
