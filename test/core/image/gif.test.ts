import { GifWriter } from 'omggif';
import { describe, expect, it } from 'vitest';
import { decodeImage, ImageError, type DecodeOptions } from '../../../src/core/image/index.ts';
import { buildGif, gifCodeStream } from './builders.ts';

// GIF decoding needs no WASM codec: no initCodecs here on purpose.
const OPTIONS: DecodeOptions = { maxPixels: 1_000_000, orientation: 'ignore' };

/** Palette entry i = (i, 2i mod 256, 255 - i): every index has a distinct, non-grey colour. */
const PALETTE = Array.from({ length: 256 }, (_, i) => [i, (2 * i) & 0xff, 255 - i]).flat();
const colour = (i: number) => [i, (2 * i) & 0xff, 255 - i];

async function pixels(bytes: Uint8Array, options = OPTIONS): Promise<number[]> {
  return Array.from((await decodeImage(bytes, options)).data);
}

async function codeOf(bytes: Uint8Array, options = OPTIONS): Promise<string> {
  try {
    await decodeImage(bytes, options);
    return 'decoded';
  } catch (e) {
    return e instanceof ImageError ? e.code : `not an ImageError: ${String(e)}`;
  }
}

describe('GIF (first frame, PIL semantics)', () => {
  it('expands the palette', async () => {
    const gif = buildGif(3, 2, PALETTE, { width: 3, height: 2, indices: [0, 1, 2, 3, 4, 255] });
    const img = await decodeImage(gif, OPTIONS);
    expect([img.width, img.height]).toEqual([3, 2]);
    expect(Array.from(img.data)).toEqual([0, 1, 2, 3, 4, 255].flatMap(colour));
  });

  it('keeps the palette colour of transparent pixels (nothing is composited)', async () => {
    const gif = buildGif(2, 1, PALETTE, { width: 2, height: 1, indices: [7, 9] }, 9);
    expect(await pixels(gif)).toEqual([...colour(7), ...colour(9)]);
  });

  it('fills what the frame does not cover with the transparent index, else index 0', async () => {
    const frame = { left: 1, top: 1, width: 2, height: 1, indices: [5, 6] };
    const filled = (fill: number) => [...[fill, fill, fill, fill], ...[fill, 5, 6, fill], ...[fill, fill, fill, fill]];
    expect(await pixels(buildGif(4, 3, PALETTE, frame, 200))).toEqual(filled(200).flatMap(colour));
    expect(await pixels(buildGif(4, 3, PALETTE, frame))).toEqual(filled(0).flatMap(colour));
  });

  it('enlarges the canvas when the first frame extends past the screen, within maxPixels', async () => {
    const gif = buildGif(2, 2, PALETTE, { left: 1, top: 0, width: 2, height: 3, indices: [1, 2, 3, 4, 5, 6] });
    const img = await decodeImage(gif, OPTIONS);
    expect([img.width, img.height]).toEqual([3, 3]);
    expect(Array.from(img.data)).toEqual([0, 1, 2, 0, 3, 4, 0, 5, 6].flatMap(colour));
    expect(await codeOf(gif, { maxPixels: 8, orientation: 'ignore' })).toBe('too_many_pixels');
  });

  it('de-interlaces', async () => {
    // Rows 0..9 stored in interlace order: 0, 8 | 4 | 2, 6 | 1, 3, 5, 7, 9.
    const order = [0, 8, 4, 2, 6, 1, 3, 5, 7, 9];
    const gif = buildGif(1, 10, PALETTE, { width: 1, height: 10, indices: order, interlaced: true });
    expect(await pixels(gif)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap(colour));
  });

  it('prefers the local palette; without any palette the indices are grey levels', async () => {
    const local = Array.from({ length: 768 }, (_, i) => (i % 3 === 0 ? 9 : 0));
    const withLocal = buildGif(1, 1, PALETTE, { width: 1, height: 1, indices: [3], localPalette: local });
    expect(await pixels(withLocal)).toEqual([9, 0, 0]);
    expect(await pixels(buildGif(2, 1, undefined, { width: 2, height: 1, indices: [17, 250] }))).toEqual([17, 17, 17, 250, 250, 250]);
  });

  it('decodes real LZW (omggif-encoded, with dictionary codes) exactly', async () => {
    const width = 97;
    const height = 61;
    const indices = Array.from({ length: width * height }, (_, i) => {
      const x = i % width;
      const y = Math.floor(i / width);
      return ((x >> 3) * 7 + (y >> 2) * 13 + (x * y > 1200 ? 1 : 0)) & 0xff;
    });
    const buf = new Uint8Array(64 * 1024);
    const writer = new GifWriter(buf, width, height, {
      palette: Array.from({ length: 256 }, (_, i) => (i << 16) | (((2 * i) & 0xff) << 8) | (255 - i)),
    });
    writer.addFrame(0, 0, width, height, indices);
    const gif = buf.slice(0, writer.end());
    expect(gif.length).toBeLessThan(width * height); // really compressed
    expect(await pixels(gif)).toEqual(indices.flatMap(colour));
  });

  it('rejects a code that is not yet in the table (a stream that hangs omggif) quickly', async () => {
    // clear, 0, 7, 0, 7 with min code size 2: in omggif the undefined code 7 makes entry 7 point at itself
    // and the last 7 then chases that entry forever. Here the undefined code is refused.
    const stream = gifCodeStream(2, [
      [4, 3],
      [0, 3],
      [7, 3],
      [0, 3],
      [7, 4],
      [5, 4],
    ]);
    const gif = buildGif(4, 4, PALETTE, { width: 4, height: 4, codeStream: stream });
    const started = performance.now();
    expect(await codeOf(gif)).toBe('malformed');
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('is malformed without an image, truncated inside the data, or with a bad code size', async () => {
    const good = buildGif(3, 2, PALETTE, { width: 3, height: 2, indices: [0, 1, 2, 3, 4, 5] });
    const noImage = good.subarray(0, 13 + 768);
    expect(await codeOf(Uint8Array.of(...noImage, 0x3b))).toBe('malformed');
    expect(await codeOf(good.subarray(0, good.length - 4))).toBe('malformed');
    const badCodeSize = good.slice();
    badCodeSize[13 + 768 + 10] = 12; // LZW minimum code size byte after the image descriptor
    expect(await codeOf(badCodeSize)).toBe('malformed');
  });
});
