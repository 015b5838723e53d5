/**
 * @module PNG container: signature, chunk walk with CRCs, IHDR and PLTE validation, and where the image data
 * (the first run of consecutive IDAT chunks) lies, read without copying or inflating anything.
 *
 * Checks follow PIL 9.4's PngImagePlugin where it has one: the CRC of every chunk before the first IDAT is
 * verified (PIL refuses a bad CRC there, ancillary chunks included) while IDAT and later chunks' CRCs are not
 * (PIL never reads them). Stricter than PIL, as the PNG specification requires: IHDR must come first, a
 * palette image must have a PLTE (PIL would fall back to a grey ramp) and the interlace method must be 0 or 1.
 * APNG: the IDAT run is the default image, which is what PIL shows as frame 0; fcTL/fdAT are ignored.
 */

import { paletteTable } from '../palette.ts';
import { ImageError } from '../types.ts';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;
/** The PNG specification's limit for width and height. */
export const PNG_MAX_DIMENSION = 2 ** 31 - 1;

/** Colour type -> allowed bit depths (PNG spec table 11.1, the same pairs PIL 9.4 accepts). */
const DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16], // grey
  2: [8, 16], // RGB
  3: [1, 2, 4, 8], // palette
  4: [8, 16], // grey + alpha
  6: [8, 16], // RGBA
};
/** Samples per pixel by colour type. */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colorType: number;
  readonly interlaced: boolean;
  /** Bits per pixel (channels * bit depth). */
  readonly bitsPerPixel: number;
}

/** A PNG's parsed layout: the header, the palette as a 256-entry RGB table, and the IDAT byte ranges. */
export interface PngLayout {
  readonly header: PngHeader;
  /** Palette images only: entries past the PLTE keep PIL's grey ramp (PIL's P -> RGB gives (i, i, i)). */
  readonly palette: Uint8Array | undefined;
  /** [start, end) offsets in the file of each IDAT chunk's data, in order. */
  readonly idat: readonly (readonly [number, number])[];
}

export function pngMalformed(message: string, options?: ErrorOptions): ImageError {
  return new ImageError('malformed', `PNG: ${message}`, options);
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO 3309, as PNG uses) of `bytes[start, end)`. */
export function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function chunkType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

function checkSignature(bytes: Uint8Array): void {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw pngMalformed('bad signature');
}

function parseHeader(bytes: Uint8Array): PngHeader {
  checkSignature(bytes);
  if (bytes.length < 8 + 8 + 13 + 4) throw pngMalformed('truncated IHDR');
  if (chunkType(bytes, 12) !== 'IHDR') throw pngMalformed('the first chunk is not IHDR');
  if (u32(bytes, 8) !== 13) throw pngMalformed(`IHDR has length ${u32(bytes, 8)} (13 expected)`);
  if (crc32(bytes, 12, 29) !== u32(bytes, 29)) throw pngMalformed('bad CRC in IHDR');
  const width = u32(bytes, 16);
  const height = u32(bytes, 20);
  const [bitDepth, colorType, compression, filter, interlace] = [bytes[24]!, bytes[25]!, bytes[26]!, bytes[27]!, bytes[28]!];
  if (width === 0 || height === 0 || width > PNG_MAX_DIMENSION || height > PNG_MAX_DIMENSION) {
    throw pngMalformed(`invalid size ${width}x${height}`);
  }
  if (!DEPTHS[colorType]?.includes(bitDepth)) throw pngMalformed(`invalid colour type ${colorType} with bit depth ${bitDepth}`);
  if (compression !== 0) throw pngMalformed(`unknown compression method ${compression}`);
  if (filter !== 0) throw pngMalformed(`unknown filter method ${filter}`);
  if (interlace > 1) throw pngMalformed(`unknown interlace method ${interlace}`);
  return { width, height, bitDepth, colorType, interlaced: interlace === 1, bitsPerPixel: CHANNELS[colorType]! * bitDepth };
}

/** Reads the IHDR alone (signature, first chunk, CRC, valid fields). Throws `ImageError('malformed')`. */
export function readPngHeader(bytes: Uint8Array): PngHeader {
  return parseHeader(bytes);
}

/**
 * Whether a PNG is Adam7-interlaced, from its IHDR: such a PNG cannot stream and is decoded whole, so the
 * pipeline should hold it to a whole-image pixel limit. Throws `ImageError('malformed')` on a bad header.
 */
export function isInterlacedPng(bytes: Uint8Array): boolean {
  return parseHeader(bytes).interlaced;
}

/** Walks the chunks up to the end of the first IDAT run. Never reads past the buffer. */
export function readPngLayout(bytes: Uint8Array): PngLayout {
  const header = parseHeader(bytes);
  let palette: Uint8Array | undefined;
  const idat: [number, number][] = [];
  let at = 33;
  for (;;) {
    if (at + 8 > bytes.length) {
      if (idat.length > 0) break; // data ends after the image data: PIL does not need IEND either
      throw pngMalformed('no image data (IDAT) before the end of the file');
    }
    const length = u32(bytes, at);
    const type = chunkType(bytes, at + 4);
    const dataStart = at + 8;
    const dataEnd = dataStart + length;
    if (type === 'IDAT') {
      // Truncated IDATs keep what is there; the inflater reports the missing rows.
      idat.push([dataStart, Math.min(dataEnd, bytes.length)]);
      at = dataEnd + 4;
      continue;
    }
    if (idat.length > 0) break; // the first IDAT run is over
    if (!/^\w{4}$/.test(type)) throw pngMalformed(`invalid chunk type at byte ${at}`);
    if (dataEnd + 4 > bytes.length) throw pngMalformed(`truncated ${type} chunk`);
    if (crc32(bytes, at + 4, dataEnd) !== u32(bytes, dataEnd)) throw pngMalformed(`bad CRC in ${type}`);
    if (type === 'IHDR') throw pngMalformed('second IHDR');
    if (type === 'IEND') throw pngMalformed('IEND before any image data');
    if (type === 'PLTE' && header.colorType === 3) {
      if (palette) throw pngMalformed('second PLTE');
      if (length === 0 || length % 3 !== 0 || length > 768) throw pngMalformed(`PLTE of ${length} bytes`);
      palette = paletteTable();
      palette.set(bytes.subarray(dataStart, dataEnd));
    }
    at = dataEnd + 4;
  }
  if (header.colorType === 3 && !palette) throw pngMalformed('palette image without PLTE');
  return { header, palette, idat };
}
