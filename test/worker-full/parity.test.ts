import { expect, inject, it } from 'vitest';
import { call, fixture, maxAbsDiff, postImage, type EmbedAnswer } from '../worker/helpers.ts';

it('the Worker (onnxruntime-web in workerd) matches onnxruntime-node on full-size VGG16 for chelsea.png', async () => {
  const models = (await (await call('/v1/models')).json()) as Array<{ id: string; serving: boolean }>;
  const serving = models.find((m) => m.serving)!;
  expect(serving.id).toBe('vgg16-synthetic');

  const response = await postImage(fixture('chelsea.png'), 'image/png');
  expect(response.status).toBe(200);
  const body = (await response.json()) as EmbedAnswer;
  expect(body.dims).toBe(512);
  expect(body.vector).toHaveLength(512);
  expect(body.vector!.every(Number.isFinite)).toBe(true);

  const native = inject('nativeVectors')['vgg16-synthetic']!['chelsea.png']!;
  const diff = maxAbsDiff(body.vector!, native);
  console.log(`full-size VGG16 workerd vs onnxruntime-node: max abs diff ${diff.toExponential(2)}`);
  expect(diff).toBeLessThan(1e-4);
});

it('reports the wasm memory holding the full-size model (its fp32 weights alone are 58.9 MB)', async () => {
  const health = (await (await call('/healthz')).json()) as { runtime: { wasmMemoryBytes: number } };
  expect(health.runtime.wasmMemoryBytes).toBeGreaterThan(58_900_000);
});
