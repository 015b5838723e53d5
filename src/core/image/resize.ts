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
/** Where every fixed-point sum starts (PIL adds half a unit so clip8's shift rounds). */
export const ROUND = 1 << (PRECISION_BITS - 1);
const ONE = 1 << PRECISION_BITS;

/** Throws a RangeError unless the target size is two positive integers. */
export function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`resize target must be positive integers, got ${width}x${height}`);
  }
}

/** Source index for each output index along one axis, as PIL's affine nearest scale computes it. */
export function nearestTable(inSize: number, outSize: number): Int32Array {
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

/** PIL's fixed-point filter taps along one axis. */
export interface Coefficients {
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

/**
 * PIL's precompute_coeffs + normalize_coeffs_8bpc for the bilinear filter (support 1). For inSize ===
 * outSize every pixel gets weights (1, 0): the pass copies, as PIL's skipped pass would.
 */
export function bilinearCoefficients(inSize: number, outSize: number): Coefficients {
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

/** PIL's clip8: a fixed-point sum (started at ROUND) back to a byte. */
export function clip8(value: number): number {
  if (value >= ONE << 8) return 255;
  if (value <= 0) return 0;
  return value >> PRECISION_BITS;
}

/**
 * One row of the horizontal pass: output pixel xx of `out` (from `outOffset`) sums the source pixels
 * start[xx] .. start[xx]+count[xx]-1 found at `src[base + i * step]` (step 3, or -3 to read a stored row
 * mirrored, with `base` at its last pixel).
 */
export function horizontalRow(src: Uint8Array, base: number, step: number, coeffs: Coefficients, out: Uint8Array, outOffset: number): void {
  const { ksize, start, count, weights } = coeffs;
  let o = outOffset;
  for (let xx = 0; xx < start.length; xx++, o += 3) {
    let r = ROUND;
    let g = ROUND;
    let b = ROUND;
    const kBase = xx * ksize;
    let s = base + start[xx]! * step;
    for (let x = 0, n = count[xx]!; x < n; x++, s += step) {
      const w = weights[kBase + x]!;
      r += src[s]! * w;
      g += src[s + 1]! * w;
      b += src[s + 2]! * w;
    }
    out[o] = clip8(r);
    out[o + 1] = clip8(g);
    out[o + 2] = clip8(b);
  }
}

/**
 * The vertical pass: `src` holds rows firstRow.. of a `width`-pixel-wide image; output row yy sums rows
 * start[yy] .. start[yy]+count[yy]-1.
 */
export function verticalPass(src: Uint8Array, firstRow: number, width: number, coeffs: Coefficients): Uint8Array {
  const { ksize, start, count, weights } = coeffs;
  const height = start.length;
  const out = new Uint8Array(width * height * 3);
  const stride = width * 3;
  for (let yy = 0; yy < height; yy++) {
    const kBase = yy * ksize;
    const first = start[yy]! - firstRow;
    const n = count[yy]!;
    let o = yy * stride;
    for (let x = 0; x < stride; x += 3, o += 3) {
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
  return out;
}

/** The rows [first, end) of the vertical pass's input that its taps read. */
export function rowsRead(vert: Coefficients): { readonly first: number; readonly end: number } {
  const last = vert.start.length - 1;
  return { first: vert.start[0]!, end: vert.start[last]! + vert.count[last]! };
}

function resizeBilinear(img: RgbImage, width: number, height: number): RgbImage {
  const needHorizontal = width !== img.width;
  const needVertical = height !== img.height;
  const vert = bilinearCoefficients(img.height, height);

  let src = img.data;
  let firstRow = 0;
  if (needHorizontal) {
    // Only the source rows the vertical pass will read.
    const rows = needVertical ? rowsRead(vert) : { first: 0, end: img.height };
    firstRow = rows.first;
    const horiz = bilinearCoefficients(img.width, width);
    const tmp = new Uint8Array(width * (rows.end - rows.first) * 3);
    for (let y = rows.first; y < rows.end; y++) {
      horizontalRow(src, y * img.width * 3, 3, horiz, tmp, (y - rows.first) * width * 3);
    }
    src = tmp;
  }
  if (!needVertical) return { width, height, data: src === img.data ? src.slice() : src };
  return { width, height, data: verticalPass(src, firstRow, width, vert) };
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
