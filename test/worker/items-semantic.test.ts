/**
 * With real weights, a JPEG / WebP / cropped / resized variant of a fixture photo finds the original
 * first. Runs against the model in MODELS whose id contains "mobilenet" (real ImageNet-trained
 * MobileNetV2 weights from nsfwjs); skipped while the build has none. SEMANTIC_MODEL_ID overrides
 * the choice (e.g. to check the plumbing with a synthetic model).
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { decodeImage, resizeRgb, type RgbImage } from '../../src/core/image/index.ts';
import { MODELS } from '../../src/models.ts';
import { buildApp, type Env } from '../../src/worker.ts';
import { fixture, request } from './helpers.ts';
import { toBmp } from '../../tools/bench/bmp.ts';

const override = (env as unknown as { SEMANTIC_MODEL_ID?: string }).SEMANTIC_MODEL_ID;
const model = MODELS.find((m) => (override ? m.id === override : m.id.includes('mobilenet')));

function crop(image: RgbImage, left: number, top: number, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    data.set(image.data.subarray(((top + y) * image.width + left) * 3, ((top + y) * image.width + left + width) * 3), y * width * 3);
  }
  return { width, height, data };
}

describe.skipIf(!model)(`real weights (${model?.id ?? 'no mobilenet model in MODELS'}): variants find their original first`, () => {
  const app = buildApp({ ...(env as unknown as Env), MODEL_ID: model?.id });
  const namespace = `semantic-${Date.now().toString(36)}`;
  const fetch = async (path: string, init?: RequestInit) => app.fetch(request(path, init), env);
  const originals = {
    chelsea: ['chelsea.png', 'image/png'],
    coffee: ['coffee.png', 'image/png'],
    astronaut: ['astronaut.png', 'image/png'],
    rocket: ['rocket.jpg', 'image/jpeg'],
    motorcycle: ['motorcycle_left.png', 'image/png'],
    camera: ['camera.png', 'image/png'],
    hubble: ['hubble_deep_field.jpg', 'image/jpeg'],
  } as const;

  async function nearest(bytes: Uint8Array<ArrayBuffer>, type: string): Promise<Array<{ id: string; score: number }>> {
    const response = await fetch(`/v1/search?namespace=${namespace}&k=3`, {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': type },
    });
    if (response.status !== 200) expect.fail(`${response.status} ${await response.text()}`);
    return ((await response.json()) as { results: Array<{ id: string; score: number }> }).results;
  }

  it('stores the originals', { timeout: 300_000 }, async () => {
    for (const [id, [file, type]] of Object.entries(originals)) {
      const response = await fetch(`/v1/items/${id}?namespace=${namespace}`, {
        method: 'PUT',
        body: fixture(file),
        headers: { 'content-type': type },
      });
      expect(response.status, `${id}: ${await response.clone().text()}`).toBe(200);
    }
  });

  it('a JPEG, a lossy WebP and a 4:2:0 JPEG of chelsea find chelsea first', async () => {
    for (const [file, type] of [
      ['chelsea-q90.jpg', 'image/jpeg'],
      ['chelsea.webp', 'image/webp'],
      ['chelsea-420.jpg', 'image/jpeg'],
    ] as const) {
      const results = await nearest(fixture(file), type);
      expect(results[0]?.id, `${file}: ${JSON.stringify(results)}`).toBe('chelsea');
    }
  });

  it('a cropped and a resized variant find their original first', async () => {
    for (const id of ['chelsea', 'coffee', 'astronaut', 'motorcycle'] as const) {
      const [file] = originals[id];
      const rgb = await decodeImage(fixture(file), { maxPixels: 50_000_000, orientation: 'apply' });
      // 80% of each side, off-centre; and half the size, bilinear.
      const cropped = crop(
        rgb,
        Math.round(rgb.width * 0.15),
        Math.round(rgb.height * 0.05),
        Math.round(rgb.width * 0.8),
        Math.round(rgb.height * 0.8),
      );
      const resized = resizeRgb(rgb, Math.round(rgb.width / 2), Math.round(rgb.height / 2), 'bilinear');
      for (const [variant, image] of [
        ['cropped', cropped],
        ['resized', resized],
      ] as const) {
        const results = await nearest(toBmp(image), 'image/bmp');
        expect(results[0]?.id, `${id} ${variant}: ${JSON.stringify(results)}`).toBe(id);
      }
    }
  });

  it('the 3000 px JPEG of the Hubble deep field finds the original first', async () => {
    const results = await nearest(fixture('hubble-3000.jpg'), 'image/jpeg');
    expect(results[0]?.id, JSON.stringify(results)).toBe('hubble');
  });
});
