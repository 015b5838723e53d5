/** @module Test helper: builds small PNG, GIF and BMP files byte by byte (web standards only). */

import { crc32 } from '../../../tools/fuzz/corpus.ts';

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function u32be(v: number): Uint8Array {
  return new Uint8Array([(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const typed = concat(new TextEncoder().encode(type), data);
  return concat(u32be(data.length), typed, u32be(crc32(typed)));
}

export async function zlib(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data.slice()]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export const PNG_SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function pngHeader(width: number, height: number, bitDepth: number, colorType: number): Uint8Array {
  const ihdr = concat(u32be(width), u32be(height), new Uint8Array([bitDepth, colorType, 0, 0, 0]));
  return concat(PNG_SIGNATURE, pngChunk('IHDR', ihdr));
}

/** A PNG from unfiltered scanlines (`rows` holds the raw sample bytes of each row, big-endian for 16-bit). */
export async function buildPng(
  width: number,
  height: number,
  bitDepth: number,
  colorType: number,
  rows: Uint8Array[],
  extraChunks: Uint8Array[] = [],
): Promise<Uint8Array> {
  const raw = concat(...rows.map((r) => concat(new Uint8Array([0]), r)));
  return concat(
    pngHeader(width, height, bitDepth, colorType),
    ...extraChunks,
    pngChunk('IDAT', await zlib(raw)),
    pngChunk('IEND', new Uint8Array()),
  );
}

export { pngChunk };

/** Packs LZW codes (LSB first) and wraps them in GIF data sub-blocks with the terminator. */
export function gifCodeStream(minCodeSize: number, codes: readonly [code: number, bits: number][]): Uint8Array {
  const bytes: number[] = [];
  let acc = 0;
  let n = 0;
  for (const [code, bits] of codes) {
    acc |= code << n;
    n += bits;
    while (n >= 8) {
      bytes.push(acc & 0xff);
      acc >>>= 8;
      n -= 8;
    }
  }
  if (n > 0) bytes.push(acc & 0xff);
  const out: number[] = [minCodeSize];
  for (let i = 0; i < bytes.length; i += 255) {
    const block = bytes.slice(i, i + 255);
    out.push(block.length, ...block);
  }
  out.push(0);
  return new Uint8Array(out);
}

/** LZW codes for `indices` with min code size 8, as literals only (a clear code every 253 literals). */
export function literalCodes(indices: readonly number[]): [number, number][] {
  const codes: [number, number][] = [[256, 9]];
  let sinceClear = 0;
  for (const index of indices) {
    if (sinceClear === 254) {
      codes.push([256, 9]);
      sinceClear = 0;
    }
    codes.push([index, 9]);
    sinceClear++;
  }
  codes.push([257, 9]);
  return codes;
}

export interface GifFrame {
  readonly left?: number;
  readonly top?: number;
  readonly width: number;
  readonly height: number;
  readonly indices?: readonly number[];
  readonly codeStream?: Uint8Array;
  readonly interlaced?: boolean;
  readonly localPalette?: readonly number[];
}

/** A GIF89a with a 256-entry global palette (RGB triples, zero-padded), an optional GCE and one frame. */
export function buildGif(
  screenWidth: number,
  screenHeight: number,
  palette: readonly number[] | undefined,
  frame: GifFrame,
  transparent?: number,
): Uint8Array {
  const out: number[] = [...new TextEncoder().encode('GIF89a')];
  const u16 = (v: number) => out.push(v & 0xff, (v >> 8) & 0xff);
  u16(screenWidth);
  u16(screenHeight);
  out.push(palette ? 0xf7 : 0x00, 0, 0);
  if (palette) out.push(...Array.from({ length: 768 }, (_, i) => palette[i] ?? 0));
  if (transparent !== undefined) out.push(0x21, 0xf9, 4, 0x01, 0, 0, transparent, 0);
  out.push(0x2c);
  u16(frame.left ?? 0);
  u16(frame.top ?? 0);
  u16(frame.width);
  u16(frame.height);
  out.push((frame.localPalette ? 0x87 : 0) | (frame.interlaced ? 0x40 : 0));
  if (frame.localPalette) out.push(...Array.from({ length: 768 }, (_, i) => frame.localPalette![i] ?? 0));
  const stream = frame.codeStream ?? gifCodeStream(8, literalCodes(frame.indices ?? []));
  out.push(...stream, 0x3b);
  return new Uint8Array(out);
}

export interface BmpOptions {
  readonly width: number;
  readonly height: number;
  readonly bits: number;
  /** Row-major pixel values in storage order top row first: palette index, or packed 16/32-bit value, or [r,g,b]. */
  readonly pixels: readonly (number | readonly [number, number, number])[];
  readonly palette?: readonly (readonly [number, number, number])[];
  readonly topDown?: boolean;
  readonly compression?: number;
  readonly masks?: readonly number[];
  /** Extra bytes between palette and pixel data (the file header's offset points past them). */
  readonly gap?: number;
}

/** A Windows BMP with a 40-byte header (masks after it for BITFIELDS). */
export function buildBmp(o: BmpOptions): Uint8Array {
  const stride = ((o.width * o.bits + 31) >>> 5) * 4;
  const paletteBytes = (o.palette?.length ?? 0) * 4;
  const maskBytes = (o.masks?.length ?? 0) * 4;
  const offset = 14 + 40 + maskBytes + paletteBytes + (o.gap ?? 0);
  const size = offset + stride * o.height;
  const buf = new Uint8Array(size);
  const v = new DataView(buf.buffer);
  buf[0] = 0x42;
  buf[1] = 0x4d;
  v.setUint32(2, size, true);
  v.setUint32(10, offset, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, o.width, true);
  v.setInt32(22, o.topDown ? -o.height : o.height, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, o.bits, true);
  v.setUint32(30, o.compression ?? 0, true);
  v.setUint32(46, o.palette?.length ?? 0, true);
  let at = 54;
  for (const m of o.masks ?? []) {
    v.setUint32(at, m, true);
    at += 4;
  }
  for (const [r, g, b] of o.palette ?? []) {
    buf.set([b, g, r, 0], at);
    at += 4;
  }
  for (let y = 0; y < o.height; y++) {
    const row = offset + (o.topDown ? y : o.height - 1 - y) * stride;
    for (let x = 0; x < o.width; x++) {
      const p = o.pixels[y * o.width + x]!;
      if (o.bits < 8) {
        const perByte = 8 / o.bits;
        const byte = row + Math.floor(x / perByte);
        buf[byte]! |= (p as number) << (8 - o.bits - (x % perByte) * o.bits);
      } else if (o.bits === 8) {
        buf[row + x] = p as number;
      } else if (o.bits === 16) {
        v.setUint16(row + x * 2, p as number, true);
      } else if (o.bits === 24) {
        const [r, g, b] = p as readonly [number, number, number];
        buf.set([b, g, r], row + x * 3);
      } else {
        v.setUint32(row + x * 4, p as number, true);
      }
    }
  }
  return buf;
}
