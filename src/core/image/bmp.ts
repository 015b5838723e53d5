/**
 * @module BMP decoder following PIL 9.4's BmpImagePlugin, then `convert('RGB')`.
 *
 * Supported as PIL supports them: OS/2 1.x (12-byte) and Windows 40/64/108/124-byte headers; 1, 4 and 8-bit
 * palettes; 16-bit 5-5-5 (default) and 5-6-5; 24-bit; 32-bit (alpha or padding byte dropped); the BITFIELDS
 * layouts PIL accepts; bottom-up and top-down rows; the pixel data offset from the file header.
 * RLE-compressed files are reported as unsupported (as before). Rows are served straight from the bytes
 * (`openBmpRows`); `decodeBmp` reads them all through the same code. Written here rather than taken from bmp-ts, which
 * needs Node's global `Buffer`, ignores the pixel data offset and scales 5-bit channels differently.
 */

import { expandIndices, paletteTable } from './palette.ts';
import { indexedRows, readAllRows, type RowSource } from './rows.ts';
import { ImageError, type RgbImage } from './types.ts';

const BI_RGB = 0;
const BI_BITFIELDS = 3;

function malformed(message: string): ImageError {
  return new ImageError('malformed', `BMP: ${message}`);
}

function unsupported(message: string): ImageError {
  return new ImageError('unsupported_format', `BMP: ${message}`);
}

/** Channel masks (r, g, b[, a]) PIL accepts for BITFIELDS, by bit depth. */
const BITFIELD_LAYOUTS: Readonly<Record<number, readonly (readonly number[])[]>> = {
  32: [
    [0xff0000, 0xff00, 0xff, 0x0],
    [0xff000000, 0xff0000, 0xff00, 0x0],
    [0xff000000, 0xff0000, 0xff00, 0xff],
    [0xff, 0xff00, 0xff0000, 0xff000000],
    [0xff0000, 0xff00, 0xff, 0xff000000],
    [0x0, 0x0, 0x0, 0x0], // PIL reads this as BGRA
  ],
  24: [[0xff0000, 0xff00, 0xff]],
  16: [
    [0xf800, 0x7e0, 0x1f],
    [0x7c00, 0x3e0, 0x1f],
  ],
};

