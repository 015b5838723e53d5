/**
 * @module AVIF and HEIC: the primary image decoded whole (AV1 and HEVC decoders cannot hand over rows) and
 * served through `rgbImageRows`, under per-format pixel limits measured to keep one isolate under 128 MB.
 *
 * AVIF — libavif 1.0.1 + aom 3.7 (@jsquash/avif), asked for 8-bit RGBA: libavif converts 10/12-bit YUV to
 * 8-bit RGB itself, as `avifdec --depth 8` does. HEIC — libheif 1.23 + libde265 1.0.15 (libheif-js) to 8-bit
 * RGB (libheif reduces 10/12-bit samples). Alpha is dropped, as PIL's convert('RGB') drops it. Neither decoder
 * applies `irot`/`imir`: the probe reports them as the equivalent EXIF orientation, which the pipeline applies
 * in 'apply' mode exactly as it applies a JPEG's EXIF orientation ('ignore' keeps the stored pixels). A HEIF
 * file's EXIF orientation tag is not used: the HEIF standard makes irot/imir the authoritative transformation.
 * `clap` (clean aperture cropping) is not applied in either mode.
 */

import { CodecFailure, decodeAvifRgba, decodeHeicRgb, hasCodec, MEMORY_CAP_MESSAGE } from './codecs.ts';
import { AVIF_MAX_MEMORY_BYTES, AVIF_MAX_PIXELS, HEIC_MAX_MEMORY_BYTES, HEIC_MAX_PIXELS } from './heif-limits.ts';
import { readHeifHeader } from './isobmff.ts';
import { rgbImageRows, type RowSource } from './rows.ts';
import { ImageError, type RgbImage } from './types.ts';

export { AVIF_MAX_MEMORY_BYTES, AVIF_MAX_PIXELS, HEIC_MAX_MEMORY_BYTES, HEIC_MAX_PIXELS } from './heif-limits.ts';

/** The per-format whole-image limit. */
export function heifMaxPixels(format: 'avif' | 'heic'): number {
  return format === 'avif' ? AVIF_MAX_PIXELS : HEIC_MAX_PIXELS;
}

const HOW_TO_CONVERT: Readonly<Record<'avif' | 'heic', string>> = {
  avif: 'convert it to JPEG (`avifdec in.avif out.png`, or any image editor)',
  heic: 'convert it to JPEG (iPhone: Settings > Camera > Formats > Most Compatible; or `heif-convert in.heic out.jpg`)',
};

async function decodeWhole(format: 'avif' | 'heic', bytes: Uint8Array): Promise<RgbImage> {
  if (!hasCodec(format)) {
    throw new ImageError('unsupported_format', `${format.toUpperCase()} is not supported here: ${HOW_TO_CONVERT[format]}`);
  }
  try {
    if (format === 'heic') {
      const { pixels } = await decodeHeicRgb(bytes);
      return { width: pixels.width, height: pixels.height, data: pixels.rgb };
    }
    const { pixels } = await decodeAvifRgba(bytes);
    const { width, height, data } = pixels;
    if (data.length !== width * height * 4) {
      throw new ImageError('malformed', `AVIF decoder returned ${data.length} bytes for ${width}x${height}`);
    }
    const rgb = new Uint8Array(width * height * 3);
    for (let s = 0, o = 0; o < rgb.length; s += 4, o += 3) {
      rgb[o] = data[s]!;
      rgb[o + 1] = data[s + 1]!;
      rgb[o + 2] = data[s + 2]!;
    }
    return { width, height, data: rgb };
  } catch (error) {
    if (error instanceof ImageError) throw error;
    if (error instanceof CodecFailure && error.messages.some((m) => m.startsWith(MEMORY_CAP_MESSAGE))) {
      const cap = format === 'avif' ? AVIF_MAX_MEMORY_BYTES : HEIC_MAX_MEMORY_BYTES;
      throw new ImageError(
        'too_many_pixels',
        `decoding this ${format.toUpperCase()} needs more than the decoder's ${cap / 2 ** 20} MiB (a large image with high bit depth, 4:4:4 or alpha, or coded data larger than its header says)`,
        { cause: error },
      );
    }
    if (error instanceof CodecFailure) {
      const causeMessage = error.cause instanceof Error ? `: ${error.cause.message}` : '';
      const detail = error.messages.length > 0 ? `: ${error.messages.join('; ')}` : causeMessage;
      throw new ImageError('malformed', `corrupt or truncated ${format} data${detail}`, { cause: error });
    }
    throw error; // not initialised / not instantiable: not the image's fault
  }
}

/**
 * Decodes the primary image of an AVIF or HEIC file, as stored. `width`/`height` are the header's (`ispe`);
 * the caller has checked them against its own limit. Throws `ImageError('too_many_pixels')` above the
 * per-format limit, `malformed` when the decoder fails or disagrees with the header.
 */
export async function decodeHeif(format: 'avif' | 'heic', bytes: Uint8Array, width: number, height: number): Promise<RgbImage> {
  const limit = heifMaxPixels(format);
  // A grid's tiles are decoded whole too: their sum counts (it is at least the output size).
  const pixels = Math.max(width * height, readHeifHeader(bytes).decodePixels);
  if (pixels > limit) {
    throw new ImageError(
      'too_many_pixels',
      `${width}x${height} is ${pixels} pixels to decode: ${format.toUpperCase()} images are decoded whole, at most ${limit} pixels`,
    );
  }
  const img = await decodeWhole(format, bytes);
  if (img.width !== width || img.height !== height) {
    throw new ImageError('malformed', `${format} header says ${width}x${height} but the data decodes to ${img.width}x${img.height}`);
  }
  return img;
}

/** The stored rows of an AVIF or HEIC primary image (decoded whole, then served row by row). */
export async function openHeifRows(format: 'avif' | 'heic', bytes: Uint8Array, width: number, height: number): Promise<RowSource> {
  return rgbImageRows(await decodeHeif(format, bytes, width, height));
}
