/** @module EXIF orientation: turn stored pixels the way viewers show them (PIL's `ImageOps.exif_transpose`). */

import type { ExifOrientation, RgbImage } from './types.ts';

type SourceMap = (w: number, h: number) => readonly [number, number, number, number, number, number];

/** Source coordinates of output pixel (x, y) as [ax, bx, cx, ay, by, cy], for stored width w and height h. */
const SOURCE_MAP: Readonly<Record<Exclude<ExifOrientation, 1>, SourceMap>> = {
  2: (w) => [-1, 0, w - 1, 0, 1, 0], // mirror: (w-1-x, y)
  3: (w, h) => [-1, 0, w - 1, 0, -1, h - 1], // rotate 180: (w-1-x, h-1-y)
  4: (_w, h) => [1, 0, 0, 0, -1, h - 1], // flip: (x, h-1-y)
  5: () => [0, 1, 0, 1, 0, 0], // transpose: (y, x)
  6: (_w, h) => [0, 1, 0, -1, 0, h - 1], // rotate 90 clockwise: (y, h-1-x)
  7: (w, h) => [0, -1, w - 1, -1, 0, h - 1], // transverse: (w-1-y, h-1-x)
  8: (w) => [0, -1, w - 1, 1, 0, 0], // rotate 90 counter-clockwise: (w-1-y, x)
};

/**
 * Returns the image as displayed for EXIF orientation 1..8:
 * 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 counter-clockwise.
 * Orientation 1 returns the same image object.
 */
export function applyOrientation(img: RgbImage, orientation: ExifOrientation): RgbImage {
  if (orientation === 1) return img;
  const { width: w, height: h, data } = img;
  const swap = orientation >= 5;
  const outW = swap ? h : w;
  const outH = swap ? w : h;
  const out = new Uint8Array(data.length);
  // For each output pixel (x, y), the source pixel is (sx, sy) = (ax*x + bx*y + cx, ay*x + by*y + cy).
  const [ax, bx, cx, ay, by, cy] = SOURCE_MAP[orientation](w, h);
  let o = 0;
  for (let y = 0; y < outH; y++) {
    let sx = bx * y + cx;
    let sy = by * y + cy;
    for (let x = 0; x < outW; x++, o += 3, sx += ax, sy += ay) {
      const s = (sy * w + sx) * 3;
      out[o] = data[s]!;
      out[o + 1] = data[s + 1]!;
      out[o + 2] = data[s + 2]!;
    }
  }
  return { width: outW, height: outH, data: out };
}