function sameMasks(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function shiftOf(mask: number): number {
  let shift = 0;
  while (shift < 32 && ((mask >>> shift) & 1) === 0) shift++;
  return shift;
}

/** What the header says about the stored rows, and how to turn one into RGB. */
interface BmpLayout {
  readonly width: number;
  readonly height: number;
  /** Byte offset of the `y`th row from the top of the image. */
  rowOffset(y: number): number;
  /** Converts the stored row at `src` into `width * 3` RGB bytes. */
  convertRow(src: number, out: Uint8Array): void;
}

function readBmpLayout(bytes: Uint8Array): BmpLayout {
  if (bytes.length < 26) throw malformed('truncated header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (bytes.length < 14 + headerSize) throw malformed('truncated header');

  let width: number;
  let height: number;
  let bits: number;
  let compression = BI_RGB;
  let colors = 0;
  let paletteEntrySize = 4;
  let topDown = false;
  let masks: number[] | undefined;
  let pos = 14 + headerSize;

  if (headerSize === 12) {
    width = view.getUint16(18, true);
    height = view.getUint16(20, true);
    bits = view.getUint16(24, true);
    paletteEntrySize = 3;
  } else if (headerSize === 40 || headerSize === 64 || headerSize === 108 || headerSize === 124) {
    width = view.getInt32(18, true);
    const rawHeight = view.getInt32(22, true);
    topDown = rawHeight < 0;
    height = Math.abs(rawHeight);
    bits = view.getUint16(28, true);
    compression = view.getUint32(30, true);
    colors = view.getUint32(46, true);
    if (compression === BI_BITFIELDS) {
      if (headerSize >= 52) {
        masks = [0, 1, 2, 3].map((i) => view.getUint32(54 + i * 4, true));
      } else {
        if (bytes.length < pos + 12) throw malformed('truncated header');
        masks = [0, 1, 2].map((i) => view.getUint32(pos + i * 4, true));
        masks.push(0);
        pos += 12;
      }
    }
  } else {
    throw unsupported(`header size ${headerSize}`);
  }
  if (width <= 0 || height <= 0) throw malformed(`invalid size ${width}x${height}`);
  if (![1, 4, 8, 16, 24, 32].includes(bits)) {
    // 0 (embedded JPEG/PNG), 2 (Windows CE) and 64 exist but PIL does not read them; anything else is garbage.
    throw [0, 2, 64].includes(bits) ? unsupported(`pixel depth ${bits}`) : malformed(`invalid pixel depth ${bits}`);
  }
  if (compression !== BI_RGB && compression !== BI_BITFIELDS) {
    // RLE8, RLE4, JPEG, PNG, ALPHABITFIELDS: real but not supported here.
    throw compression <= 6 ? unsupported(`compression ${compression}`) : malformed(`invalid compression ${compression}`);
  }

  // Per-channel extraction for 16/24/32-bit pixels: [shift, bits] of r, g, b.
  let layout: readonly number[] | undefined;
  if (compression === BI_BITFIELDS) {
    const candidates = BITFIELD_LAYOUTS[bits] ?? [];
    const rgba = masks!;
    const match = candidates.find((c) => sameMasks(c, c.length === 4 ? rgba : rgba.slice(0, 3)));
    if (!match) throw unsupported('bitfields layout');
    layout = sameMasks(match, [0, 0, 0, 0]) ? undefined : match;
  }

  colors = colors || 2 ** bits;
  if (offset === 14 + headerSize && bits <= 8) offset += 4 * colors; // offset forgot the palette

  const table = paletteTable();
  if (bits <= 8) {
    if (!(colors > 0 && colors <= 65536)) throw unsupported(`palette size ${colors}`);
    const size = paletteEntrySize * colors;
    if (bytes.length < pos + size) throw malformed('truncated palette');
    for (let i = 0; i < Math.min(colors, 256); i++) {
      const at = pos + i * paletteEntrySize;
      table[i * 3] = bytes[at + 2]!;
      table[i * 3 + 1] = bytes[at + 1]!;
      table[i * 3 + 2] = bytes[at]!;
    }
  }

  const stride = ((width * bits + 31) >>> 5) * 4;
  const start = offset || pos;
  if (start + stride * height > bytes.length) throw malformed('truncated pixel data');

  const rowIndices = bits < 8 ? new Uint8Array(width) : undefined;
  const [rs, gs, bs] = bits === 32 && layout ? [shiftOf(layout[0]!), shiftOf(layout[1]!), shiftOf(layout[2]!)] : [16, 8, 0];
  const is565 = bits === 16 && layout !== undefined && layout[1] === 0x7e0;
  const convertRow = (src: number, out: Uint8Array): void => {
    if (bits === 8) {
      expandIndices(bytes.subarray(src, src + width), table, out);
    } else if (rowIndices) {
      const perByte = 8 / bits;
      const mask = (1 << bits) - 1;
      for (let x = 0; x < width; x++) {
        const byte = bytes[src + Math.floor(x / perByte)]!;
        rowIndices[x] = (byte >>> (8 - bits - (x % perByte) * bits)) & mask;
      }
      expandIndices(rowIndices, table, out);
    } else if (bits === 24) {
      for (let x = 0, s = src, d = 0; x < width; x++, s += 3, d += 3) {
        out[d] = bytes[s + 2]!;
        out[d + 1] = bytes[s + 1]!;
        out[d + 2] = bytes[s]!;
      }
    } else if (bits === 16) {
      for (let x = 0, s = src, d = 0; x < width; x++, s += 2, d += 3) {
        const px = bytes[s]! | (bytes[s + 1]! << 8);
        if (is565) {
          out[d] = Math.floor((((px >>> 11) & 31) * 255) / 31);
          out[d + 1] = Math.floor((((px >>> 5) & 63) * 255) / 63);
        } else {
          out[d] = Math.floor((((px >>> 10) & 31) * 255) / 31);
          out[d + 1] = Math.floor((((px >>> 5) & 31) * 255) / 31);
        }
        out[d + 2] = Math.floor(((px & 31) * 255) / 31);
      }
    } else {
      for (let x = 0, s = src, d = 0; x < width; x++, s += 4, d += 3) {
        const px = view.getUint32(s, true);
        out[d] = (px >>> rs) & 0xff;
        out[d + 1] = (px >>> gs) & 0xff;
        out[d + 2] = (px >>> bs) & 0xff;
      }
    }
  };
  return { width, height, rowOffset: (y) => start + (topDown ? y : height - 1 - y) * stride, convertRow };
}

/**
 * Opens a BMP as rows served straight from `bytes` (bottom-up or top-down), converted one at a time: nothing
 * but one row of palette indices is allocated. The header and the pixel data's length are checked here.
 */
export function openBmpRows(bytes: Uint8Array): RowSource {
  const { width, height, rowOffset, convertRow } = readBmpLayout(bytes);
  return indexedRows(width, height, (y, out) => convertRow(rowOffset(y), out));
}

/** Decodes a BMP to RGB. */
export function decodeBmp(bytes: Uint8Array): RgbImage {
  return readAllRows(openBmpRows(bytes));
}
