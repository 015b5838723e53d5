import { describe, expect, it } from 'vitest';
import { decodeBmp, openBmpRows } from '../../../src/core/image/bmp.ts';
import { decodeImage, ImageError, type DecodeOptions } from '../../../src/core/image/index.ts';
import { buildBmp } from './builders.ts';
import { fixtureBytes } from './fixtures.ts';

// BMP decoding needs no WASM codec: no initCodecs here on purpose.
const OPTIONS: DecodeOptions = { maxPixels: 1_000_000, orientation: 'ignore' };

async function pixels(bytes: Uint8Array): Promise<number[]> {
  return Array.from((await decodeImage(bytes, OPTIONS)).data);
}

async function codeOf(bytes: Uint8Array): Promise<string> {
  try {
    await decodeImage(bytes, OPTIONS);
    return 'decoded';
  } catch (e) {
    return e instanceof ImageError ? e.code : `not an ImageError: ${String(e)}`;
  }
}

const RGB6: [number, number, number][] = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [10, 20, 30],
  [40, 50, 60],
  [70, 80, 90],
];

describe('BMP (PIL BmpImagePlugin semantics)', () => {
  it('24-bit, bottom-up and top-down, with row padding', async () => {
    const expected = RGB6.flat();
    expect(await pixels(buildBmp({ width: 3, height: 2, bits: 24, pixels: RGB6 }))).toEqual(expected);
    expect(await pixels(buildBmp({ width: 3, height: 2, bits: 24, pixels: RGB6, topDown: true }))).toEqual(expected);
  });

  it('8-bit palette, honouring the pixel data offset; indices past the palette are PIL grey', async () => {
    const palette: [number, number, number][] = [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ];
    const bmp = buildBmp({ width: 4, height: 1, bits: 8, palette, pixels: [2, 0, 1, 200], gap: 6 });
    expect(await pixels(bmp)).toEqual([7, 8, 9, 1, 2, 3, 4, 5, 6, 200, 200, 200]);
  });

  it('1-bit and 4-bit palettes with odd widths', async () => {
    const bw: [number, number, number][] = [
      [0, 0, 0],
      [255, 255, 255],
    ];
    const one = buildBmp({ width: 9, height: 2, bits: 1, palette: bw, pixels: [1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1] });
    expect(await pixels(one)).toEqual([1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1].flatMap((b) => [b * 255, b * 255, b * 255]));
    const pal16 = Array.from({ length: 16 }, (_, i) => [i * 16, 255 - i, i] as [number, number, number]);
    const four = buildBmp({ width: 3, height: 1, bits: 4, palette: pal16, pixels: [15, 0, 7] });
    expect(await pixels(four)).toEqual([240, 240, 15, 0, 255, 0, 112, 248, 7]);
  });

  it('16-bit 5-5-5 (default) and 5-6-5 (bitfields) scale like PIL: v * 255 / 31, truncated', async () => {
    const px555 = [0x7fff, 0x001f, 0x4000 | (16 << 5) | 1];
    expect(await pixels(buildBmp({ width: 3, height: 1, bits: 16, pixels: px555 }))).toEqual([255, 255, 255, 0, 0, 255, 131, 131, 8]);
    const px565 = [0xffff, 0x07e0, (16 << 11) | (32 << 5) | 1];
    const bmp565 = buildBmp({ width: 3, height: 1, bits: 16, pixels: px565, compression: 3, masks: [0xf800, 0x7e0, 0x1f] });
    expect(await pixels(bmp565)).toEqual([255, 255, 255, 0, 255, 0, 131, 129, 8]);
  });

  it('32-bit: BGRX by default, RGBA bitfields; the fourth byte is dropped', async () => {
    const bgrx = buildBmp({ width: 2, height: 1, bits: 32, pixels: [0x11223344, 0xff010203] });
    expect(await pixels(bgrx)).toEqual([0x22, 0x33, 0x44, 0x01, 0x02, 0x03]);
    const rgba = buildBmp({
      width: 1,
      height: 1,
      bits: 32,
      pixels: [0x80332211],
      compression: 3,
      masks: [0xff, 0xff00, 0xff0000],
    });
    const xbgr = buildBmp({
      width: 1,
      height: 1,
      bits: 32,
      pixels: [0x11223344],
      compression: 3,
      masks: [0xff000000, 0xff0000, 0xff00],
    });
    expect(await pixels(xbgr)).toEqual([0x11, 0x22, 0x33]);
    // A 40-byte header's BITFIELDS carry three masks; (0xff, 0xff00, 0xff0000, 0) is not a layout PIL reads.
    expect(await codeOf(rgba)).toBe('unsupported_format');
  });

  it('refuses RLE and odd bitfields as unsupported, short pixel data as malformed', async () => {
    expect(await codeOf(buildBmp({ width: 2, height: 1, bits: 8, palette: [[0, 0, 0]], pixels: [0, 0], compression: 1 }))).toBe(
      'unsupported_format',
    );
    const odd = buildBmp({ width: 1, height: 1, bits: 16, pixels: [0], compression: 3, masks: [0xf00, 0xf0, 0xf] });
    expect(await codeOf(odd)).toBe('unsupported_format');
    const full = buildBmp({ width: 3, height: 2, bits: 24, pixels: RGB6 });
    expect(await codeOf(full.subarray(0, full.length - 1))).toBe('malformed');
  });
});

describe('openBmpRows serves rows straight from the bytes', () => {
  it('rows read one at a time (after skips) are the rows of the whole decode, bottom-up and top-down', async () => {
    const rows: [number, number, number][] = [];
    for (let i = 0; i < 5 * 4; i++) rows.push([i * 12, 255 - i * 12, (i * 37) & 255]);
    for (const topDown of [false, true]) {
      const bytes = buildBmp({ width: 5, height: 4, bits: 24, pixels: rows, topDown });
      const whole = (await decodeImage(bytes, OPTIONS)).data;
      const source = openBmpRows(bytes);
      expect([source.width, source.height]).toEqual([5, 4]);
      const row = new Uint8Array(15);
      source.readRow(row);
      expect(Array.from(row)).toEqual(Array.from(whole.subarray(0, 15)));
      source.skipRows(2);
      source.readRow(row);
      expect(Array.from(row)).toEqual(rows.slice(15, 20).flat());
      expect(() => source.readRow(row)).toThrow(RangeError);
      source.finish();
    }
  });

  it('chelsea.bmp read row by row equals its whole decode', () => {
    const bytes = fixtureBytes('chelsea.bmp');
    const whole = decodeBmp(bytes);
    const source = openBmpRows(bytes);
    const row = new Uint8Array(source.width * 3);
    for (let y = 0; y < source.height; y++) {
      source.readRow(row);
      expect(Buffer.from(row).equals(Buffer.from(whole.data.subarray(y * row.length, (y + 1) * row.length)))).toBe(true);
    }
  });
});
