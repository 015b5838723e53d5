/** @module Which accepted image format a byte string is, from its magic bytes alone. */

import { sniffHeifBrands } from './isobmff.ts';
import type { ImageFormat } from './types.ts';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;
/** DIB header sizes a BMP may carry (OS/2 v1, Windows v3, v2/v3 masks, OS/2 v2, v4, v5). */
const BMP_DIB_HEADER_SIZES = new Set([12, 40, 52, 56, 64, 108, 124]);

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

function ascii(text: string): number[] {
  return Array.from(text, (ch) => ch.charCodeAt(0));
}

const GIF87 = ascii('GIF87a');
const GIF89 = ascii('GIF89a');
const RIFF = ascii('RIFF');
const WEBP = ascii('WEBP');
const BM = ascii('BM');

/**
 * The format named by the first bytes, or `undefined` when they match none of the accepted formats.
 * BMP's two-byte `BM` is weak on its own, so the DIB header size at offset 14 must also be a known one.
 * AVIF and HEIC are ISO-BMFF files named by their `ftyp` brands; a generic HEIF file (`mif1` only) sniffs as
 * 'heic' and the probe then reads the primary item's coding (AV1 makes it 'avif').
 */
export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, GIF87) || startsWith(bytes, GIF89)) return 'gif';
  if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)) return 'webp';
  if (startsWith(bytes, BM) && bytes.length >= 18) {
    const dibSize = (bytes[14]! | (bytes[15]! << 8) | (bytes[16]! << 16) | (bytes[17]! << 24)) >>> 0;
    if (BMP_DIB_HEADER_SIZES.has(dibSize)) return 'bmp';
  }
  const heif = sniffHeifBrands(bytes);
  if (heif !== undefined) return heif === 'avif' ? 'avif' : 'heic';
  return undefined;
}
