/**
 * @module CMYK / YCCK JPEGs, which MozJPEG's RGBA output cannot convert.
 *
 * jpeg-js (pure JS) decodes the four components, undoes Adobe's inversion and YCCK transform, and
 * converts to RGB with R = (255 - C)(255 - K) / 255 — PIL's `cmyk2rgb` formula — so only its IDCT and
 * chroma upsampling (no "fancy" upsampling) differ from PIL + libjpeg-turbo, by a few grey levels.
 */
import { decode } from 'jpeg-js';
import { ImageError, type RgbImage } from './types.ts';

export function decodeCmykJpeg(bytes: Uint8Array, maxPixels: number): RgbImage {
  try {
    const { width, height, data } = decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: maxPixels / 1e6,
      maxMemoryUsageInMB: Math.ceil((maxPixels * 8) / 2 ** 20),
    });
    if (data.length !== width * height * 3) throw new Error(`decoder returned ${data.length} bytes for ${width}x${height}`);
    return { width, height, data };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ImageError('malformed', `corrupt or unsupported CMYK jpeg data: ${reason}`, { cause });
  }
}
