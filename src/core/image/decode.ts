/**
 * @module The decoders that produce a whole image: bytes -> 8-bit RGB, as PIL 9.4's
 * `Image.open(...).convert('RGB')` gives it (what Keras `load_img` sees). Alpha is dropped (PIL's
 * convert('RGB') discards it, it does not composite). open-rows.ts serves their output row by row.
 *
 * Who decodes what: JPEG — MozJPEG (libjpeg-turbo) from @jsquash/jpeg, with no orientation of its own;
 * PNG — the Rust png crate from @jsquash/png (palette expanded, gray replicated, 16-bit samples reduced to
 * their high byte, which is what PIL does for 16-bit RGB(A); PIL would instead clip 16-bit grayscale to 255);
 * WebP — libwebp from @jsquash/webp; GIF and BMP — small decoders in this folder.
 *
 * Every decoder failure becomes `ImageError('malformed')`. A truncated JPEG is refused as PIL refuses it
 * (libjpeg would pad it with grey). CMYK/YCCK JPEGs, which MozJPEG's RGBA output cannot convert, go to
 * jpeg-js (see cmyk-jpeg.ts).
 */

import { decodeCmykJpeg } from './cmyk-jpeg.ts';
import { CodecFailure, decodeJpegRgba, decodePngRgba, decodeWebpRgba, type CodecResult } from './codecs.ts';
import { scanJpeg } from './jpeg-markers.ts';
import { ImageError, type ImageFormat, type RgbImage } from './types.ts';

/** More start-of-scan markers than this is a decompression bomb, not a photo (encoders write about 10). */
export const MAX_JPEG_SCANS = 256;

/** libjpeg's JWRN_JPEG_EOF: the data ended before the image did. */
const JPEG_TRUNCATED_WARNING = 'Premature end of JPEG file';

function rgbaToRgb(rgba: Uint8Array | Uint8ClampedArray, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let i = 0, s = 0, o = 0; i < pixels; i++, s += 4, o += 3) {
    out[o] = rgba[s]!;
    out[o + 1] = rgba[s + 1]!;
    out[o + 2] = rgba[s + 2]!;
  }
  return out;
}

async function runCodec(format: ImageFormat, decode: () => Promise<CodecResult>): Promise<CodecResult> {
  try {
    return await decode();
  } catch (error) {
    if (error instanceof CodecFailure) {
      const detail = error.messages.length > 0 ? `: ${error.messages.join('; ')}` : '';
      throw new ImageError('malformed', `corrupt or truncated ${format} data${detail}`, { cause: error });
    }
    throw error; // codecs not initialised, or the module could not be instantiated: not the image's fault
  }
}

function fromRgba({ pixels }: CodecResult): RgbImage {
  const { width, height, data } = pixels;
  if (data.length !== width * height * 4) {
    throw new ImageError('malformed', `decoder returned ${data.length} bytes for ${width}x${height}`);
  }
  return { width, height, data: rgbaToRgb(data, width * height) };
}

/** A JPEG, whole; `maxPixels` sizes jpeg-js's buffers for CMYK. */
export async function decodeJpeg(bytes: Uint8Array, maxPixels: number): Promise<RgbImage> {
  const layout = scanJpeg(bytes);
  if (layout.scans > MAX_JPEG_SCANS) {
    throw new ImageError('malformed', `JPEG has ${layout.scans} scans (at most ${MAX_JPEG_SCANS} accepted)`);
  }
  if (layout.components === 4) return decodeCmykJpeg(bytes, maxPixels);
  const result = await runCodec('jpeg', () => decodeJpegRgba(bytes));
  if (result.warnings.some((w) => w.startsWith(JPEG_TRUNCATED_WARNING))) {
    throw new ImageError('malformed', 'truncated jpeg data');
  }
  return fromRgba(result);
}

/** A PNG, whole (interlaced or not). */
export async function decodePng(bytes: Uint8Array): Promise<RgbImage> {
  return fromRgba(await runCodec('png', () => decodePngRgba(bytes)));
}

/** A still WebP, whole. */
export async function decodeWebp(bytes: Uint8Array): Promise<RgbImage> {
  return fromRgba(await runCodec('webp', () => decodeWebpRgba(bytes)));
}
