/** The format decoded is read from the bytes, whatever Content-Type declares, and the answer says which (X-Image-Format). */
import { describe, expect, it } from 'vitest';
import { call, fixture, postImage, toBase64, type EmbedAnswer } from './helpers.ts';

async function vectorOf(response: Response): Promise<number[]> {
  if (response.status !== 200) expect.fail(`${response.status} ${await response.text()}`);
  return ((await response.json()) as EmbedAnswer).vector!;
}

describe('X-Image-Format', () => {
  it('serves a mislabelled upload from its bytes and names the format decoded', async () => {
    const png = fixture('chelsea.png');
    const labelled = await postImage(png, 'image/png');
    const mislabelled = await postImage(png, 'image/jpeg');
    expect(labelled.headers.get('x-image-format')).toBe('png');
    expect(mislabelled.headers.get('x-image-format')).toBe('png');
    expect(await vectorOf(mislabelled)).toEqual(await vectorOf(labelled));
  });

  it('lists a batch in request order (multipart and JSON)', async () => {
    const form = new FormData();
    form.append('image', new Blob([fixture('chelsea-q90.jpg')], { type: 'image/png' }), 'a.png');
    form.append('image', new Blob([fixture('chelsea.webp')], { type: 'image/jpeg' }), 'b.jpg');
    const multipart = await call('/v1/embed', { method: 'POST', body: form });
    expect(multipart.status).toBe(200);
    expect(multipart.headers.get('x-image-format')).toBe('jpeg, webp');

    const json = await call('/v1/embed', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ images: [toBase64(fixture('chelsea.gif')), toBase64(fixture('chelsea.bmp'))] }),
    });
    expect(json.status).toBe(200);
    expect(json.headers.get('x-image-format')).toBe('gif, bmp');
  });

  it('is on every route that embeds an image (search, compare, item upsert)', async () => {
    const jpeg = fixture('chelsea-q90.jpg');
    const search = await call('/v1/search?k=1', { method: 'POST', headers: { 'content-type': 'image/png' }, body: jpeg });
    expect(search.status).toBe(200);
    expect(search.headers.get('x-image-format')).toBe('jpeg');

    const form = new FormData();
    form.append('a', new Blob([jpeg]), 'a');
    form.append('b', new Blob([fixture('chelsea.png')]), 'b');
    const compare = await call('/v1/compare', { method: 'POST', body: form });
    expect(compare.status).toBe(200);
    expect(compare.headers.get('x-image-format')).toBe('jpeg, png');

    const put = await call('/v1/items/format-check', { method: 'PUT', headers: { 'content-type': 'image/bmp' }, body: jpeg });
    expect(put.status).toBe(200);
    expect(put.headers.get('x-image-format')).toBe('jpeg');
  });

  it('is absent when the body is no image (the 415 names what is accepted)', async () => {
    const response = await postImage(new TextEncoder().encode('not an image at all'), 'image/png');
    expect(response.status).toBe(415);
    expect(response.headers.get('x-image-format')).toBeNull();
  });
});
