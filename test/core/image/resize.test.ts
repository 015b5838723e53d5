import { describe, expect, it } from 'vitest';
import { resizeRgb, type RgbImage } from '../../../src/core/image/index.ts';

/** A w x h image whose pixel (x, y) is (f(x, y), f(x, y), f(x, y)). */
function gray(w: number, h: number, f: (x: number, y: number) => number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.fill(f(x, y), (y * w + x) * 3, (y * w + x) * 3 + 3);
  return { width: w, height: h, data };
}

const row = (values: number[]) => gray(values.length, 1, (x) => values[x]!);
const firstChannel = (img: RgbImage) => Array.from(img.data.filter((_, i) => i % 3 === 0));

describe('nearest (PIL affine scale: source = trunc(scale/2 + i*scale))', () => {
  it('upscales by repeating and downscales by picking centres', () => {
    expect(firstChannel(resizeRgb(row([10, 20]), 4, 1, 'nearest'))).toEqual([10, 10, 20, 20]);
    expect(firstChannel(resizeRgb(row([10, 20, 30, 40]), 2, 1, 'nearest'))).toEqual([20, 40]);
    expect(firstChannel(resizeRgb(row([10, 20, 30]), 2, 1, 'nearest'))).toEqual([10, 30]);
    expect(firstChannel(resizeRgb(row([1, 2, 3, 4, 5, 6, 7]), 3, 1, 'nearest'))).toEqual([2, 4, 6]);
  });

  it('resizes rows and columns independently and keeps channels together', () => {
    const img: RgbImage = { width: 2, height: 2, data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) };
    const out = resizeRgb(img, 1, 4, 'nearest');
    expect(Array.from(out.data)).toEqual([4, 5, 6, 4, 5, 6, 10, 11, 12, 10, 11, 12]);
  });

  it('returns a copy at the same size', () => {
    const img = row([1, 2, 3]);
    const out = resizeRgb(img, 3, 1, 'nearest');
    expect(Array.from(out.data)).toEqual(Array.from(img.data));
    expect(out.data).not.toBe(img.data);
  });

  it('rejects empty or fractional sizes', () => {
    expect(() => resizeRgb(row([1]), 0, 1, 'nearest')).toThrow(RangeError);
    expect(() => resizeRgb(row([1]), 1.5, 1, 'bilinear')).toThrow(RangeError);
  });
});

describe('bilinear (PIL ImagingResample, triangle filter, antialiased when shrinking)', () => {
  it('matches values worked out by hand from PIL Resample.c', () => {
    // Upscale [0, 255] x2: centres 0.25, 0.75, 1.25, 1.75 -> weights (1), (.75, .25), (.25, .75), (1).
    expect(firstChannel(resizeRgb(row([0, 255]), 4, 1, 'bilinear'))).toEqual([0, 64, 191, 255]);
    // Downscale x2: support widens to 2 pixels; weights (3, 3, 1)/7 and (1, 3, 3)/7.
    expect(firstChannel(resizeRgb(row([0, 100, 200, 255]), 2, 1, 'bilinear'))).toEqual([71, 209]);
  });

  it('keeps a uniform image uniform, up and down', () => {
    for (const [w, h] of [
      [224, 224],
      [37, 501],
      [600, 13],
    ] as const) {
      const out = resizeRgb(
        gray(97, 131, () => 173),
        w,
        h,
        'bilinear',
      );
      expect(out.data.every((v) => v === 173)).toBe(true);
    }
  });

  it('is mirror-symmetric', () => {
    const f = (x: number, y: number) => (x * 37 + y * y * 3 + ((x * y) % 29)) & 0xff;
    const img = gray(61, 47, f);
    const mirrored = gray(61, 47, (x, y) => f(60 - x, 46 - y));
    const a = resizeRgb(img, 224, 224, 'bilinear');
    const b = resizeRgb(mirrored, 224, 224, 'bilinear');
    const c = resizeRgb(img, 23, 19, 'bilinear');
    const d = resizeRgb(mirrored, 23, 19, 'bilinear');
    for (const [p, q] of [
      [a, b],
      [c, d],
    ] as const) {
      for (let y = 0; y < p.height; y++) {
        for (let x = 0; x < p.width; x++) {
          const i = (y * p.width + x) * 3;
          const j = ((p.height - 1 - y) * p.width + (p.width - 1 - x)) * 3;
          expect(p.data[i]).toBe(q.data[j]);
        }
      }
    }
  });

  it('stays within a grey level of nearest on a smooth gradient', () => {
    const img = gray(451, 300, (x, y) => Math.floor((x + y) / 3));
    const near = resizeRgb(img, 224, 224, 'nearest');
    const bil = resizeRgb(img, 224, 224, 'bilinear');
    let max = 0;
    for (let i = 0; i < near.data.length; i++) max = Math.max(max, Math.abs(near.data[i]! - bil.data[i]!));
    expect(max).toBeLessThanOrEqual(1);
    // ...but it is not nearest: on a checkerboard it averages.
    const checker = resizeRgb(
      gray(8, 8, (x, y) => ((x + y) % 2) * 200),
      4,
      4,
      'bilinear',
    );
    expect(checker.data.every((v) => v > 50 && v < 150)).toBe(true);
  });
});
