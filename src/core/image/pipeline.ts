/**
 * @module Bytes -> what the model needs, without holding a whole decoded image where the format streams:
 * probe the header -> refuse over the pixel limit (before decoding) -> open the format's row source ->
 * orient + resize as the rows arrive. `decodeImage` is the same path read whole, for tools and tests.
 */

import { maxPixelsFor, maxPixelsLimit, refuseOverLimit } from './limits.ts';
import { openRows } from './open-rows.ts';
import { applyOrientation } from './orientation.ts';
import { probeImage } from './probe.ts';
import { checkSize } from './resize.ts';
import { resizeRows } from './resize-stream.ts';
import { readAllRows } from './rows.ts';
import type { DecodeOptions, ImageInfo, ResampleMode, RgbImage } from './types.ts';

export interface ModelDecodeOptions extends DecodeOptions {
  /** The model's input size. */
  readonly width: number;
  readonly height: number;
  readonly resample: ResampleMode;
}

function checkOptions(options: DecodeOptions): void {
  if (!(options.maxPixels > 0)) throw new RangeError('maxPixels must be a positive number');
  if (options.orientation !== 'apply' && options.orientation !== 'ignore') {
    throw new RangeError(`unknown orientation mode ${String(options.orientation)}`);
  }
}

/**
 * Decodes `bytes` straight to `width` x `height` RGB: exactly `resizeRgb(decodeImage(bytes), ...)`, holding
 * a few rows for streaming formats. Refuses with `ImageError('too_many_pixels')` from the header alone:
 * over `maxPixels`, or over the whole-image limit for formats decoded whole (limits.ts). Other failures:
 * `ImageError` `unsupported_format` or `malformed`; a plain Error only if the codecs were never initialised.
 */
export async function decodeForModel(bytes: Uint8Array, options: ModelDecodeOptions): Promise<{ rgb: RgbImage; info: ImageInfo }> {
  checkOptions(options);
  checkSize(options.width, options.height); // a wrong target is the caller's bug: say so before decoding
  const info = probeImage(bytes);
  const limit = maxPixelsFor(bytes, info, options.maxPixels);
  refuseOverLimit(info, limit);
  const source = await openRows(bytes, info, { maxPixels: limit.pixels });
  const rgb = resizeRows(source, {
    width: options.width,
    height: options.height,
    resample: options.resample,
    orientation: options.orientation === 'apply' ? info.orientation : 1,
  });
  return { rgb, info };
}

/**
 * Decodes an image whole, to RGB (tools and tests; the embed path uses `decodeForModel`). Only `maxPixels`
 * applies: the caller chose to hold the whole image. Throws as `decodeForModel` does.
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions): Promise<RgbImage> {
  checkOptions(options);
  const info = probeImage(bytes);
  const limit = maxPixelsLimit(options.maxPixels);
  refuseOverLimit(info, limit);
  const img = readAllRows(await openRows(bytes, info, { maxPixels: limit.pixels }));
  return options.orientation === 'apply' ? applyOrientation(img, info.orientation) : img;
}
