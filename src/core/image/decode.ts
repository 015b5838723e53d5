/**
 * @module Bytes -> 8-bit RGB, as PIL 9.4's `Image.open(...).convert('RGB')` gives it (what Keras `load_img` sees).
 *
 * Order: probe the header; refuse more than `maxPixels` before decoding anything; decode; drop alpha (PIL's
 * convert('RGB') discards it, it does not composite); check the decoded size against the header; apply EXIF
 * orientation only when asked (Keras does not).
 *
 * Who decodes what: JPEG — MozJPEG (libjpeg-turbo) from @jsquash/jpeg, with no orientation of its own;
 * PNG — the Rust png crate from @jsquash/png (palette expanded, gray replicated, 16-bit samples reduced to
 * their high byte, which is what PIL does for 16-bit RGB(A); PIL would instead clip 16-bit grayscale to 255);
 * WebP — libwebp from @jsquash/webp; GIF and BMP — small decoders in this folder; AVIF and HEIC — libavif
 * and libheif (heif.ts), whose irot/imir transformations are the orientation applied here.
 *
 * Every decoder failure becomes `ImageError('malformed')`. A truncated JPEG is refused as PIL refuses it
 * (libjpeg would pad it with grey). CMYK/YCCK JPEGs, which MozJPEG's RGBA output cannot convert, go to
 * jpeg-js (see cmyk-jpeg.ts).
 */

import { decodeBmp } from './bmp.ts';
import { decodeCmykJpeg } from './cmyk-jpeg.ts';
import { CodecFailure, decodeJpegRgba, decodePngRgba, decodeWebpRgba, type CodecResult } from './codecs.ts';
import { decodeGif } from './gif.ts';
import { decodeHeif } from './heif.ts';
import { scanJpeg } from './jpeg-markers.ts';
import { applyOrientation } from './orientation.ts';
import { probeImage } from './probe.ts';
import { ImageError, type DecodeOptions, type ImageFormat, type RgbImage } from './types.ts';

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

async function decodeJpeg(bytes: Uint8Array, maxPixels: number): Promise<RgbImage> {
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

function checkOptions(options: DecodeOptions): void {
  if (!(options.maxPixels > 0)) throw new RangeError('maxPixels must be a positive number');
  if (options.orientation !== 'apply' && options.orientation !== 'ignore') {
    throw new RangeError(`unknown orientation mode ${String(options.orientation)}`);
  }
}

/**
 * Decodes an image to RGB. Throws `ImageError` with code `unsupported_format`, `too_many_pixels` (found in
 * the header, before decoding) or `malformed`; a plain Error only if the codecs were never initialised.
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions): Promise<RgbImage> {
  checkOptions(options);
  const info = probeImage(bytes);
  if (info.width * info.height > options.maxPixels) {
    throw new ImageError(
      'too_many_pixels',
      `${info.width}x${info.height} is ${info.width * info.height} pixels (at most ${options.maxPixels})`,
    );
  }

  let img: RgbImage;
  switch (info.format) {
    case 'jpeg':
      img = await decodeJpeg(bytes, options.maxPixels);
      break;
    case 'png':
      img = fromRgba(await runCodec('png', () => decodePngRgba(bytes)));
      break;
    case 'webp':
      img = fromRgba(await runCodec('webp', () => decodeWebpRgba(bytes)));
      break;
    case 'gif':
      img = decodeGif(bytes, options.maxPixels);
      break;
    case 'bmp':
      img = decodeBmp(bytes);
      break;
    case 'avif':
    case 'heic':
      img = await decodeHeif(info.format, bytes, info.width, info.height);
      break;
  }

  // A GIF's first frame may extend the logical screen (PIL enlarges the canvas the same way).
  const sizeOk =
    info.format === 'gif' ? img.width >= info.width && img.height >= info.height : img.width === info.width && img.height === info.height;
  if (!sizeOk) {
    throw new ImageError(
      'malformed',
      `${info.format} header says ${info.width}x${info.height} but the data decodes to ${img.width}x${img.height}`,
    );
  }
  return options.orientation === 'apply' ? applyOrientation(img, info.orientation) : img;
}
