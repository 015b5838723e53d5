/**
 * @module Format, stored size and EXIF orientation from the header alone (image-size; AVIF and HEIC from
 * their HEIF container, see isobmff.ts; a JPEG's size from its start-of-frame, jpeg/markers.ts), before any
 * decoding.
 */

import { imageSize } from 'image-size';
import { readHeifHeader } from './isobmff.ts';
import { scanJpeg } from './jpeg/markers.ts';
import { sniffFormat } from './sniff.ts';
import { ImageError, type ExifOrientation, type ImageFormat, type ImageInfo } from './types.ts';

/** image-size's type names for the formats it reads for us. */
const IMAGE_SIZE_TYPE: Readonly<Record<Exclude<ImageFormat, 'avif' | 'heic'>, string>> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  bmp: 'bmp',
};

function isOrientation(value: unknown): value is ExifOrientation {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 8;
}

/** OS/2 1.x BMPs (12-byte core header) store 16-bit sizes, which image-size misreads as 32-bit. */
function bmpCoreHeaderSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 26 || bytes[14] !== 12 || bytes[15] !== 0 || bytes[16] !== 0 || bytes[17] !== 0) {
    return undefined;
  }
  return { width: bytes[18]! | (bytes[19]! << 8), height: bytes[20]! | (bytes[21]! << 8) };
}

/**
 * Reads the header. Throws `ImageError('unsupported_format')` when the magic bytes match no accepted format,
 * `ImageError('malformed')` when they do but the header cannot be read or gives an empty size.
 */
export function probeImage(bytes: Uint8Array): ImageInfo {
  const format = sniffFormat(bytes);
  if (format === undefined) {
    throw new ImageError('unsupported_format', 'not a JPEG, PNG, WebP, GIF, BMP, AVIF or HEIC image');
  }
  if (format === 'avif' || format === 'heic') {
    const { format: coded, width, height, orientation } = readHeifHeader(bytes);
    return { format: coded, width, height, orientation };
  }
  if (format === 'jpeg') return probeJpeg(bytes);
  let result: ReturnType<typeof imageSize>;
  try {
    result = imageSize(bytes);
  } catch (cause) {
    throw new ImageError('malformed', `unreadable ${format} header`, { cause });
  }
  if (result.type !== IMAGE_SIZE_TYPE[format]) {
    throw new ImageError('malformed', `unreadable ${format} header`);
  }
  const { width, height } = (format === 'bmp' && bmpCoreHeaderSize(bytes)) || result;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width <= 0 || height <= 0) {
    throw new ImageError('malformed', `${format} header gives an empty or invalid size`);
  }
  const orientation = isOrientation(result.orientation) ? result.orientation : 1;
  return { format, width, height, orientation };
}

/**
 * A JPEG's size from its first start-of-frame, whichever coding it names (image-size reads only SOF0-SOF2, so
 * it cannot size the arithmetic-coded files libjpeg-turbo and PIL read); the EXIF orientation from image-size
 * where it reads the file (1 where it does not: such files keep their stored orientation).
 */
function probeJpeg(bytes: Uint8Array): ImageInfo {
  const { frame } = scanJpeg(bytes);
  if (!frame) throw new ImageError('malformed', 'unreadable jpeg header: no start-of-frame');
  const { width, height } = frame;
  if (width <= 0 || height <= 0) throw new ImageError('malformed', 'jpeg header gives an empty or invalid size');
  let orientation: ExifOrientation = 1;
  try {
    const exif = imageSize(bytes).orientation;
    if (isOrientation(exif)) orientation = exif;
  } catch {
    // No size image-size can read (arithmetic coding, lossless): orientation stays as stored.
  }
  return { format: 'jpeg', width, height, orientation };
}
