import { describe, expect, it } from 'vitest';
import { applyOrientation, type ExifOrientation, type RgbImage } from '../../../src/core/image/index.ts';

// A 3x2 image whose pixels are a..f (one byte value per pixel, repeated over the channels).
//   a b c
//   d e f
const [a, b, c, d, e, f] = [1, 2, 3, 4, 5, 6];
const IMG: RgbImage = { width: 3, height: 2, data: Uint8Array.from([a, b, c, d, e, f].flatMap((v) => [v, v, v])) };

/** Displayed image for each orientation, as PIL's ImageOps.exif_transpose produces it. */
const EXPECTED: Record<ExifOrientation, { w: number; rows: number[][] }> = {
  1: {
    w: 3,
    rows: [
      [a, b, c],
      [d, e, f],
    ],
  },
  2: {
    w: 3,
    rows: [
      [c, b, a],
      [f, e, d],
    ],
  }, // mirror
  3: {
    w: 3,
    rows: [
      [f, e, d],
      [c, b, a],
    ],
  }, // rotate 180
  4: {
    w: 3,
    rows: [
      [d, e, f],
      [a, b, c],
    ],
  }, // flip
  5: {
    w: 2,
    rows: [
      [a, d],
      [b, e],
      [c, f],
    ],
  }, // transpose
  6: {
    w: 2,
    rows: [
      [d, a],
      [e, b],
      [f, c],
    ],
  }, // rotate 90 clockwise
  7: {
    w: 2,
    rows: [
      [f, c],
      [e, b],
      [d, a],
    ],
  }, // transverse
  8: {
    w: 2,
    rows: [
      [c, f],
      [b, e],
      [a, d],
    ],
  }, // rotate 90 counter-clockwise
};

describe('applyOrientation', () => {
  for (const [o, { w, rows }] of Object.entries(EXPECTED)) {
    it(`orientation ${o}`, () => {
      const out = applyOrientation(IMG, Number(o) as ExifOrientation);
      expect(out.width).toBe(w);
      expect(out.height).toBe(rows.length);
      expect(Array.from(out.data)).toEqual(rows.flat().flatMap((v) => [v, v, v]));
    });
  }

  it('keeps channels in order', () => {
    const img: RgbImage = { width: 2, height: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
    expect(Array.from(applyOrientation(img, 2).data)).toEqual([4, 5, 6, 1, 2, 3]);
    expect(Array.from(applyOrientation(img, 6).data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(applyOrientation(img, 6)).toMatchObject({ width: 1, height: 2 });
  });
});
