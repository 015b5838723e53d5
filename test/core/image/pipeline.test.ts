import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  applyOrientation,
  decodeForModel,
  decodeImage,
  type ExifOrientation,
  ImageError,
  type ImageFormat,
  initCodecs,
  isLosslessWebp,
  maxPixelsFor,
  openRows,
  probeImage,
  type ResampleMode,
  resizeRgb,
  wholeImageMaxPixels,
} from '../../../src/core/image/index.ts';
import { concat, pngChunk, pngHeader } from './builders.ts';
import { nodeCodecModules } from './codec-modules.ts';
import { withOrientation } from './exif.ts';
import { fixtureBytes } from './fixtures.ts';
import { errorOf } from './error-of.ts';

beforeAll(() => initCodecs(nodeCodecModules()));

const ORIENTATIONS: readonly ExifOrientation[] = [1, 2, 3, 4, 5, 6, 7, 8];
const MODES: readonly ResampleMode[] = ['nearest', 'bilinear'];
const BIG = 50_000_000;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('decodeForModel matches PIL 9.4 (exif_transpose + resize) for every EXIF orientation', () => {
  const pil = JSON.parse(readFileSync(new URL('../../fixtures/orientation/pil-224.json', import.meta.url), 'utf8')) as {
    sha256: Record<string, string>;
  };
  const source = fixtureBytes('chelsea-exif6.jpg');
  for (const o of ORIENTATIONS) {
    it(`orientation ${o}`, async () => {
      const bytes = withOrientation(source, o);
      expect(probeImage(bytes).orientation).toBe(o);
      for (const [width, height] of [
        [224, 224],
        [97, 61],
      ] as const) {
        for (const resample of MODES) {
          const { rgb, info } = await decodeForModel(bytes, { maxPixels: BIG, orientation: 'apply', width, height, resample });
          expect(info).toEqual({ format: 'jpeg', width: 300, height: 451, orientation: o });
          expect([rgb.width, rgb.height]).toEqual([width, height]);
          expect(`${o}/${width}x${height}/${resample}: ${sha256(rgb.data)}`).toBe(
            `${o}/${width}x${height}/${resample}: ${pil.sha256[`${o}/${width}x${height}/${resample}`]}`,
          );
        }
      }
    });
  }
});

describe('decodeForModel equals the whole-image path', () => {
  const FILES = [
    'chelsea.png',
    'chelsea-rgba.png',
    'chelsea-q90.jpg',
    'chelsea-progressive.jpg',
    'chelsea-cmyk.jpg',
    'chelsea.webp',
    'chelsea-lossless.webp',
    'chelsea.gif',
    'chelsea.bmp',
    'chelsea-exif6.jpg',
    'foo3x5x4indexed.png',
  ];
  for (const file of FILES) {
    it(file, async () => {
      const bytes = fixtureBytes(file);
      const stored = await decodeImage(bytes, { maxPixels: BIG, orientation: 'ignore' });
      const { orientation } = probeImage(bytes);
      for (const resample of MODES) {
        for (const mode of ['apply', 'ignore'] as const) {
          const { rgb } = await decodeForModel(bytes, { maxPixels: BIG, orientation: mode, width: 224, height: 224, resample });
          const want = resizeRgb(mode === 'apply' ? applyOrientation(stored, orientation) : stored, 224, 224, resample);
          expect(Buffer.compare(rgb.data, want.data)).toBe(0);
        }
      }
    });
  }
});

