/**
 * WebGPU and the fallback. Chromium without flags has `navigator.gpu` but no adapter: the library must
 * run on WASM and say why. With `--enable-unsafe-webgpu` Chromium offers a software adapter
 * (SwiftShader): the WebGPU execution provider then runs the 64-d narrow model here, slowly (seconds
 * per image on a CPU), and its vector is compared with the Worker's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureImage } from '../setup/fixtures.ts';
import { embedInPage, launchBrowser, maxAbsDiff, startServer, workerVector, type Browser, type Server } from './support.ts';

/** What the software adapter achieves here is ~1e-6 (float summation order differs from MLAS); allow 1e-4. */
const WEBGPU_TOLERANCE = 1e-4;

let server: Server;

beforeAll(async () => {
  server = await startServer('vgg16-narrow-synthetic');
});

afterAll(async () => {
  await server?.stop();
});

describe('without a WebGPU adapter (Chromium without flags)', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('falls back to WASM and says why', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/healthz`);
    const hasGpu = await page.evaluate(() => 'gpu' in (globalThis as unknown as { navigator: object }).navigator);
    expect(hasGpu).toBe(true); // the API exists...
    const result = await embedInPage(page, fixtureImage('chelsea.png'), { backend: 'auto' });
    expect(result.backend).toBe('wasm'); // ...but yields no adapter
    expect(result.fallbackReason).toBe('no WebGPU adapter (navigator.gpu.requestAdapter() returned null)');
    await page.close();
  });

  it('falls back to WASM when WebGPU is there but fails', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/healthz`);
    // An adapter whose device cannot be created, as a broken driver or a lost GPU would give.
    await page.evaluate(() => {
      const gpu = (globalThis as unknown as { navigator: { gpu: object } }).navigator.gpu;
      const adapter = {
        info: { vendor: 'test', architecture: 'broken', description: '' },
        features: new Set<string>(),
        limits: {},
        requestDevice: () => Promise.reject(new Error('simulated device failure')),
      };
      Object.defineProperty(gpu, 'requestAdapter', { value: async () => adapter });
    });
    const result = await embedInPage(page, fixtureImage('chelsea.png'), { backend: 'auto' });
    expect(result.backend).toBe('wasm');
    expect(result.adapter).toBe('test broken');
    expect(result.fallbackReason).toMatch(/^WebGPU failed: ./);
    expect(result.vector).toHaveLength(64);
    await page.close();
  });

  it('refuses when WebGPU is required', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/healthz`);
    await expect(embedInPage(page, fixtureImage('chelsea.png'), { backend: 'webgpu' })).rejects.toThrow(
      /WebGPU was required but no WebGPU adapter/,
    );
    await page.close();
  });
});

describe('with a software WebGPU adapter (--enable-unsafe-webgpu)', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser({ webgpu: true });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('runs the model on WebGPU and matches the Worker vector', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/healthz`);
    const bytes = fixtureImage('chelsea.png');
    const [inPage, inWorker] = await Promise.all([
      embedInPage(page, bytes, { backend: 'webgpu' }),
      workerVector(server.url, bytes, 'image/png'),
    ]);
    expect(inPage.backend).toBe('webgpu');
    expect(inPage.adapter).toMatch(/swiftshader/i);
    const diff = maxAbsDiff(inPage.vector, inWorker.vector);
    const scale = Math.max(...inWorker.vector.map(Math.abs));
    console.log(
      `webgpu (${inPage.adapter}): max abs diff ${diff.toExponential(2)} (largest |value| ${scale.toFixed(2)}), ` +
        `ready in ${inPage.loadMs.toFixed(0)} ms (incl. one verification run), embed ${inPage.embedMs.toFixed(0)} ms`,
    );
    expect(diff).toBeLessThan(WEBGPU_TOLERANCE);
    await page.close();
  });

  it('the demo shows the WebGPU backend', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/demo/`);
    await page.waitForFunction(
      () => (globalThis as unknown as { document: { body: { dataset: { state?: string } } } }).document.body.dataset.state !== 'loading',
      undefined,
      { timeout: 240_000 },
    );
    expect(await page.locator('#backend').textContent()).toBe('WebGPU');
    expect(await page.locator('#backend').getAttribute('data-backend')).toBe('webgpu');
    await page.close();
  });
});
