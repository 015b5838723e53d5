import { describe, expect, it } from 'vitest';
import { bytesToFloat32 } from '../../src/core/util/float32-bytes.ts';
import { call, expectProblem, fixture, maxAbsDiff, postImage, toBase64, type EmbedAnswer } from './helpers.ts';

const MODEL = 'vgg16-narrow-synthetic';
const DIMS = 64;

async function embedVector(response: Response, label?: string): Promise<number[]> {
  if (response.status !== 200) expect.fail(`${label ?? 'embed'}: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as EmbedAnswer;
  expect(body.model.id).toBe(MODEL);
  expect(body.dims).toBe(DIMS);
  expect(body.vector).toHaveLength(DIMS);
  return body.vector!;
}

describe('POST /v1/embed', () => {
  it('embeds a raw PNG body into finite floats, with the model card', async () => {
    const response = await postImage(fixture('chelsea.png'), 'image/png');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.clone().json()) as EmbedAnswer;
    expect(body.model).toMatchObject({ id: MODEL, version: '1', dims: DIMS, quantization: 'fp32' });
    expect(body.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    const vector = await embedVector(response);
    expect(vector.every(Number.isFinite)).toBe(true);
    expect(vector.some((v) => v !== 0)).toBe(true);
  });

  it('gives the same vector for the raw, JSON base64, data-URL and multipart forms of one image', async () => {
    const png = fixture('chelsea.png');
    const raw = await embedVector(await postImage(png, 'image/png'));
    const json = await embedVector(
      await call('/v1/embed', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ image: toBase64(png) }),
      }),
    );
    const dataUrl = await embedVector(
      await call('/v1/embed', {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ image: `data:image/png;base64,${toBase64(png)}` }),
      }),
    );
    const form = new FormData();
    form.append('image', new Blob([png], { type: 'image/png' }), 'chelsea.png');
    const multipart = await embedVector(await call('/v1/embed', { method: 'POST', body: form }));
    expect(json).toEqual(raw);
    expect(dataUrl).toEqual(raw);
    expect(multipart).toEqual(raw);
  });

  it('embeds every accepted format, and lossless encodings of one photo give one vector', async () => {
    const png = await embedVector(await postImage(fixture('chelsea.png'), 'image/png'));
    const bmp = await embedVector(await postImage(fixture('chelsea.bmp'), 'image/bmp'));
    const webpLossless = await embedVector(await postImage(fixture('chelsea-lossless.webp'), 'image/webp'));
    expect(bmp).toEqual(png);
    expect(webpLossless).toEqual(png);
    for (const [name, type] of [
      ['chelsea-q90.jpg', 'image/jpeg'],
      ['chelsea-progressive.jpg', 'image/jpeg'],
      ['chelsea-cmyk.jpg', 'image/jpeg'],
      ['chelsea-gray.jpg', 'image/jpeg'],
      ['chelsea.webp', 'image/webp'],
      ['chelsea.gif', 'image/gif'],
      ['chelsea-rgba.png', 'image/png'],
      ['chelsea-gray16.png', 'image/png'],
      ['green_palette.png', 'image/png'],
    ] as const) {
      const vector = await embedVector(await postImage(fixture(name), type), name);
      expect(vector.every(Number.isFinite), name).toBe(true);
    }
  });

  it('answers a multipart batch with one vector per file, in order', async () => {
    const form = new FormData();
    form.append('image', new Blob([fixture('chelsea.png')], { type: 'image/png' }), 'a.png');
    form.append('image', new Blob([fixture('coffee.png')], { type: 'image/png' }), 'b.png');
    const response = await call('/v1/embed', { method: 'POST', body: form });
    expect(response.status).toBe(200);
    const body = (await response.json()) as EmbedAnswer;
    expect(body.vectors).toHaveLength(2);
    expect(body.vector).toBeUndefined();
    expect(body.vectors![0]).toEqual(await embedVector(await postImage(fixture('chelsea.png'), 'image/png')));
    expect(body.vectors![1]).toEqual(await embedVector(await postImage(fixture('coffee.png'), 'image/png')));
    expect(maxAbsDiff(body.vectors![0]!, body.vectors![1]!)).toBeGreaterThan(0);
  });

  it('answers a JSON "images" list as a batch', async () => {
    const response = await call('/v1/embed', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ images: [toBase64(fixture('rocket.jpg'))] }),
    });
    const body = (await response.json()) as EmbedAnswer;
    expect(body.vectors).toHaveLength(1);
    expect(body.vectors![0]).toHaveLength(DIMS);
  });

  it('sends little-endian float32 bytes on Accept: application/octet-stream', async () => {
    const png = fixture('chelsea.png');
    const json = await embedVector(await postImage(png, 'image/png'));
    const response = await call('/v1/embed', {
      method: 'POST',
      body: png,
      headers: { 'content-type': 'image/png', accept: 'application/octet-stream' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('x-model-id')).toBe(MODEL);
    expect(response.headers.get('x-vector-dims')).toBe(String(DIMS));
    const bytes = await response.arrayBuffer();
    expect(bytes.byteLength).toBe(DIMS * 4);
    const vector = Array.from(bytesToFloat32(bytes));
    expect(vector).toEqual(json.map((v) => Math.fround(v)));
  });

  it('honours resize and orientation options', async () => {
    const jpeg = fixture('chelsea-exif6.jpg');
    const applied = await embedVector(await postImage(jpeg, 'image/jpeg'));
    const explicit = await embedVector(await postImage(jpeg, 'image/jpeg', '?orientation=apply'));
    const ignored = await embedVector(await postImage(jpeg, 'image/jpeg', '?orientation=ignore'));
    expect(explicit).toEqual(applied); // apply is the default
    expect(maxAbsDiff(applied, ignored)).toBeGreaterThan(1e-3);
    const png = fixture('chelsea.png');
    const nearest = await embedVector(await postImage(png, 'image/png'));
    const bilinear = await embedVector(await postImage(png, 'image/png', '?resize=bilinear'));
    expect(maxAbsDiff(nearest, bilinear)).toBeGreaterThan(0);
  });

  it('serves concurrent requests with the one session, each getting its own image’s vector', async () => {
    const names = ['chelsea.png', 'coffee.png', 'rocket.jpg', 'astronaut.png', 'camera.png', 'chelsea.png'];
    const types = names.map((n) => (n.endsWith('.png') ? 'image/png' : 'image/jpeg'));
    const sequential: number[][] = [];
    for (let i = 0; i < names.length; i++) sequential.push(await embedVector(await postImage(fixture(names[i]!), types[i]!)));
    const concurrent = await Promise.all(names.map(async (n, i) => embedVector(await postImage(fixture(n), types[i]!))));
    expect(concurrent).toEqual(sequential);
    expect(concurrent[5]).toEqual(concurrent[0]);
  });
});

describe('POST /v1/embed rejects bad input with a problem', () => {
  it('415 for a text file posted as an image', async () => {
    const text = new TextEncoder().encode('hello, this is not an image\n'.repeat(10));
    const problem = await expectProblem(await postImage(text, 'image/png'), 415);
    expect(problem.accepted).toEqual(expect.arrayContaining(['jpeg', 'png', 'webp', 'gif', 'bmp', 'avif', 'heic']));
  });

  it('415 for an unsupported content type, listing what is accepted', async () => {
    const problem = await expectProblem(
      await call('/v1/embed', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }),
      415,
    );
    expect(JSON.stringify(problem.accepted)).toContain('multipart/form-data');
  });

  it('415 for an image format that is not accepted (TIFF)', async () => {
    const tiff = new Uint8Array([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0, 0, 0, 0, 0]);
    await expectProblem(await postImage(tiff, 'image/tiff'), 415);
  });

  it('400 for truncated images of every format', async () => {
    for (const [name, type] of [
      ['chelsea.png', 'image/png'],
      ['chelsea-q90.jpg', 'image/jpeg'],
      ['chelsea.webp', 'image/webp'],
      ['chelsea.gif', 'image/gif'],
      ['chelsea.bmp', 'image/bmp'],
    ] as const) {
      const bytes = fixture(name);
      const problem = await expectProblem(await postImage(bytes.slice(0, Math.floor(bytes.length / 3)), type), 400);
      expect(problem.detail.length, name).toBeGreaterThan(0);
    }
  });

  it('400 for an empty body', async () => {
    await expectProblem(await postImage(new Uint8Array(0), 'image/png'), 400);
  });

  it('413 for a body over MAX_BODY_BYTES, before reading it all', async () => {
    const big = new Uint8Array(4 * 1024 * 1024 + 1);
    big.set(fixture('chelsea.png').subarray(0, 64));
    const problem = await expectProblem(await postImage(big, 'image/png'), 413);
    expect(problem.limit).toBe(4 * 1024 * 1024);
  });

  it('413 for an image whose header claims more than MAX_PIXELS, without decoding it', async () => {
    // A valid PNG signature and IHDR claiming 30000 x 30000, then a tiny IDAT: a decompression bomb.
    const png = fixture('chelsea.png').slice();
    const view = new DataView(png.buffer);
    view.setUint32(16, 30000);
    view.setUint32(20, 30000);
    const problem = await expectProblem(await postImage(png, 'image/png'), 413);
    expect(problem.detail).toMatch(/30000/);
  });

  it('413 for a batch over MAX_BATCH', async () => {
    const form = new FormData();
    for (let i = 0; i < 4; i++) form.append('image', new Blob([fixture('foo3x5x4indexed.png')]), `${i}.png`);
    const problem = await expectProblem(await call('/v1/embed', { method: 'POST', body: form }), 413);
    expect(problem.limit).toBe(3);
  });

  it('422 for invalid query options, naming the field', async () => {
    const problem = await expectProblem(await postImage(fixture('chelsea.png'), 'image/png', '?resize=cubic'), 422);
    expect(problem.detail).toMatch(/resize/);
  });

  it('422 for JSON without an image, or with invalid base64', async () => {
    const post = (body: unknown) =>
      call('/v1/embed', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await expectProblem(await post({ picture: 'abc' }), 422)).detail).toMatch(/image/);
    expect((await expectProblem(await post({ image: '***not base64***' }), 422)).detail).toMatch(/base64/);
    expect((await expectProblem(await post({ images: [] }), 422)).detail).toMatch(/at least one/);
  });

  it('400 for malformed JSON and for a broken multipart body', async () => {
    await expectProblem(
      await call('/v1/embed', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"image":' }),
      400,
    );
    await expectProblem(
      await call('/v1/embed', {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
        body: '--xyz\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\nabc',
      }),
      400,
    );
  });

  it('422 for multipart without an "image" file', async () => {
    const form = new FormData();
    form.append('picture', new Blob([fixture('chelsea.png')]), 'a.png');
    await expectProblem(await call('/v1/embed', { method: 'POST', body: form }), 422);
  });

  it('keeps serving after bad input', async () => {
    await postImage(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]), 'image/png');
    const health = await call('/healthz');
    expect(health.status).toBe(200);
    await embedVector(await postImage(fixture('chelsea.png'), 'image/png'));
  });
});

describe('model and health endpoints', () => {
  it('GET /v1/models lists the manifests and marks the serving one', async () => {
    const response = await call('/v1/models');
    expect(response.status).toBe(200);
    const models = (await response.json()) as Array<Record<string, unknown>>;
    expect(models.length).toBeGreaterThanOrEqual(2);
    for (const model of models) {
      expect(model).toEqual(
        expect.objectContaining({ id: expect.any(String), dims: expect.any(Number), quantization: expect.any(String) }),
      );
      expect(model.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(models.filter((m) => m.serving)).toEqual([expect.objectContaining({ id: MODEL, dims: DIMS })]);
    expect(models.find((m) => m.id === 'vgg16-synthetic')).toMatchObject({ dims: 512 });
  });

  it('GET /healthz names the serving model and, once it has run, its wasm memory', async () => {
    await embedVector(await postImage(fixture('chelsea.png'), 'image/png'));
    const response = await call('/healthz');
    const body = (await response.json()) as { status: string; model: unknown; runtime: { wasmMemoryBytes: number } };
    expect(body).toMatchObject({ status: 'ok', model: { id: MODEL, version: '1' } });
    // WebAssembly pages are 64 KiB; onnxruntime starts with 16 MiB (the full-size test checks growth).
    expect(body.runtime.wasmMemoryBytes % 65536).toBe(0);
    expect(body.runtime.wasmMemoryBytes).toBeGreaterThanOrEqual(16 * 2 ** 20);
  });

  it('404 problem for unknown routes', async () => {
    await expectProblem(await call('/v2/nothing'), 404);
  });
});
