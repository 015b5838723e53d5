/**
 * Vector parity: the deployment's own browser library (/browser/edge-features.js) on the WASM path in
 * Chromium gives the Worker's vector for the same file, and the Worker stores a browser-computed vector
 * only when it names the model the Worker serves.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel } from '../../src/models.ts';
import { buildPng } from '../core/image/builders.ts';
import { flatGreyJpeg } from '../core/image/jpeg-fixtures.ts';
import { fixtureImage } from '../setup/fixtures.ts';
import { embedInPage, launchBrowser, maxAbsDiff, startServer, TEST_WRITE_KEY, workerVector, type Browser, type Server } from './support.ts';

/** The bound for PNG on the WASM path. */
const WASM_TOLERANCE = 1e-3;

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

async function parity(server: Server, page: Page, name: string, type: string, numThreads?: number) {
  const bytes = fixtureImage(name);
  const [inPage, inWorker] = await Promise.all([
    embedInPage(page, bytes, { backend: 'wasm', ...(numThreads && { numThreads }) }),
    workerVector(server.url, bytes, type),
  ]);
  const diff = maxAbsDiff(inPage.vector, inWorker.vector);
  const threads = numThreads ? `, ${numThreads} threads` : '';
  console.log(
    `parity ${inPage.model.id} ${name} (${inPage.backend}${threads}): max abs diff ${diff.toExponential(2)}, browser embed ${inPage.embedMs.toFixed(0)} ms`,
  );
  return { inPage, inWorker, diff };
}

