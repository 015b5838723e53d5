/**
 * The demo page in headless Chromium against `wrangler dev` (64-d narrow model, fresh KV and R2):
 * it loads on the WASM path (no WebGPU adapter without flags), embeds fixture photos, stores them,
 * shows the neighbours with thumbnails and scores, compares two photos, says clearly what went wrong
 * with unsupported files and network failures, and fits a phone-sized screen.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureImage } from '../setup/fixtures.ts';
import { launchBrowser, startServer, TEST_WRITE_KEY, waitForDemo, type Browser, type Server } from './support.ts';

const TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', bmp: 'image/bmp' };

let server: Server;
let browser: Browser;
let page: Page;

function file(name: string) {
  return { name, mimeType: TYPES[name.split('.').pop()!] ?? 'application/octet-stream', buffer: Buffer.from(fixtureImage(name)) };
}

/** Waits until the page is idle again after an action. */
async function idle(p: Page, check: string, value: string): Promise<void> {
  await p.waitForFunction(
    ([key, expected]) => {
      const { dataset } = (globalThis as unknown as { document: { body: { dataset: Record<string, string | undefined> } } }).document.body;
      return dataset.busy === 'false' && dataset[key!] === expected;
    },
    [check, value] as const,
    { timeout: 120_000 },
  );
}

async function embed(p: Page, upload: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  await p.evaluate(() => {
    (globalThis as unknown as { document: { body: { dataset: Record<string, string | undefined> } } }).document.body.dataset.embedded = '';
  });
  await p.locator('#file').setInputFiles(upload);
  await p.waitForFunction(
    () => {
      const d = globalThis as unknown as {
        document: { body: { dataset: Record<string, string | undefined> }; getElementById(id: string): { hidden: boolean } | null };
      };
      return (
        d.document.body.dataset.busy === 'false' &&
        (d.document.body.dataset.embedded || d.document.getElementById('embed-error')?.hidden === false)
      );
    },
    undefined,
    { timeout: 120_000 },
  );
}

async function store(p: Page, name: string, id: string): Promise<void> {
  await embed(p, file(name));
  await expect.poll(() => p.locator('#embed-result').textContent()).toMatch(/^Embedded on WASM in \d+ ms · 64-d vector$/);
  await p.locator('#item-id').fill(id);
  await p.locator('#store').click();
  await idle(p, 'stored', id);
  await expect.poll(() => p.locator('#store-result').textContent()).toBe(`Stored “${id}”.`);
}

