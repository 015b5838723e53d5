/**
 * @module How many pixels an image may have, per format: the one table that says which formats stream
 * (memory grows with the width, so the deployment's `MAX_PIXELS` alone applies) and which are decoded whole
 * (held at once, so a per-format limit keeps the isolate inside its 128 MB).
 */

import { AVIF_MAX_PIXELS, HEIC_MAX_PIXELS } from './heif-limits.ts';
import { ImageError, type ImageFormat, type ImageInfo } from './types.ts';

const MiB = 2 ** 20;

/**
 * What one whole-image decode may hold at its peak: a Worker isolate's 128 MiB, less int8 VGG16's ~57 MiB
 * (onnxruntime memory, compiled code, JS heap: docs/performance.md), less 7 MiB of slack (the tensor, other
 * requests' objects). The inference gate decodes one image at a time.
 */
export const WHOLE_DECODE_BUDGET_BYTES = 64 * MiB;

/** How a format is decoded when it cannot stream (formats absent from WHOLE always stream). */
interface WholeDecoding {
  /** Whether this image is decoded whole, from its header. */
  readonly when: (bytes: Uint8Array) => boolean;
  /**
   * Peak bytes per pixel of a whole decode, the request body included: the decoder's WebAssembly memory,
   * the RGBA copied out of it and the RGB made from it. Measured on 4000x3000 photos, the most of 3-4 runs
   * (process resident high-water above the start; `node --expose-gc tools/bench/decode-memory.ts`):
   * interlaced PNG (png/, fflate) 7.1 + body 1.8; WebP lossless 19.0 + 2.0, lossy 12.0 + 0.1; GIF 6.8 + 0.9.
   */
  readonly bytesPerPixel?: (bytes: Uint8Array) => number;
  /** A fixed limit instead (AVIF, HEIC: measured against their decoders' memory caps, heif-limits.ts). */
  readonly maxPixels?: number;
}

const RIFF_CHUNKS_START = 12;

/** Whether a WebP's image data is lossless (VP8L), from its chunk headers; lossy (VP8) otherwise. */
export function isLosslessWebp(bytes: Uint8Array): boolean {
  const fourcc = (at: number) => String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
  // Chunks: fourcc, little-endian size, data padded to even length. Each step moves forward: bounded.
  for (let at = RIFF_CHUNKS_START; at + 8 <= bytes.length; ) {
    const type = fourcc(at);
    if (type === 'VP8L') return true;
    if (type === 'VP8 ') return false;
    const size = (bytes[at + 4]! | (bytes[at + 5]! << 8) | (bytes[at + 6]! << 16) | (bytes[at + 7]! << 24)) >>> 0;
    at += 8 + size + (size & 1);
  }
  return true; // unknown: assume the heavier decoder
}

/** A PNG's IHDR interlace method (Adam7 = 1): an interlaced PNG cannot be served row by row. */
const PNG_INTERLACE_OFFSET = 28;

/**
 * The formats that may be decoded whole. JPEG (every layout: libjpeg-turbo hands over rows; a progressive
 * JPEG's coefficient buffer has its own budget, checked by jpeg/rows.ts from the header), PNG that is not
 * interlaced and BMP stream, so MAX_PIXELS alone limits them.
 */
const WHOLE: Readonly<Partial<Record<ImageFormat, WholeDecoding>>> = {
  png: { when: (bytes) => bytes[PNG_INTERLACE_OFFSET] !== 0, bytesPerPixel: () => 8.9 },
  webp: { when: () => true, bytesPerPixel: (bytes) => (isLosslessWebp(bytes) ? 21.0 : 12.1) },
  gif: { when: () => true, bytesPerPixel: () => 7.7 },
  avif: { when: () => true, maxPixels: AVIF_MAX_PIXELS },
  heic: { when: () => true, maxPixels: HEIC_MAX_PIXELS },
};

/**
 * The most pixels a whole decode of this image may have: the budget over its bytes per pixel, in 100k steps
 * (Infinity for a format that always streams).
 */
export function wholeImageMaxPixels(bytes: Uint8Array, format: ImageFormat): number {
  const whole = WHOLE[format];
  if (!whole) return Number.POSITIVE_INFINITY;
  if (whole.maxPixels !== undefined) return whole.maxPixels;
  return Math.floor(WHOLE_DECODE_BUDGET_BYTES / whole.bytesPerPixel!(bytes) / 100_000) * 100_000;
}

/** The limit that applies to one image, and why (for the refusal message). */
export interface PixelLimit {
  readonly pixels: number;
  readonly reason: string;
}

const count = (n: number) => n.toLocaleString('en-US');

/** Just the deployment's limit (streamed images, and decodes the caller chose to hold whole). */
export function maxPixelsLimit(maxPixels: number): PixelLimit {
  return { pixels: maxPixels, reason: `at most ${count(maxPixels)} pixels` };
}

/** `maxPixels` (MAX_PIXELS) for an image that streams; the lower of it and the format's whole limit otherwise. */
export function maxPixelsFor(bytes: Uint8Array, info: ImageInfo, maxPixels: number): PixelLimit {
  const whole = wholeImageMaxPixels(bytes, info.format);
  if (whole < maxPixels && WHOLE[info.format]?.when(bytes)) {
    return { pixels: whole, reason: `${info.format} is decoded whole: at most ${count(whole)} pixels` };
  }
  return maxPixelsLimit(maxPixels);
}

/** Throws `ImageError('too_many_pixels')`, naming the limit, when the header's size is over it. */
export function refuseOverLimit(info: ImageInfo, limit: PixelLimit): void {
  const pixels = info.width * info.height;
  if (pixels > limit.pixels) {
    throw new ImageError('too_many_pixels', `${info.width}x${info.height} is ${count(pixels)} pixels (${limit.reason})`);
  }
}