describe('narrow model (64-d)', () => {
  let server: Server;
  let page: Page;

  beforeAll(async () => {
    server = await startServer('vgg16-narrow-synthetic');
    page = await browser.newPage();
    await page.goto(`${server.url}/healthz`);
  });

  afterAll(async () => {
    await page?.close();
    await server?.stop();
  });

  it('AVIF and HEIC: the browser decodes them as the Worker does (same decoders, same vector)', async () => {
    for (const [name, type] of [
      ['avif-10bit-420.avif', 'image/avif'],
      ['heic-irot3-imir0.heic', 'image/heic'],
    ] as const) {
      const bytes = new Uint8Array(readFileSync(new URL(`../fixtures/heif/${name}`, import.meta.url)));
      const [inPage, inWorker] = await Promise.all([embedInPage(page, bytes, { backend: 'wasm' }), workerVector(server.url, bytes, type)]);
      const diff = maxAbsDiff(inPage.vector, inWorker.vector);
      console.log(`parity ${name}: max abs diff ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(WASM_TOLERANCE);
    }
  });

  it('PNG: the browser WASM vector equals the Worker vector', async () => {
    const { inPage, inWorker, diff } = await parity(server, page, 'chelsea.png', 'image/png');
    expect(inPage.backend).toBe('wasm');
    expect(inPage.model).toMatchObject({ id: inWorker.model.id, version: inWorker.model.version, dims: 64 });
    expect(diff).toBeLessThan(WASM_TOLERANCE);
  });

  it('JPEG (the same libjpeg-turbo decoder on both sides): equal too', async () => {
    const { diff } = await parity(server, page, 'chelsea-q90.jpg', 'image/jpeg');
    expect(diff).toBeLessThan(WASM_TOLERANCE);
  });

  it('the new layouts and phone-sized images: bit-identical vectors (same decoders, same wasm)', async () => {
    const fixtures = (folder: string, name: string) =>
      new Uint8Array(readFileSync(new URL(`../fixtures/${folder}/${name}`, import.meta.url)));
    // Gradient rows so the 12 MP PNG's filters and inflate do real work (the flat JPEGs only prove the size is served).
    const side = { width: 4032, height: 3024 };
    const rows = Array.from({ length: side.height }, (_, y) =>
      Uint8Array.from({ length: side.width * 3 }, (_, i) => (i % 3 === 0 ? (i / 3) & 255 : i % 3 === 1 ? y & 255 : ((i / 3) ^ y) & 255)),
    );
    const cases: [string, Uint8Array, string][] = [
      ['4:4:0 JPEG', fixtures('jpeg-layouts', '440.jpg'), 'image/jpeg'],
      ['YCCK JPEG', fixtures('jpeg-layouts', 'ycck.jpg'), 'image/jpeg'],
      ['progressive 4:4:4 JPEG', fixtures('jpeg-layouts', 'progressive-444.jpg'), 'image/jpeg'],
      ['interlaced 16-bit RGBA PNG', fixtures('png', 'rgba16-adam7-61x47.png'), 'image/png'],
      ['12 MP JPEG (flat)', flatGreyJpeg(4032, 3024), 'image/jpeg'],
      ['48 MP JPEG (flat)', flatGreyJpeg(8000, 6000), 'image/jpeg'],
      ['12 MP PNG', await buildPng(side.width, side.height, 8, 2, rows), 'image/png'],
    ];
    for (const [label, bytes, type] of cases) {
      const [inPage, inWorker] = await Promise.all([embedInPage(page, bytes, { backend: 'wasm' }), workerVector(server.url, bytes, type)]);
      const diff = maxAbsDiff(inPage.vector, inWorker.vector);
      console.log(`parity ${label}: max abs diff ${diff.toExponential(2)}, browser embed ${inPage.embedMs.toFixed(0)} ms`);
      expect(diff, label).toBe(0);
    }
  });

  it('with WASM threads (a cross-origin isolated page): equal too', async () => {
    // Static files carry COOP/COEP: a page on one of them may start ORT's WASM threads.
    const isolated = await browser.newPage();
    await isolated.goto(`${server.url}/ort/runtime.json`);
    expect(await isolated.evaluate(() => (globalThis as unknown as { crossOriginIsolated: boolean }).crossOriginIsolated)).toBe(true);
    const { diff } = await parity(server, isolated, 'chelsea.png', 'image/png', 2);
    expect(diff).toBeLessThan(WASM_TOLERANCE);
    await isolated.close();
  });

  it('PUT /v1/items accepts the browser vector only with the serving model id and version', async () => {
    const bytes = fixtureImage('chelsea.png');
    const { vector, model } = await embedInPage(page, bytes, { backend: 'wasm' });
    const put = (id: string, body: unknown) =>
      fetch(`${server.url}/v1/items/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_WRITE_KEY}` },
        body: JSON.stringify(body),
      });

    const ok = await put('from-browser', { vector, model, metadata: { source: 'browser' } });
    expect(ok.status).toBe(200);
    const stored = (await (await fetch(`${server.url}/v1/items/from-browser?vector=true`)).json()) as {
      vector: number[];
      model: { id: string };
    };
    expect(stored.model.id).toBe('vgg16-narrow-synthetic');
    expect(maxAbsDiff(stored.vector, vector)).toBe(0);

    const wrongVersion = await put('wrong-version', { vector, model: { ...model, version: '999' } });
    expect(wrongVersion.status).toBe(422);
    expect(((await wrongVersion.json()) as { type: string }).type).toMatch(/model-mismatch$/);
    const wrongModel = await put('wrong-model', { vector, model: { id: 'vgg16-synthetic', version: '1' } });
    expect(wrongModel.status).toBe(422);
    const noModel = await put('no-model', { vector });
    expect(noModel.status).toBe(422);
  });
});

describe('full-size VGG16 (512-d, 58.9 MB fp32)', () => {
  let server: Server;
  let page: Page;

  beforeAll(async () => {
    server = await startServer('vgg16-synthetic');
    page = await browser.newPage();
    await page.goto(`${server.url}/healthz`);
  });

  afterAll(async () => {
    await page?.close();
    await server?.stop();
  });

  it('PNG: the browser WASM vector equals the Worker vector', async () => {
    const { inPage, diff } = await parity(server, page, 'chelsea.png', 'image/png');
    expect(inPage.model.dims).toBe(512);
    expect(diff).toBeLessThan(WASM_TOLERANCE);
  });
});

// The real-weights model, where this build has it (models/index.json).
describe.skipIf(!findModel('mobilenet-v2-1.4-nsfwjs'))('MobileNetV2 1.4 (real ImageNet features, 1792-d)', () => {
  let server: Server;
  let page: Page;

  beforeAll(async () => {
    server = await startServer('mobilenet-v2-1.4-nsfwjs');
    page = await browser.newPage();
    await page.goto(`${server.url}/healthz`);
  });

  afterAll(async () => {
    await page?.close();
    await server?.stop();
  });

  it('PNG: the browser WASM vector equals the Worker vector', async () => {
    const { inPage, diff } = await parity(server, page, 'chelsea.png', 'image/png');
    expect(inPage.model.dims).toBe(1792);
    expect(diff).toBeLessThan(WASM_TOLERANCE);
  });
});