describe('pixel limits', () => {
  /** A PNG header claiming w x h (interlaced: decoded whole), with a tiny IDAT: decoding it would fail as malformed. */
  const claimPng = (w: number, h: number) => interlaced(claimPlainPng(w, h));
  const interlaced = (png: Uint8Array) => {
    const out = png.slice();
    out[28] = 1; // IHDR interlace method: Adam7
    return out;
  };
  const claimPlainPng = (w: number, h: number) =>
    concat(
      pngHeader(w, h, 8, 2),
      pngChunk('IDAT', new Uint8Array([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
      pngChunk('IEND', new Uint8Array()),
    );

  it('refuses over MAX_PIXELS from the header, naming the limit', async () => {
    const error = await errorOf(
      decodeForModel(claimPng(3000, 3000), { maxPixels: 1_000_000, orientation: 'apply', width: 224, height: 224, resample: 'nearest' }),
    );
    expect(error).toBeInstanceOf(ImageError);
    expect((error as ImageError).code).toBe('too_many_pixels');
    expect((error as ImageError).message).toBe('3000x3000 is 9,000,000 pixels (at most 1,000,000 pixels)');
  });

  it('refuses a format decoded whole over its own limit, below MAX_PIXELS, saying why', async () => {
    const png = wholeImageMaxPixels(claimPng(1, 1), 'png');
    expect(png).toBeLessThan(BIG);
    const side = Math.ceil(Math.sqrt(png + 1));
    const error = await errorOf(
      decodeForModel(claimPng(side, side), { maxPixels: BIG, orientation: 'apply', width: 224, height: 224, resample: 'nearest' }),
    );
    expect(error).toBeInstanceOf(ImageError);
    expect((error as ImageError).code).toBe('too_many_pixels');
    expect((error as ImageError).message).toContain(`png is decoded whole: at most ${png.toLocaleString('en-US')} pixels`);
    // The same size not interlaced streams: only MAX_PIXELS applies, so the header passes.
    const plain = await errorOf(
      decodeForModel(claimPlainPng(side, side), { maxPixels: BIG, orientation: 'apply', width: 224, height: 224, resample: 'nearest' }),
    );
    expect((plain as ImageError).code).toBe('malformed');
    // Just under the limit, the header passes and the (empty) data is what fails.
    const under = Math.floor(Math.sqrt(png));
    const malformed = await errorOf(
      decodeForModel(claimPng(under, under), { maxPixels: BIG, orientation: 'apply', width: 224, height: 224, resample: 'nearest' }),
    );
    expect((malformed as ImageError).code).toBe('malformed');
  });

  it('whole-image limits follow the measured bytes per pixel, and MAX_PIXELS wins when lower', () => {
    const lossy = fixtureBytes('chelsea.webp');
    const lossless = fixtureBytes('chelsea-lossless.webp');
    expect([isLosslessWebp(lossy), isLosslessWebp(lossless)]).toEqual([false, true]);
    const info = probeImage(lossless);
    const webp = wholeImageMaxPixels(lossless, 'webp');
    expect(maxPixelsFor(lossless, info, BIG)).toEqual({
      pixels: webp,
      reason: `webp is decoded whole: at most ${webp.toLocaleString('en-US')} pixels`,
    });
    expect(maxPixelsFor(lossless, info, 1000)).toEqual({ pixels: 1000, reason: 'at most 1,000 pixels' });
    // Heavier decoders get fewer pixels: lossless WebP < lossy WebP < interlaced PNG < GIF; streaming formats have none.
    const limit = (name: string, format: ImageFormat) => wholeImageMaxPixels(fixtureBytes(name), format);
    expect(limit('chelsea.webp', 'webp')).toBeGreaterThan(1.5 * webp);
    expect(limit('chelsea.webp', 'webp')).toBeLessThan(limit('chelsea.png', 'png'));
    expect(limit('chelsea.png', 'png')).toBeLessThan(limit('chelsea.gif', 'gif'));
    expect(limit('chelsea-q90.jpg', 'jpeg')).toBe(Number.POSITIVE_INFINITY);
    expect(limit('chelsea.bmp', 'bmp')).toBe(Number.POSITIVE_INFINITY);
  });

  it('counts every JPEG, non-interlaced PNG and BMP as streaming; interlaced PNG, WebP and GIF as whole', () => {
    const limitOf = (bytes: Uint8Array) => maxPixelsFor(bytes, probeImage(bytes), BIG).pixels;
    for (const name of [
      'chelsea-q90.jpg',
      'chelsea-gray.jpg',
      'chelsea-progressive.jpg',
      'chelsea-cmyk.jpg',
      'chelsea.png',
      'chelsea.bmp',
    ]) {
      expect(limitOf(fixtureBytes(name))).toBe(BIG);
    }
    expect(limitOf(interlaced(fixtureBytes('chelsea.png')))).toBe(wholeImageMaxPixels(fixtureBytes('chelsea.png'), 'png'));
    for (const name of ['chelsea.webp', 'chelsea.gif']) expect(limitOf(fixtureBytes(name))).toBeLessThan(BIG);
  });

  it('reads a VP8X WebP chunk list to its image chunk, and stops on truncated chunk lists', () => {
    const lossy = fixtureBytes('chelsea.webp');
    const ascii = (s: string) => new TextEncoder().encode(s);
    const le32 = (v: number) => new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]);
    const vp8x = concat(ascii('VP8X'), le32(10), new Uint8Array(10));
    const alph = concat(ascii('ALPH'), le32(3), new Uint8Array(4)); // odd size: padded
    const extended = concat(lossy.subarray(0, 12), vp8x, alph, lossy.subarray(12));
    expect(isLosslessWebp(extended)).toBe(false);
    expect(isLosslessWebp(extended.subarray(0, 40))).toBe(true); // no image chunk in reach: the heavier limit
  });

  it('decodeImage (whole, for tools) applies only the maxPixels it is given', async () => {
    const png = wholeImageMaxPixels(claimPng(1, 1), 'png');
    const side = Math.ceil(Math.sqrt(png + 1));
    expect(((await errorOf(decodeImage(claimPng(side, side), { maxPixels: BIG, orientation: 'ignore' }))) as ImageError).code).toBe(
      'malformed',
    );
  });

  it('a header that disagrees with the data is malformed (checked where the rows are opened)', async () => {
    const bytes = fixtureBytes('chelsea.png');
    const info = probeImage(bytes);
    for (const claimed of [
      { ...info, width: info.width + 1 },
      { ...info, height: info.height - 1 },
    ]) {
      const error = await errorOf(openRows(bytes, claimed, { maxPixels: BIG }));
      expect(error).toBeInstanceOf(ImageError);
      expect((error as ImageError).message).toBe(`png header says ${claimed.width}x${claimed.height} but the data decodes to 451x300`);
    }
    // A GIF's first frame may enlarge the canvas, as PIL allows: a smaller header is fine there, not a larger one.
    const gif = fixtureBytes('chelsea.gif');
    const gifInfo = probeImage(gif);
    await expect(openRows(gif, { ...gifInfo, width: 400 }, { maxPixels: BIG })).resolves.toMatchObject({ width: 451 });
    await expect(openRows(gif, { ...gifInfo, width: 452 }, { maxPixels: BIG })).rejects.toThrow(/gif header says 452x300/);
  });
});
