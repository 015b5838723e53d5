/**
 * Limits are checked before anything expensive: a request over a limit (body bytes, batch size, k,
 * metadata) is refused without a single image being decoded or embedded.
 */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import { MODELS } from '../../src/models.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { keyed, testAuth } from '../support/auth.ts';

const model = MODELS.find((m) => m.id === 'vgg16-narrow-synthetic')!;
const LIMITS = { maxBodyBytes: 64 * 1024, maxPixels: 1_000_000, maxBatch: 2 };

function counting() {
  const embedded: number[] = [];
  const app = keyed(
    createApp({
      model,
      models: MODELS,
      extractor: async () => ({
        manifest: model,
        embed: async (bytes: Uint8Array) => (embedded.push(bytes.length), new Float32Array(model.dims).fill(1)),
      }),
      limits: LIMITS,
      store: new MemoryStore({ id: model.id, version: model.version, dims: model.dims }),
      auth: testAuth(),
    }),
  );
  return { app, embedded };
}

const json = (body: unknown, method = 'POST') => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const image = btoa('\x89PNG\r\n\x1a\n-not-really');

describe('limits before expensive work', () => {
  it('413 for a body over MAX_BODY_BYTES on every route that takes one', async () => {
    const { app, embedded } = counting();
    const big = new Uint8Array(LIMITS.maxBodyBytes + 1);
    for (const [path, method] of [
      ['/v1/embed', 'POST'],
      ['/v1/items/x', 'PUT'],
      ['/v1/items', 'POST'],
      ['/v1/search', 'POST'],
      ['/v1/compare', 'POST'],
    ] as const) {
      const response = await app.request(path, { method, body: big, headers: { 'content-type': 'image/png' } });
      expect(`${path} ${response.status}`).toBe(`${path} 413`);
      expect(((await response.json()) as { limit: number }).limit).toBe(LIMITS.maxBodyBytes);
    }
    expect(embedded).toEqual([]);
  });

  it('413 for batches over MAX_BATCH images', async () => {
    const { app, embedded } = counting();
    expect((await app.request('/v1/embed', json({ images: [image, image, image] }))).status).toBe(413);
    const items = [1, 2, 3].map((i) => ({ id: `i${i}`, image }));
    expect((await app.request('/v1/items', json({ items }))).status).toBe(413);
    expect(embedded).toEqual([]);
  });

  it('422 for k over the store maximum and for metadata over 10 KiB, before the image is embedded', async () => {
    const { app, embedded } = counting();
    const k = await app.request('/v1/search', json({ image, k: 10_000 }));
    expect(k.status).toBe(422);
    expect(((await k.json()) as { type: string }).type).toMatch(/k-too-large$/);
    const metadata = await app.request('/v1/items/x', json({ image, metadata: { note: 'x'.repeat(11_000) } }, 'PUT'));
    expect(metadata.status).toBe(422);
    expect(((await metadata.json()) as { detail: string }).detail).toMatch(/metadata/);
    expect(embedded).toEqual([]);
  });
});
