/**
 * @module How many pixels each format may have: the one table that says which formats stream (memory grows
 * with the width, so `MAX_PIXELS` alone applies) and which are decoded whole (held at once, so a smaller
 * limit keeps the isolate inside its 128 MB).
 */

import { ImageError, type ImageFormat, type ImageInfo } from './types.ts';

/**
 * Most pixels a whole-image decode may have. A whole decode holds, at its peak, the decoder's output in its
 * WebAssembly memory, the RGBA copied out of it and the RGB made from that: measured 10.3-12.3 bytes/pixel
 * for WebP, 7.0 PNG, 5.0 GIF, 3.0 BMP, on top of int8 VGG16's ~57 MiB and the request body (tools/bench/
 * whole-decode-memory.ts). 5.5 MP x 12.3 B = 65 MiB: 57 + 65 + a 5 MiB body stays under 128 MiB.
 */
export const WHOLE_IMAGE_MAX_PIXELS = 5_500_000;

/** Whether an image of this format is decoded whole (true) or streamed row by row (false), from its header. */
type DecodesWhole = (bytes: Uint8Array, info: ImageInfo) => boolean;

/**
 * Per format. The streaming decoders replace rows here one line each: JPEG `(bytes) => isProgressive(bytes)`
 * (baseline streams), PNG `(bytes) => isInterlaced(bytes)` (non-interlaced streams); AVIF and HEIC are whole.
 */
const DECODES_WHOLE: Readonly<Record<ImageFormat, DecodesWhole>> = {
  jpeg: () => true,
  png: () => true,
  webp: () => true,
  gif: () => true,
  bmp: () => true,
};

/** The limit that applies to one image, and why, for the refusal message. */
export interface PixelLimit {
  readonly pixels: number;
  readonly reason: string;
}

const count = (n: number) => n.toLocaleString('en-US');

/** `maxPixels` (the deployment's MAX_PIXELS) for a streamed image; at most WHOLE_IMAGE_MAX_PIXELS for a whole one. */
export function maxPixelsFor(bytes: Uint8Array, info: ImageInfo, maxPixels: number): PixelLimit {
  if (DECODES_WHOLE[info.format](bytes, info) && WHOLE_IMAGE_MAX_PIXELS < maxPixels) {
    return { pixels: WHOLE_IMAGE_MAX_PIXELS, reason: `${info.format} is decoded whole: at most ${count(WHOLE_IMAGE_MAX_PIXELS)} pixels` };
  }
  return { pixels: maxPixels, reason: `at most ${count(maxPixels)} pixels` };
}

/** Throws `ImageError('too_many_pixels')`, naming the limit, when the header's size is over `limit`. */
export function refuseOverLimit(info: ImageInfo, limit: PixelLimit): void {
  const pixels = info.width * info.height;
  if (pixels > limit.pixels) {
    throw new ImageError('too_many_pixels', `${info.width}x${info.height} is ${count(pixels)} pixels (${limit.reason})`);
  }
}
