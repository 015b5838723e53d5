/**
 * Takes the docs' screenshots (docs/demo.png in docs/browser.md, docs/images/reference.png in the README): starts the Worker (`wrangler dev`, fresh state), then
 * - demo: stores a few fixture photos through the page, embeds a grey-scale Chelsea (not stored) so the page
 *   shows its nearest stored photos, compares two photos, and writes a PNG;
 * - reference: the API reference page (/reference/) with every route of /openapi.json.
 *
 *   npm run demo:screenshot -- [--model ID] [--out docs/demo.png] [--reference-out docs/images/reference.png]
 *                              [--only demo|reference] [--webgpu]
 * (default model: the one the Worker serves, MODEL_ID in wrangler.toml)
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { startWranglerDev } from '../bench/wrangler-dev.ts';
import { buildBrowser } from './build.ts';
import { launchChromium } from './chromium.ts';
import { paletteOf } from './png-palette.ts';

const FIXTURES = new URL('../../../shared/fixtures/images/', import.meta.url);
const STORED: ReadonlyArray<[file: string, id: string]> = [
  ['chelsea-q90.jpg', 'chelsea'],
  ['coffee.png', 'coffee'],
  ['astronaut.png', 'astronaut'],
  ['rocket.jpg', 'rocket'],
  ['motorcycle_left.png', 'motorcycle'],
  ['camera.png', 'camera'],
  ['hubble_deep_field.jpg', 'hubble'],
];
const QUERY = 'chelsea-gray.jpg';
const TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' };

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    out: { type: 'string', default: 'docs/demo.png' },
    'reference-out': { type: 'string', default: 'docs/images/reference.png' },
    only: { type: 'string' },
    webgpu: { type: 'boolean', default: false },
  },
});
if (values.only !== undefined && values.only !== 'demo' && values.only !== 'reference') throw new Error('--only takes demo or reference');

async function upload(name: string) {
  return { name, mimeType: TYPES[name.split('.').pop()!]!, buffer: await readFile(new URL(name, FIXTURES)) };
}

/** Resolves once the page is idle and `check(document.body.dataset)` holds. */
async function until(page: Page, key: string, value: string): Promise<void> {
  await page.waitForFunction(
    ([k, v]) => {
      const { dataset } = (globalThis as unknown as { document: { body: { dataset: Record<string, string | undefined> } } }).document.body;
      return dataset.busy === 'false' && dataset[k!] === v;
    },
    [key, value] as const,
    { timeout: 300_000 },
  );
}

/** The demo with stored photos, a query's neighbours and a comparison. */
async function shootDemo(page: Page, out: string): Promise<void> {
  await page.goto(`${server.url}/demo/`);
  await page.waitForFunction(
    () => (globalThis as unknown as { document: { body: { dataset: { state?: string } } } }).document.body.dataset.state !== 'loading',
    undefined,
    {
      timeout: 300_000,
    },
  );
  await page.locator('#api-key').fill(apiKey);
  for (const [file, id] of STORED) {
    await page.locator('#file').setInputFiles(await upload(file));
    await until(page, 'embedded', file);
    await page.locator('#item-id').fill(id);
    await page.locator('#store').click();
    await until(page, 'stored', id);
    console.log(`stored ${id}: ${await page.locator('#embed-result').textContent()}`);
  }
  await page.locator('#compare-a').setInputFiles(await upload('chelsea.png'));
  await page.locator('#compare-b').setInputFiles(await upload(QUERY));
  await page.waitForFunction(() =>
    /^cosine/.test(
      (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById(
        'compare-result',
      ).textContent,
    ),
  );
  await page.locator('#file').setInputFiles(await upload(QUERY));
  await until(page, 'embedded', QUERY);
  // Let the thumbnails arrive.
  await page.waitForFunction(() =>
    Array.from(
      (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ complete: boolean }> } }).document.querySelectorAll(
        '#similar img',
      ),
    ).every((img) => img.complete),
  );
  console.log(await page.locator('#similar-note').textContent());
  console.log((await page.locator('#similar li').allTextContents()).join('\n'));
  // A palette PNG: the photos in it would otherwise make it ~330 KB.
  await writeFile(out, await paletteOf(await page.screenshot({ fullPage: true })));
  console.log(`${out}: ${(await stat(out)).size} bytes`);
}

/** The API reference with every operation of /openapi.json listed (collapsed). */
async function shootReference(page: Page, out: string): Promise<void> {
  await page.goto(`${server.url}/reference/`);
  await page.waitForFunction(
    () => (globalThis as unknown as { document: { body: { dataset: { state?: string } } } }).document.body.dataset.state === 'ready',
    undefined,
    {
      timeout: 60_000,
    },
  );
  console.log(`reference: ${await page.locator('.opblock').count()} operations`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, await paletteOf(await page.screenshot({ fullPage: true })));
  console.log(`${out}: ${(await stat(out)).size} bytes`);
}

await buildBrowser();
const state = await mkdtemp(join(tmpdir(), 'edge-features-screenshot-'));
// A key for this run only: the page stores items, which needs the write scope.
const apiKey = `screenshot-${crypto.randomUUID()}`;
const server = await startWranglerDev(
  { ...(values.model && { MODEL_ID: values.model }), API_KEYS: `screenshot:read+write:${apiKey}` },
  180_000,
  {
    args: ['--persist-to', state],
  },
);
const chromium = await launchChromium({ webgpu: values.webgpu, viewport: { width: 1040, height: 800 } });
try {
  const page = await chromium.context.newPage();
  if (values.only !== 'reference') await shootDemo(page, values.out);
  if (values.only !== 'demo') await shootReference(page, values['reference-out']);
} finally {
  await chromium.close();
  await server.stop();
  await rm(state, { recursive: true, force: true });
}