async function neighbours(p: Page): Promise<Array<{ id: string; score: number; thumbnailWidth: number }>> {
  const items = p.locator('#similar li');
  const out = [];
  for (let i = 0; i < (await items.count()); i++) {
    const item = items.nth(i);
    const score = Number((await item.locator('.score').textContent())!.replace(/^cosine /, ''));
    const thumbnailWidth = await item
      .locator('img.thumb')
      .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)
      .catch(() => 0);
    out.push({ id: (await item.getAttribute('data-id'))!, score, thumbnailWidth });
  }
  return out;
}

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the demo page', () => {
  it('is served cross-origin isolated at /demo/ (and / redirects there)', async () => {
    const root = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/demo/');
    const response = await page.goto(`${server.url}/`);
    expect(page.url()).toBe(`${server.url}/demo/`);
    expect(response?.headers()['cross-origin-opener-policy']).toBe('same-origin');
    expect(response?.headers()['cross-origin-embedder-policy']).toBe('require-corp');
    expect(await page.evaluate(() => (globalThis as unknown as { crossOriginIsolated: boolean }).crossOriginIsolated)).toBe(true);
  });

  it('loads the model on the WASM path and says why not WebGPU', async () => {
    expect(await waitForDemo(page)).toBe('ready');
    expect(await page.locator('#backend').textContent()).toBe('WASM');
    expect(await page.locator('#backend').getAttribute('data-backend')).toBe('wasm');
    expect(await page.locator('#model-name').textContent()).toBe('vgg16-narrow-synthetic@1 (64-d, fp32)');
    expect(await page.locator('#load-time').textContent()).toMatch(/^\d+(\.\d)? (ms|s)$/);
    expect(await page.locator('#load-status').textContent()).toMatch(/WASM because no WebGPU adapter/);
    expect(browser.errors).toEqual([]);
  });

  it('asks for an API key before storing, and sends the one given', async () => {
    await embed(page, file('coffee.png'));
    await page.locator('#item-id').fill('no-key');
    await page.locator('#store').click();
    await expect
      .poll(() => page.locator('#store-result').textContent())
      .toBe(
        'Not stored. This needs an API key with the “write” scope: enter one under “API key” (locally, npm start puts one in .dev.vars).',
      );
    await page.locator('#api-key').fill('not-a-key-0123456789');
    await page.locator('#store').click();
    await expect
      .poll(() => page.locator('#store-result').textContent())
      .toBe('Not stored. The service does not know this API key: check the one under “API key”.');
    // The key the tests' server knows; kept for this tab (sessionStorage) and sent from now on.
    await page.locator('#api-key').fill(TEST_WRITE_KEY);
    // The refusals are the expected 401s, logged by the browser as failed loads.
    browser.errors.length = 0;
  });

  it('embeds a photo, stores it, and shows the stored neighbours with thumbnails and scores', async () => {
    await store(page, 'coffee.png', 'coffee');
    await store(page, 'rocket.jpg', 'rocket');
    await store(page, 'astronaut.png', 'astronaut');
    await store(page, 'chelsea-q90.jpg', 'chelsea-q90');
    await store(page, 'chelsea.png', 'chelsea');

    // After storing, the list is GET /v1/items/chelsea/similar: every other item, best first.
    const found = await neighbours(page);
    expect(found.map((n) => n.id).sort()).toEqual(['astronaut', 'chelsea-q90', 'coffee', 'rocket']);
    expect(found[0]!.id).toBe('chelsea-q90');
    expect(found[0]!.score).toBeGreaterThan(0.99);
    for (let i = 1; i < found.length; i++) expect(found[i]!.score).toBeLessThanOrEqual(found[i - 1]!.score);
    // Thumbnails come from R2 through GET /v1/thumbnails/:id, at most 160 px.
    for (const n of found) expect(n.thumbnailWidth).toBeGreaterThan(0);
    for (const n of found) expect(n.thumbnailWidth).toBeLessThanOrEqual(160);
    expect(await page.locator('#similar-note').textContent()).toMatch(/^Nearest to “chelsea” by cosine/);

    // A photo that is only embedded (not stored) searches with its browser-computed vector.
    await embed(page, file('chelsea.webp'));
    const near = await neighbours(page);
    expect(
      near
        .slice(0, 2)
        .map((n) => n.id)
        .sort(),
    ).toEqual(['chelsea', 'chelsea-q90']);
    // Its near-duplicates among the neighbours (the synthetic model's vectors of any two photos are close).
    expect(await page.locator('#insights').textContent()).toMatch(/^looks like a duplicate of chelsea(-q90)? \((0\.99\d|1\.000)\)/);
    expect(browser.errors).toEqual([]);
  });

  it('compares two photos', async () => {
    await page.locator('#compare-a').setInputFiles(file('chelsea.png'));
    await expect.poll(() => page.locator('#compare-result').textContent()).toMatch(/^Photo A embedded/);
    await page.locator('#compare-b').setInputFiles(file('chelsea-lossless.webp'));
    // Lossless WebP holds the same pixels as the PNG: the same vector.
    await expect
      .poll(() => page.locator('#compare-result').textContent())
      .toMatch(/^cosine similarity 1\.0000 · euclidean distance 0\.00 \(WASM/);
    await page.locator('#compare-b').setInputFiles(file('coffee.png'));
    await expect
      .poll(() => page.locator('#compare-result').textContent())
      .toMatch(/^cosine similarity 0\.\d{4} · euclidean distance [1-9]/);
  });

  it('says clearly when a file is not a photo it can read', async () => {
    await embed(page, { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('these are notes, not a photo') });
    await expect
      .poll(() => page.locator('#embed-error').textContent())
      .toBe('“notes.txt” is not a photo this page can read: use a JPEG, PNG, WebP, GIF, BMP, AVIF or HEIC image.');
    expect(await page.locator('#current').isHidden()).toBe(true);

    await embed(page, { name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from(fixtureImage('chelsea.png').subarray(0, 4000)) });
    expect(await page.locator('#embed-error').textContent()).toMatch(/^“broken\.png” could not be decoded: it looks damaged or truncated/);

    // The page recovers: the next good photo embeds.
    await embed(page, file('chelsea.gif'));
    expect(await page.locator('#embed-error').isHidden()).toBe(true);
    expect(await page.locator('#embed-result').textContent()).toMatch(/^Embedded on WASM/);
  });

  it('says clearly when the service cannot be reached', async () => {
    await page.route('**/v1/search', (route) => route.abort('internetdisconnected'));
    await page.route('**/v1/items/**', (route) => route.abort('internetdisconnected'));
    await embed(page, file('chelsea-420.jpg'));
    // Embedding needs no network: the vector is computed here. Searching does.
    expect(await page.locator('#embed-result').textContent()).toMatch(/^Embedded on WASM/);
    expect(await page.locator('#similar-error').textContent()).toBe(
      'Could not search the stored photos. Cannot reach the service: check your connection and try again.',
    );
    await page.locator('#item-id').fill('offline');
    await page.locator('#store').click();
    await expect
      .poll(() => page.locator('#store-result').textContent())
      .toBe('Not stored. Cannot reach the service: check your connection and try again.');
    await page.unrouteAll();
  });

  it('shows the service’s own explanation when it refuses', async () => {
    await page.route('**/v1/items/**', (route) =>
      route.fulfill({
        status: 422,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          type: 'https://edge-features.dev/problems/model-mismatch',
          status: 422,
          title: 'The vector comes from another model',
          detail: 'This deployment stores x@2 vectors only.',
        }),
      }),
    );
    await page.locator('#item-id').fill('refused');
    await page.locator('#store').click();
    await expect
      .poll(() => page.locator('#store-result').textContent())
      .toBe('Not stored. The service refused: The vector comes from another model. This deployment stores x@2 vectors only.');
    await page.unrouteAll();
  });

  it('fits a phone-sized screen', async () => {
    const phone = await browser.newPage();
    await phone.setViewportSize({ width: 360, height: 740 });
    await phone.goto(`${server.url}/demo/`);
    expect(await waitForDemo(phone)).toBe('ready');
    await embed(phone, file('chelsea.png'));
    const widths = await phone.evaluate(() => {
      const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
      return { scroll: d.documentElement.scrollWidth, client: d.documentElement.clientWidth };
    });
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    for (const selector of ['#drop', '#store', '#similar li >> nth=0', '#drop-b']) {
      const box = await phone.locator(selector).boundingBox();
      expect(box, selector).not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(360);
    }
    await phone.close();
  });
});
