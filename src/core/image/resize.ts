/**
 * @module Resizing RGB images exactly as PIL 9.4's `Image.resize` does.
 *
 * `nearest`: PIL routes NEAREST through an affine scale (Geometry.c, ImagingScaleAffine): the source
 * coordinate starts at scale/2 and grows by `scale` per output pixel in double precision, truncated to an
 * integer. Accumulating (rather than computing (x + 0.5) * scale) matters: it reproduces PIL bit for bit.
 *
 * `bilinear`: PIL's ImagingResample (Resample.c) — a separable triangle filter whose support widens with
 * the downscale factor (antialiasing), coefficients normalised and fixed to 22 fractional bits, horizontal
 * pass first into an 8-bit buffer covering only the rows the vertical pass needs, rounding and clipping
 * like PIL's `clip8`.
 */

import type { ResampleMode, RgbImage } from './types.ts';

const PRECISION_BITS = 32 - 8 - 2;
const ROUND = 1 << (PRECISION_BITS - 1);
const ONE = 1 << PRECISION_BITS;

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`resize target must be positive integers, got ${width}x${height}`);
  }
}

/** Source index for each output index along one axis, as PIL's affine nearest scale computes it. */
function nearestTable(inSize: number, outSize: number): Int32Array {
  const table = new Int32Array(outSize);
  const scale = inSize / outSize;
  let pos = scale * 0.5;
  for (let i = 0; i < outSize; i++) {
    table[i] = Math.min(Math.trunc(pos), inSize - 1);
    pos += scale;
  }
  return table;
}

function resizeNearest(img: RgbImage, width: number, height: number): RgbImage {
  const xs = nearestTable(img.width, width);
  const ys = nearestTable(img.height, height);
  const src = img.data;
  const out = new Uint8Array(width * height * 3);
  // Byte offsets of each source column, computed once.
  for (let i = 0; i < width; i++) xs[i] = xs[i]! * 3;
  let o = 0;
  for (let y = 0; y < height; y++) {
    const row = ys[y]! * img.width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      const s = row + xs[x]!;
      out[o] = src[s]!;
      out[o + 1] = src[s + 1]!;
      out[o + 2] = src[s + 2]!;
    }
  }
  return { width, height, data: out };
}

interface Coefficients {
  /** Filter taps per output pixel (the same for all). */
  readonly ksize: number;
  /** First source index for each output pixel. */
  readonly start: Int32Array;
  /** Number of taps used for each output pixel. */
  readonly count: Int32Array;
  /** `ksize` fixed-point weights per output pixel. */
  readonly weights: Int32Array;
}

function triangle(x: number): number {
  const a = x < 0 ? -x : x;
  return a < 1 ? 1 - a : 0;
}

/** PIL's precompute_coeffs + normalize_coeffs_8bpc for the bilinear filter (support 1). */
function bilinearCoefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 1 * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const w = triangle((x + xmin - center + 0.5) * ss);
      k[x] = w;
      total += w;
    }
    for (let x = 0; x < ksize; x++) {
      const w = x < xmax ? (total !== 0 ? k[x]! / total : k[x]!) : 0;
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { ksize, start, count, weights };
}

function clip8(value: number): number {
  if (value >= ONE << 8) return 255;
  if (value <= 0) return 0;
  return value >> PRECISION_BITS;
}

function resizeBilinear(img: RgbImage, width: number, height: number): RgbImage {
  const needHorizontal = width !== img.width;
  const needVertical = height !== img.height;
  const horiz = bilinearCoefficients(img.width, width);
  const vert = bilinearCoefficients(img.height, height);

  let src = img.data;
  let srcWidth = img.width;
  let firstRow = 0;
  let rows = img.height;
  if (needHorizontal) {
    // Only the source rows the vertical pass will read.
    firstRow = needVertical ? vert.start[0]! : 0;
    const lastRow = needVertical ? vert.start[height - 1]! + vert.count[height - 1]! : img.height;
    rows = lastRow - firstRow;
    const tmp = new Uint8Array(width * rows * 3);
    const { ksize, start, count, weights } = horiz;
    for (let y = 0; y < rows; y++) {
      const rowBase = (y + firstRow) * img.width * 3;
      let o = y * width * 3;
      for (let xx = 0; xx < width; xx++, o += 3) {
        let r = ROUND;
        let g = ROUND;
        let b = ROUND;
        const kBase = xx * ksize;
        let s = rowBase + start[xx]! * 3;
        for (let x = 0, n = count[xx]!; x < n; x++, s += 3) {
          const w = weights[kBase + x]!;
          r += src[s]! * w;
          g += src[s + 1]! * w;
          b += src[s + 2]! * w;
        }
        tmp[o] = clip8(r);
        tmp[o + 1] = clip8(g);
        tmp[o + 2] = clip8(b);
      }
    }
    src = tmp;
    srcWidth = width;
  }
  if (!needVertical) return { width, height, data: src === img.data ? src.slice() : src };

  const out = new Uint8Array(width * height * 3);
  const { ksize, start, count, weights } = vert;
  const stride = srcWidth * 3;
  for (let yy = 0; yy < height; yy++) {
    const kBase = yy * ksize;
    const first = start[yy]! - firstRow;
    const n = count[yy]!;
    let o = yy * width * 3;
    for (let x = 0; x < width * 3; x += 3, o += 3) {
      let r = ROUND;
      let g = ROUND;
      let b = ROUND;
      let s = first * stride + x;
      for (let y = 0; y < n; y++, s += stride) {
        const w = weights[kBase + y]!;
        r += src[s]! * w;
        g += src[s + 1]! * w;
        b += src[s + 2]! * w;
      }
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return { width, height, data: out };
}

/**
 * Resizes to exactly `width` x `height` (aspect ratio not kept, as Keras `load_img` does).
 * Returns a copy when the size is already right.
 */
export function resizeRgb(img: RgbImage, width: number, height: number, mode: ResampleMode): RgbImage {
  checkSize(width, height);
  if (width === img.width && height === img.height) return { width, height, data: img.data.slice() };
  switch (mode) {
    case 'nearest':
      return resizeNearest(img, width, height);
    case 'bilinear':
      return resizeBilinear(img, width, height);
    default:
      throw new RangeError(`unknown resample mode ${String(mode)}`);
  }
}
