/**
 * @module The decoders that produce a whole image: bytes -> 8-bit RGB, as PIL 9.4's
 * `Image.open(...).convert('RGB')` gives it (what Keras `load_img` sees). Alpha is dropped (PIL's
 * convert('RGB') discards it, it does not composite). open-rows.ts serves their output row by row.
 *
 * Only the formats without a streaming decoder are here: WebP (libwebp from @jsquash/webp). JPEG (jpeg/,
 * libjpeg-turbo 2.1.5 built here), PNG (png/, fflate) and BMP (bmp.ts) are row sources; GIF is gif.ts.
 * Every decoder failure becomes `ImageError('malformed')`.
 */

import { CodecFailure, decodeWebpRgba, type CodecResult } from './codecs.ts';
import { ImageError, type ImageFormat, type RgbImage } from './types.ts';

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

/** A still WebP, whole. */
export async function decodeWebp(bytes: Uint8Array): Promise<RgbImage> {
  return fromRgba(await runCodec('webp', () => decodeWebpRgba(bytes)));
}
