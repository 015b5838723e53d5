/**
 * The typed client inside workerd — as another Worker would use it, with a service binding's `fetch` —
 * against this Worker (64-d model, KV items, R2 thumbnails); and the static files the Worker serves.
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createClient, type EdgeFeaturesError } from '../../src/client/index.ts';
import { BASE, bearer, call, fixture, TEST_WRITE_KEY } from './helpers.ts';

const client = createClient({
  baseUrl: BASE,
  namespace: 'client-test',
  headers: bearer(TEST_WRITE_KEY),
  fetch: (request) => exports.default.fetch(request),
});

describe('the client inside a Worker', () => {
  it('embeds, stores a precomputed vector, finds neighbours and compares', async () => {
    const chelsea = fixture('chelsea.png');
    const embedded = await client.embed(chelsea);
    expect(embedded.vector).toHaveLength(64);
    expect(embedded.model.id).toBe('vgg16-narrow-synthetic');

    await client.putItem('chelsea', { vector: embedded.vector, model: embedded.model }, { metadata: { kind: 'cat' } });
    await client.putItem('chelsea-jpeg', { image: fixture('chelsea-q90.jpg') }, { metadata: { kind: 'cat' } });
    await client.putItem('coffee', { image: new Blob([fixture('coffee.png')]) }, { metadata: { kind: 'cup' } });

    const similar = await client.similar('chelsea', { k: 2 });
    expect(similar.results.map((r) => r.id)).toEqual(['chelsea-jpeg', 'coffee']);
    expect(similar.results[0]!.score).toBeGreaterThan(similar.results[1]!.score);
    const search = await client.search({ image: chelsea }, { k: 1 });
    expect(search.results[0]!.id).toBe('chelsea');

    const compared = await client.compare(chelsea, fixture('chelsea-lossless.webp'));
    expect(compared.cosine).toBeCloseTo(1, 6);

    const refused = (await client
      .putItem('x', { vector: embedded.vector, model: { id: 'vgg16-synthetic', version: '1' } })
      .catch((e: unknown) => e)) as EdgeFeaturesError;
    expect(refused).toMatchObject({ kind: 'http', status: 422, problemKind: 'model-mismatch' });
  });

  it('keeps thumbnails in R2 and serves them back', async () => {
    const webp = fixture('chelsea.webp');
    await client.putThumbnail('chelsea', webp);
    const response = await call(new URL(client.thumbnailUrl('chelsea')).pathname + new URL(client.thumbnailUrl('chelsea')).search);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/webp');
    expect(response.headers.get('etag')).toMatch(/^".+"$/);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(webp);
  });
});

describe('static files from the ASSETS binding', () => {
  it('serves the demo page cross-origin isolated, and / redirects to it', async () => {
    const root = await call('/', { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/demo/');
    const demo = await call('/demo/');
    expect(demo.status).toBe(200);
    expect(demo.headers.get('content-type')).toMatch(/^text\/html/);
    expect(demo.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(demo.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const html = await demo.text();
    expect(html).toMatch(/<script type="module" src="demo.js"><\/script>/);
    expect(html).not.toMatch(/<script>|<script type="module">|\sstyle=|\son[a-z]+=/); // no inline script or style
  });

  it('serves the API reference page under the page policy, its scripts from the deployment', async () => {
    const page = await call('/reference/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await page.text();
    expect(html).toMatch(/<script defer src="swagger-ui\/swagger-ui-bundle.js"><\/script>/);
    expect(html).toMatch(/<script defer src="reference.js"><\/script>/);
    expect(html).not.toMatch(/<script>|\sstyle=|\son[a-z]+=|https?:\/\//); // no inline script or style, nothing from elsewhere
    const script = await call('/reference/reference.js');
    expect(script.status).toBe(200);
    expect(await script.text()).toMatch(/new URL\('\.\.\/openapi\.json', location\.href\)/);
  });

  it('serves the model files to browsers, and 404s as problems', async () => {
    const manifest = (await (await call('/v1/models/vgg16-narrow-synthetic/manifest')).json()) as {
      graph: { path: string; bytes: number };
    };
    const graph = await call(`/models/vgg16-narrow-synthetic/${manifest.graph.path}`);
    expect(graph.status).toBe(200);
    expect((await graph.arrayBuffer()).byteLength).toBe(manifest.graph.bytes);
    expect(graph.headers.get('access-control-allow-origin')).toBe('*');
    const missing = await call('/demo/nope.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
  });
});
