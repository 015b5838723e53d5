/** Who may call the analytics routes: applying (classify, predict, assign, check, recommend) is a read; training, clustering and deleting need the write scope. */
import { describe, expect, it } from 'vitest';
import { accessOf } from '../../src/http/access.ts';
import { createApp } from '../../src/http/app.ts';
import { DEFAULT_LIMITS } from '../../src/http/limits.ts';
import { MODELS } from '../../src/models.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { MemoryResourceStore } from '../../src/store/resources.ts';
import { bearer, TEST_READ_KEY, testAuth } from '../support/auth.ts';

describe('analytics access', () => {
  it('classifies each route', () => {
    for (const [method, path] of [
      ['POST', '/v1/classify'],
      ['POST', '/v1/recommend'],
      ['POST', '/v1/duplicates/check'],
      ['GET', '/v1/duplicates'],
      ['POST', '/v1/classifiers/label-logistic/predict'],
      ['POST', '/v1/clusterings/k3/assign'],
      ['GET', '/v1/classifiers'],
      ['GET', '/v1/clusterings/k3/items/x'],
    ]) {
      expect(accessOf(method!, path!), `${method} ${path}`).toBe('read');
    }
    for (const [method, path] of [
      ['POST', '/v1/classifiers'],
      ['DELETE', '/v1/classifiers/x'],
      ['POST', '/v1/clusterings'],
      ['DELETE', '/v1/clusterings/x'],
      ['POST', '/v1/classifiers/x/predict/more'],
      ['POST', '/v1/classifiers/x'],
    ]) {
      expect(accessOf(method!, path!), `${method} ${path}`).toBe('write');
    }
  });

  it('refuses training with a read-only key (403) and lets it classify', async () => {
    const model = MODELS.find((m) => m.id === 'vgg16-narrow-synthetic')!;
    const store = new MemoryStore({ id: model.id, version: model.version, dims: model.dims });
    const app = createApp({
      model,
      models: MODELS,
      extractor: () => Promise.reject(new Error('no model needed')),
      limits: DEFAULT_LIMITS,
      store,
      resources: new MemoryResourceStore(model),
      auth: testAuth(),
    });
    const post = (path: string, body: unknown) =>
      app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(TEST_READ_KEY) },
        body: JSON.stringify(body),
      });
    expect((await post('/v1/classifiers', { method: 'centroid' })).status).toBe(403);
    expect((await post('/v1/clusterings', { k: 2 })).status).toBe(403);
    await store.upsert([
      { id: 'a', vector: new Float32Array(model.dims).fill(1), metadata: { label: 'x' } },
      { id: 'b', vector: new Float32Array(model.dims).fill(0.5), metadata: { label: 'y' } },
    ]);
    const classified = await post('/v1/classify', { id: 'a', k: 1 });
    expect(classified.status).toBe(200);
    expect(((await classified.json()) as { label: string }).label).toBe('y');
  });
});
