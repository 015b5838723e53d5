/**
 * @module GIF decoder: the first frame, as PIL 9.4 shows it after `convert('RGB')`.
 *
 * PIL keeps palette indices, so transparent pixels take their palette colour (nothing is composited);
 * the canvas is the logical screen, enlarged if the first frame extends past it; pixels the frame does
 * not cover hold the transparent index if there is one, else index 0; without any palette the indices
 * are grey levels. Written here rather than taken from omggif, whose LZW table walk can be sent into an
 * endless loop by a crafted code stream and which skips transparent pixels instead of keeping them.
 * Every read is bounds-checked and every loop is bounded by the input length or the pixel count.
 */

import { expandIndices, paletteTable } from './palette.ts';
import { ImageError, type RgbImage } from './types.ts';

const MAX_CODE_BITS = 12;
const TABLE_SIZE = 1 << MAX_CODE_BITS;

function malformed(message: string): ImageError {
  return new ImageError('malformed', `GIF: ${message}`);
}

class Reader {
  readonly bytes: Uint8Array;
  pos: number;
  constructor(bytes: Uint8Array, pos: number) {
    this.bytes = bytes;
    this.pos = pos;
  }
  u8(): number {
    if (this.pos >= this.bytes.length) throw malformed('truncated');
    return this.bytes[this.pos++]!;
  }
  u16(): number {
    return this.u8() | (this.u8() << 8);
  }
  take(length: number): Uint8Array {
    if (this.pos + length > this.bytes.length) throw malformed('truncated');
    const out = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }
  /** Concatenated data sub-blocks up to the zero-length terminator. */
  subBlocks(): Uint8Array {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let size = this.u8(); size !== 0; size = this.u8()) {
      const part = this.take(size);
      parts.push(part);
      total += size;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
  skipSubBlocks(): void {
    for (let size = this.u8(); size !== 0; size = this.u8()) this.take(size);
  }
}

/**
 * Decodes GIF LZW data into `out` (one index per pixel, in stream order). Stops at the end-of-information
 * code, at the end of the data, or when `out` is full; rejects codes that are not yet defined.
 */
export function lzwDecode(data: Uint8Array, minCodeSize: number, out: Uint8Array): number {
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  const prefix = new Uint16Array(TABLE_SIZE);
  const suffix = new Uint8Array(TABLE_SIZE);
  const first = new Uint8Array(TABLE_SIZE);
  const length = new Uint16Array(TABLE_SIZE);
  for (let i = 0; i < clear; i++) {
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  let codeSize = minCodeSize + 1;
  let next = eoi + 1;
  let prev = -1;
  let bits = 0;
  let bitCount = 0;
  let inPos = 0;
  let outPos = 0;
  const outLength = out.length;

  while (outPos < outLength) {
    while (bitCount < codeSize && inPos < data.length) {
      bits |= data[inPos++]! << bitCount;
      bitCount += 8;
    }
    if (bitCount < codeSize) break; // out of data
    const code = bits & ((1 << codeSize) - 1);
    bits >>>= codeSize;
    bitCount -= codeSize;

    if (code === clear) {
      codeSize = minCodeSize + 1;
      next = eoi + 1;
      prev = -1;
      continue;
    }
    if (code === eoi) break;

    let k: number;
    if (prev === -1) {
      if (code >= clear) throw malformed('LZW stream starts with an undefined code');
      out[outPos++] = code;
      prev = code;
      continue;
    }
    if (code < next) {
      // Emit the string for `code`, written backwards from its end.
      const len = length[code]!;
      k = first[code]!;
      let c = code;
      const end = Math.min(outPos + len, outLength);
      for (let i = outPos + len - 1; i >= outPos; i--) {
        if (i < end) out[i] = suffix[c]!;
        c = prefix[c]!;
      }
      outPos = end;
    } else if (code === next && next < TABLE_SIZE) {
      // KwKwK: the string for `prev` followed by its own first byte.
      const len = length[prev]!;
      k = first[prev]!;
      let c = prev;
      const end = Math.min(outPos + len + 1, outLength);
      if (outPos + len < end) out[outPos + len] = k;
      for (let i = outPos + len - 1; i >= outPos; i--) {
        if (i < end) out[i] = suffix[c]!;
        c = prefix[c]!;
      }
      outPos = end;
    } else {
      throw malformed('LZW code out of range');
    }
    if (next < TABLE_SIZE) {
      prefix[next] = prev;
      suffix[next] = k;
      first[next] = first[prev]!;
      length[next] = length[prev]! + 1;
      next++;
      if (next === 1 << codeSize && codeSize < MAX_CODE_BITS) codeSize++;
    }
    prev = code;
  }
  return outPos;
}

/** Row order of an interlaced frame: every 8th row from 0, every 8th from 4, every 4th from 2, every 2nd from 1. */
function interlacedRows(height: number): Int32Array {
  const rows = new Int32Array(height);
  let i = 0;
  for (const [start, step] of [
    [0, 8],
    [4, 8],
    [2, 4],
    [1, 2],
  ] as const) {
    for (let y = start; y < height; y += step) rows[i++] = y;
  }
  return rows;
}

function readPalette(reader: Reader, flags: number): Uint8Array {
  return reader.take(3 * (1 << ((flags & 7) + 1)));
}

/** Decodes the first frame of a GIF to RGB. Throws `ImageError('too_many_pixels')` past `maxPixels`. */
export function decodeGif(bytes: Uint8Array, maxPixels: number): RgbImage {
  const reader = new Reader(bytes, 6); // after "GIF87a" / "GIF89a"
  const screenWidth = reader.u16();
  const screenHeight = reader.u16();
  const screenFlags = reader.u8();
  reader.u8(); // background colour index: PIL does not use it for the first frame
  reader.u8(); // pixel aspect ratio
  const globalPalette = screenFlags & 0x80 ? readPalette(reader, screenFlags) : undefined;

  let transparency: number | undefined;
  for (;;) {
    if (reader.pos >= bytes.length) throw malformed('no image in file');
    const block = reader.u8();
    if (block === 0x3b) throw malformed('no image in file');
    if (block === 0x21) {
      const label = reader.u8();
      if (label === 0xf9) {
        const gce = reader.subBlocks();
        if (gce.length >= 4) transparency = gce[0]! & 1 ? gce[3] : undefined;
      } else {
        reader.skipSubBlocks();
      }
      continue;
    }
    if (block !== 0x2c) continue; // PIL skips stray bytes between blocks

    const left = reader.u16();
    const top = reader.u16();
    const frameWidth = reader.u16();
    const frameHeight = reader.u16();
    const flags = reader.u8();
    const palette = flags & 0x80 ? readPalette(reader, flags) : globalPalette;
    const interlaced = (flags & 0x40) !== 0;
    const minCodeSize = reader.u8();
    if (minCodeSize < 1 || minCodeSize > 8) throw malformed(`invalid LZW code size ${minCodeSize}`);
    const data = reader.subBlocks();

    const width = Math.max(screenWidth, left + frameWidth);
    const height = Math.max(screenHeight, top + frameHeight);
    if (width === 0 || height === 0) throw malformed('empty image');
    if (width * height > maxPixels) {
      throw new ImageError('too_many_pixels', `GIF frame extends the image to ${width}x${height}`);
    }

    // Pixels the frame (or a short LZW stream) leaves undefined hold the transparent index, else 0.
    const fill = transparency ?? 0;
    const frame = new Uint8Array(frameWidth * frameHeight).fill(fill);
    lzwDecode(data, minCodeSize, frame);

    const indices = new Uint8Array(width * height).fill(fill);
    const rows = interlaced ? interlacedRows(frameHeight) : undefined;
    for (let r = 0; r < frameHeight; r++) {
      const y = top + (rows ? rows[r]! : r);
      indices.set(frame.subarray(r * frameWidth, (r + 1) * frameWidth), y * width + left);
    }

    const table = paletteTable();
    if (palette) table.set(palette.subarray(0, Math.min(palette.length, table.length)));
    const data3 = new Uint8Array(width * height * 3);
    expandIndices(indices, table, data3);
    return { width, height, data: data3 };
  }
}
