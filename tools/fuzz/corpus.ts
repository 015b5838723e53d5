/**
 * @module A deterministic corpus of malformed images for the decoder path, made from the fixture photos of
 * every accepted format (JPEG baseline/progressive/gray/CMYK/YCCK/EXIF/4:4:0/4:1:0/restart markers/arithmetic,
 * PNG 8/16-bit/RGBA/palette and Adam7-interlaced, WebP lossy and lossless, GIF, BMP, AVIF 8/10-bit/alpha/
 * sequence, HEIC 8/10-bit): truncations at many offsets (inside rows of the streaming decoders too), bit flips
 * in headers and in data, overwritten runs,
 * headers that lie about the dimensions (huge, zero, slightly off), decompression bombs (a 30000x30000
 * PNG whose IDAT is tiny, a GIF frame far larger than its screen, a JPEG with hundreds of scans, …), empty
 * bodies and random bodies behind valid magic bytes — sent as raw bodies, JSON base64 and multipart, to
 * /v1/embed and to PUT /v1/items.
 *
 * Web standards only (it runs inside workerd for the tests and in Node for `npm run fuzz`). The same seed
 * and count give the same cases, byte for byte. Cases are produced lazily: 10,000 of them never sit in
 * memory together.
 */
import { maxPixelsFor } from '../../src/core/image/limits.ts';
import { probeImage } from '../../src/core/image/probe.ts';
import { encodeBase64 } from '../../src/core/util/base64.ts';
import { mulberry32, type Prng } from '../../src/core/util/random.ts';

export type Format = 'jpeg' | 'png' | 'webp' | 'gif' | 'bmp' | 'avif' | 'heic';

/** The fixture photos each case starts from (small and medium files; every format and variant; `heif/` names are test/fixtures/heif/). */
export const SEEDS: Readonly<Record<Format, readonly string[]>> = {
  jpeg: [
    'chelsea-q90.jpg',
    'chelsea-progressive.jpg',
    'chelsea-420.jpg',
    'chelsea-gray.jpg',
    'chelsea-cmyk.jpg',
    'chelsea-exif6.jpg',
    'jpeg-layouts/440.jpg',
    'jpeg-layouts/410.jpg',
    'jpeg-layouts/ycck.jpg',
    'jpeg-layouts/restart.jpg',
    'jpeg-layouts/arithmetic.jpg',
    'jpeg-layouts/progressive-444.jpg',
  ],
  png: [
    'chelsea.png',
    'chelsea-rgba.png',
    'chelsea-gray16.png',
    'green_palette.png',
    'foo3x5x4indexed.png',
    'png/rgba16-adam7-61x47.png',
    'png/pal8-trns-adam7-61x47.png',
    'png/rgb16-37x23.png',
  ],
  webp: ['chelsea.webp', 'chelsea-lossless.webp'],
  gif: ['chelsea.gif'],
  bmp: ['chelsea.bmp'],
  avif: ['heif/avif-8bit-420.avif', 'heif/avif-10bit-420.avif', 'heif/avif-alpha.avif', 'heif/avif-sequence.avif'],
  heic: ['heif/heic-8bit.heic', 'heif/heic-10bit.heic'],
};

const CONTENT_TYPES: Readonly<Record<Format, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  bmp: 'image/bmp',
  avif: 'image/avif',
  heic: 'image/heic',
};

export type Family =
  | 'original'
  | 'truncate'
  | 'bitflip-header'
  | 'bitflip-data'
  | 'overwrite'
  | 'lying-dims'
  | 'bomb'
  | 'empty'
  | 'magic-random'
  | 'random';

/**
 * What the answer must be, beyond "never a 5xx": `ok` 200 with a vector; `too-large` 413 (refused from the
 * header, before decoding); `client-error` some 4xx problem; `any` 200 or a 4xx problem.
 */
export type Expectation = 'ok' | 'too-large' | 'client-error' | 'any';

/** How the bytes travel. */
export type Transport = 'raw' | 'octet-stream' | 'json' | 'multipart' | 'put-item';

export interface FuzzCase {
  readonly index: number;
  readonly id: string;
  readonly family: Family;
  readonly format: Format | 'none';
  readonly bytes: Uint8Array;
  readonly transport: Transport;
  readonly expect: Expectation;
}

export interface CorpusOptions {
  /** Number of cases (the fixed originals and bombs included). */
  readonly cases: number;
  readonly seed?: number;
  /** The deployment's MAX_PIXELS: decides which synthetic images are over the limit. */
  readonly maxPixels: number;
}

/** The fixture photos, by name. */
export type FixtureSource = (name: string) => Uint8Array;

// ---- byte helpers ---------------------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG chunks use it (the test image builders share it). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const ascii = (text: string) => new TextEncoder().encode(text);
const be32 = (v: number) => new Uint8Array([(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
const le16 = (v: number) => new Uint8Array([v & 0xff, (v >>> 8) & 0xff]);
const le32 = (v: number) => new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);

function setBe16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}
function setLe16(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
}
function setLe24(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
}
function setLe32(b: Uint8Array, at: number, v: number): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, v >>> 0, true);
}
function setBe32(b: Uint8Array, at: number, v: number): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, v >>> 0, false);
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const typed = concat(ascii(type), data);
  return concat(be32(data.length), typed, be32(crc32(typed)));
}

const PNG_SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

async function deflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data.slice()]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function randomBytes(rng: Prng, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.nextU32() & 0xff;
  return out;
}

const int = (rng: Prng, n: number) => Math.floor(rng.next() * n);
const pick = <T>(rng: Prng, list: readonly T[]): T => list[int(rng, list.length)]!;

// ---- where each format keeps its dimensions ---------------------------------------------------------------

/** The header region of a file: where a flipped bit changes structure rather than pixels. */
function headerLength(format: Format, bytes: Uint8Array): number {
  switch (format) {
    case 'png':
      return Math.min(bytes.length, 64);
    case 'bmp':
      return Math.min(bytes.length, 138);
    case 'gif':
      return Math.min(bytes.length, 32);
    case 'webp':
      return Math.min(bytes.length, 40);
    case 'jpeg': {
      const sos = jpegMarker(bytes, (m) => m === 0xda);
      return Math.min(bytes.length, sos === undefined ? 600 : sos + 14);
    }
    case 'avif':
    case 'heic': {
      // ftyp + meta: everything before the coded data.
      const meta = isobmffBoxes(bytes).find((box) => box.type === 'meta');
      return Math.min(bytes.length, meta ? meta.end : 600);
    }
  }
}

/** Top-level ISO-BMFF boxes (type, start offset, end offset) as far as their sizes can be followed. */
function isobmffBoxes(b: Uint8Array): { type: string; at: number; end: number }[] {
  const out: { type: string; at: number; end: number }[] = [];
  for (let at = 0; at + 8 <= b.length; ) {
    const size = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at);
    if (size < 8) break;
    out.push({ type: String.fromCharCode(...b.subarray(at + 4, at + 8)), at, end: at + size });
    at += size;
  }
  return out;
}

/** Offsets of every `ispe` box's payload (version/flags first) in an AVIF/HEIC header. */
function ispeOffsets(b: Uint8Array, limit: number): number[] {
  const out: number[] = [];
  for (let i = 4; i + 4 <= limit; i++) {
    if (b[i] === 0x69 && b[i + 1] === 0x73 && b[i + 2] === 0x70 && b[i + 3] === 0x65) out.push(i + 4); // 'ispe'
  }
  return out;
}

/** Offset of the first JPEG marker segment whose marker satisfies `match` (stops at SOS). */
function jpegMarker(bytes: Uint8Array, match: (marker: number) => boolean): number | undefined {
  let pos = 2;
  while (pos + 3 < bytes.length && bytes[pos] === 0xff) {
    const marker = bytes[pos + 1]!;
    if (match(marker)) return pos;
    if (marker === 0xda) return undefined;
    pos += 2 + ((bytes[pos + 2]! << 8) | bytes[pos + 3]!);
  }
  return undefined;
}

const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** The first GIF image descriptor (0x2C), skipping the global colour table and extensions. */
function gifImageDescriptor(bytes: Uint8Array): number | undefined {
  let pos = 13;
  if (bytes.length > 10 && bytes[10]! & 0x80) pos += 3 * (1 << ((bytes[10]! & 0x07) + 1));
  while (pos < bytes.length) {
    if (bytes[pos] === 0x2c) return pos;
    if (bytes[pos] !== 0x21) return undefined;
    pos += 2;
    while (pos < bytes.length && bytes[pos] !== 0) pos += bytes[pos]! + 1;
    pos += 1;
  }
  return undefined;
}

/**
 * Writes `width` x `height` into the header (every size field the format has; clamped to what the field can
 * hold), keeping the file otherwise intact; PNG's IHDR CRC is recomputed unless `keepCrc`. Returns the size
 * the header now states, or undefined when the format keeps no size this function knows how to write.
 */
function writeDimensions(format: Format, b: Uint8Array, width: number, height: number, keepCrc = false): [number, number] | undefined {
  const clamp = (v: number, min: number, max: number) => Math.max(min, Math.min(v, max));
  switch (format) {
    case 'png': {
      if (b.length < 33) return undefined;
      setBe32(b, 16, width);
      setBe32(b, 20, height);
      if (!keepCrc) setBe32(b, 29, crc32(b.subarray(12, 29)));
      return [width, height];
    }
    case 'bmp': {
      if (b.length < 26) return undefined;
      if (b[14] === 12) {
        const [w, h] = [clamp(width, 0, 0xffff), clamp(height, 0, 0xffff)];
        setLe16(b, 18, w);
        setLe16(b, 20, h);
        return [w, h];
      }
      setLe32(b, 18, width);
      setLe32(b, 22, height);
      return [width, height];
    }
    case 'gif': {
      if (b.length < 10) return undefined;
      const [w, h] = [clamp(width, 0, 0xffff), clamp(height, 0, 0xffff)];
      setLe16(b, 6, w);
      setLe16(b, 8, h);
      const descriptor = gifImageDescriptor(b);
      if (descriptor !== undefined && descriptor + 9 <= b.length) {
        setLe16(b, descriptor + 5, w);
        setLe16(b, descriptor + 7, h);
      }
      return [w, h];
    }
    case 'jpeg': {
      const sof = jpegMarker(b, isSof);
      if (sof === undefined || sof + 9 > b.length) return undefined;
      const [w, h] = [clamp(width, 0, 0xffff), clamp(height, 0, 0xffff)];
      setBe16(b, sof + 5, h);
      setBe16(b, sof + 7, w);
      return [w, h];
    }
    case 'webp': {
      if (b.length < 30) return undefined;
      const chunk = String.fromCharCode(...b.subarray(12, 16));
      if (chunk === 'VP8 ') {
        const [w, h] = [clamp(width, 0, 0x3fff), clamp(height, 0, 0x3fff)];
        setLe16(b, 26, w);
        setLe16(b, 28, h);
        return [w, h];
      }
      if (chunk === 'VP8L') {
        const [w, h] = [clamp(width, 1, 0x4000), clamp(height, 1, 0x4000)];
        const bits = (b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24)) >>> 0;
        setLe32(b, 21, ((bits & 0xf0000000) | ((h - 1) << 14) | (w - 1)) >>> 0);
        return [w, h];
      }
      if (chunk === 'VP8X') {
        const [w, h] = [clamp(width, 1, 1 << 24), clamp(height, 1, 1 << 24)];
        setLe24(b, 24, w - 1);
        setLe24(b, 27, h - 1);
        return [w, h];
      }
      return undefined;
    }
    case 'avif':
    case 'heic': {
      // Every ispe (a grid's and its tiles'); a grid's own description in idat is left alone.
      const offsets = ispeOffsets(b, headerLength(format, b));
      if (offsets.length === 0) return undefined;
      for (const at of offsets) {
        if (at + 12 > b.length) return undefined;
        setBe32(b, at + 4, width);
        setBe32(b, at + 8, height);
      }
      return [width, height];
    }
  }
}

// ---- the fixed cases ------------------------------------------------------------------------------------

interface Draft {
  readonly id: string;
  readonly family: Family;
  readonly format: Format | 'none';
  readonly bytes: Uint8Array;
  readonly expect: Expectation;
  readonly transport?: Transport;
}

async function bombs(fixtures: FixtureSource, maxPixels: number): Promise<Draft[]> {
  const out: Draft[] = [];
  // The limit the Worker applies to these bytes: MAX_PIXELS, or lower for a format decoded whole.
  const over = (bytes: Uint8Array): Expectation => {
    const info = probeImage(bytes);
    return info.width * info.height > maxPixelsFor(bytes, info, maxPixels).pixels ? 'too-large' : 'ok';
  };

  // A 30000x30000 grey PNG whose IDAT is the start of a valid zlib stream of zero rows: 900 MP claimed, ~1 KB sent.
  const rows = await deflate(new Uint8Array(30001 * 16));
  const ihdr = (w: number, h: number, depth: number, color: number) =>
    pngChunk('IHDR', concat(be32(w), be32(h), new Uint8Array([depth, color, 0, 0, 0])));
  out.push({
    id: 'bomb/png-30000x30000-tiny-idat',
    family: 'bomb',
    format: 'png',
    expect: 'too-large',
    bytes: concat(PNG_SIGNATURE, ihdr(30000, 30000, 8, 0), pngChunk('IDAT', rows), pngChunk('IEND', new Uint8Array())),
  });
  out.push({
    id: 'bomb/png-30000x30000-rgba16',
    family: 'bomb',
    format: 'png',
    expect: 'too-large',
    bytes: concat(PNG_SIGNATURE, ihdr(30000, 30000, 16, 6), pngChunk('IDAT', rows), pngChunk('IEND', new Uint8Array())),
  });
  // Within the pixel limit but 10,000:1 compressed: a real, complete 2500x2500 grey image of zeros (decodes; 200).
  const side = 2500;
  const full = await deflate(new Uint8Array((side + 1) * side));
  const zeros = concat(PNG_SIGNATURE, ihdr(side, side, 8, 0), pngChunk('IDAT', full), pngChunk('IEND', new Uint8Array()));
  out.push({ id: `bomb/png-${side}x${side}-zeros-complete`, family: 'bomb', format: 'png', expect: over(zeros), bytes: zeros });
  // The same header, data for only the first rows: an incomplete image.
  out.push({
    id: `bomb/png-${side}x${side}-rows-missing`,
    family: 'bomb',
    format: 'png',
    expect: 'client-error',
    bytes: concat(
      PNG_SIGNATURE,
      ihdr(side, side, 8, 0),
      pngChunk('IDAT', rows.subarray(0, rows.length >> 1)),
      pngChunk('IEND', new Uint8Array()),
    ),
  });

  // GIF: a 65535x65535 logical screen with a 1x1 frame; a 16x16 screen with a 65535x65535 frame and 3 bytes of LZW.
  const gifHeader = (w: number, h: number) =>
    concat(ascii('GIF89a'), le16(w), le16(h), new Uint8Array([0x80, 0, 0]), new Uint8Array([0, 0, 0, 255, 255, 255]));
  const frame = (w: number, h: number) =>
    concat(new Uint8Array([0x2c]), le16(0), le16(0), le16(w), le16(h), new Uint8Array([0, 2, 2, 0x44, 0x01, 0, 0x3b]));
  out.push({
    id: 'bomb/gif-screen-65535x65535',
    family: 'bomb',
    format: 'gif',
    expect: 'too-large',
    bytes: concat(gifHeader(65535, 65535), frame(1, 1)),
  });
  out.push({
    id: 'bomb/gif-frame-65535x65535',
    family: 'bomb',
    format: 'gif',
    expect: 'client-error',
    bytes: concat(gifHeader(16, 16), frame(65535, 65535)),
  });

  // BMP: 30000x30000 24-bit, 64 bytes of pixel data; and a top-down (negative height) variant.
  const bmp = (w: number, h: number) => {
    const header = concat(
      ascii('BM'),
      le32(54 + 64),
      le32(0),
      le32(54),
      le32(40),
      le32(w),
      le32(h),
      le16(1),
      le16(24),
      le32(0),
      le32(64),
      le32(2835),
      le32(2835),
      le32(0),
      le32(0),
    );
    return concat(header, new Uint8Array(64));
  };
  out.push({ id: 'bomb/bmp-30000x30000', family: 'bomb', format: 'bmp', expect: 'too-large', bytes: bmp(30000, 30000) });
  out.push({ id: 'bomb/bmp-30000x-30000-top-down', family: 'bomb', format: 'bmp', expect: 'too-large', bytes: bmp(30000, -30000 >>> 0) });

  // WebP: an extended (VP8X) canvas of 16384x16384 in front of a small lossy frame.
  const webp = fixtures('chelsea.webp');
  const vp8 = webp.subarray(12);
  const vp8x = concat(ascii('VP8X'), le32(10), new Uint8Array([0, 0, 0, 0]), new Uint8Array([0xff, 0x3f, 0x00, 0xff, 0x3f, 0x00]));
  const body = concat(ascii('WEBP'), vp8x, vp8);
  out.push({
    id: 'bomb/webp-vp8x-canvas-16384x16384',
    family: 'bomb',
    format: 'webp',
    expect: 'too-large',
    bytes: concat(ascii('RIFF'), le32(body.length), body),
  });

  // JPEG: a progressive photo whose last scan is repeated 400 times (a scan bomb: each pass re-decodes everything).
  const progressive = fixtures('chelsea-progressive.jpg');
  let lastSos = -1;
  for (let i = 2; i + 1 < progressive.length; i++) if (progressive[i] === 0xff && progressive[i + 1] === 0xda) lastSos = i;
  const eoi = progressive.length - 2;
  if (lastSos > 0) {
    const scan = progressive.subarray(lastSos, eoi);
    const parts = [progressive.subarray(0, lastSos)];
    for (let i = 0; i < 400; i++) parts.push(scan);
    parts.push(progressive.subarray(eoi));
    out.push({ id: 'bomb/jpeg-400-scans', family: 'bomb', format: 'jpeg', expect: 'client-error', bytes: concat(...parts) });
  }

  // AVIF / HEIC: every ispe claiming 60000x60000 (3.6 GP, refused from the header); a HEIC grid that states its
  // true 121x81 output but whose one tile claims 60000x60000 (the tiles are what the decoder would allocate).
  const avif = fixtures('heif/avif-8bit-420.avif').slice();
  writeDimensions('avif', avif, 60000, 60000);
  out.push({ id: 'bomb/avif-ispe-60000x60000', family: 'bomb', format: 'avif', expect: 'too-large', bytes: avif });
  const heic = fixtures('heif/heic-8bit.heic').slice();
  const ispes = ispeOffsets(heic, headerLength('heic', heic));
  const tile = ispes[0]!; // heif-enc writes the tile's ispe before the grid's
  setBe32(heic, tile + 4, 60000);
  setBe32(heic, tile + 8, 60000);
  out.push({ id: 'bomb/heic-grid-tile-60000x60000', family: 'bomb', format: 'heic', expect: 'too-large', bytes: heic });
  // A 4.3 MP coded image (627 bytes) whose ispe says 120x90: the decoder's memory cap stops it (400).
  const coded = fixtures('heif/gradient-4mp.avif').slice();
  writeDimensions('avif', coded, 120, 90);
  out.push({ id: 'bomb/avif-coded-2400x1800-ispe-120x90', family: 'bomb', format: 'avif', expect: 'client-error', bytes: coded });

  // Empty bodies, each way they can arrive.
  out.push({ id: 'empty/raw', family: 'empty', format: 'none', expect: 'client-error', bytes: new Uint8Array(), transport: 'raw' });
  out.push({ id: 'empty/json', family: 'empty', format: 'none', expect: 'client-error', bytes: new Uint8Array(), transport: 'json' });
  out.push({
    id: 'empty/multipart',
    family: 'empty',
    format: 'none',
    expect: 'client-error',
    bytes: new Uint8Array(),
    transport: 'multipart',
  });
  out.push({
    id: 'empty/put-item',
    family: 'empty',
    format: 'none',
    expect: 'client-error',
    bytes: new Uint8Array(),
    transport: 'put-item',
  });
  return out;
}

// ---- mutations ------------------------------------------------------------------------------------------

const MAGIC: Readonly<Record<Format, Uint8Array>> = {
  jpeg: new Uint8Array([0xff, 0xd8, 0xff]),
  png: PNG_SIGNATURE,
  gif: ascii('GIF89a'),
  webp: concat(ascii('RIFF'), le32(1000), ascii('WEBP')),
  bmp: concat(ascii('BM'), le32(1000), le32(0), le32(54), le32(40)),
  avif: concat(be32(20), ascii('ftypavif'), be32(0), ascii('mif1')),
  heic: concat(be32(20), ascii('ftypheic'), be32(0), ascii('mif1')),
};

const FORMATS = Object.keys(SEEDS) as Format[];
const ALL_SEEDS: ReadonlyArray<readonly [Format, string]> = FORMATS.flatMap((format) =>
  SEEDS[format].map((name) => [format, name] as const),
);

function mutate(rng: Prng, family: Family, format: Format, name: string, source: Uint8Array, maxPixels: number): Draft {
  const b = source.slice();
  const header = headerLength(format, b);
  switch (family) {
    case 'truncate': {
      // Half in the header region (where parsers stumble), half anywhere in the file.
      const at = rng.next() < 0.5 ? int(rng, header) : int(rng, b.length);
      return { id: `truncate/${name}@${at}`, family, format, expect: at < 8 ? 'client-error' : 'any', bytes: b.subarray(0, at) };
    }
    case 'bitflip-header':
    case 'bitflip-data': {
      const flips = 1 + int(rng, 4);
      const where: number[] = [];
      for (let i = 0; i < flips; i++) {
        const at = family === 'bitflip-header' ? int(rng, header) : header + int(rng, Math.max(1, b.length - header));
        if (at >= b.length) continue;
        b[at] = b[at]! ^ (1 << int(rng, 8));
        where.push(at);
      }
      return { id: `${family}/${name}@${where.join(',')}`, family, format, expect: 'any', bytes: b };
    }
    case 'overwrite': {
      const length = 1 + int(rng, 64);
      const at = int(rng, Math.max(1, b.length - length));
      b.set(randomBytes(rng, Math.min(length, b.length - at)), at);
      return { id: `overwrite/${name}@${at}+${length}`, family, format, expect: 'any', bytes: b };
    }
    case 'lying-dims': {
      const choices: Array<[number, number, string]> = [
        [100_000, 100_000, 'huge'],
        [30_000, 30_000, '30000'],
        [0, 17, 'zero-width'],
        [17, 0, 'zero-height'],
        [1, 1, '1x1'],
        [452, 300, 'off-by-one'],
        [902, 600, 'double'],
        [226, 150, 'half'],
      ];
      const [width, height, label] = pick(rng, choices);
      const keepCrc = format === 'png' && rng.next() < 0.25;
      const stated = writeDimensions(format, b, width, height, keepCrc);
      // Over the pixel limit: refused from the header (413); an empty size: refused; otherwise the decoder decides.
      // A HEIC grid whose ispe no longer matches its (unchanged) grid description is malformed: 400 or 413.
      const expect: Expectation = !stated
        ? 'any'
        : stated[0] * stated[1] > maxPixels
          ? format === 'heic'
            ? 'client-error'
            : 'too-large'
          : stated[0] === 0 || stated[1] === 0
            ? 'client-error'
            : 'any';
      return { id: `lying-dims/${name}/${label}${keepCrc ? '-stale-crc' : ''}`, family, format, expect, bytes: b };
    }
    default:
      throw new Error(`not a mutation family: ${family}`);
  }
}

/** Families drawn for the cases after the fixed ones, with their weights. */
const DRAWN: ReadonlyArray<readonly [Family, number]> = [
  ['truncate', 28],
  ['bitflip-header', 20],
  ['bitflip-data', 18],
  ['overwrite', 10],
  ['lying-dims', 14],
  ['magic-random', 6],
  ['random', 4],
];
const DRAWN_TOTAL = DRAWN.reduce((n, [, w]) => n + w, 0);

function drawFamily(rng: Prng): Family {
  let x = rng.next() * DRAWN_TOTAL;
  for (const [family, weight] of DRAWN) {
    if ((x -= weight) < 0) return family;
  }
  return 'truncate';
}

/** Most cases go as a raw body; some as octet-stream, JSON base64, multipart, or an item upload (the write path). */
function drawTransport(rng: Prng): Transport {
  const x = rng.next();
  if (x < 0.7) return 'raw';
  if (x < 0.8) return 'octet-stream';
  if (x < 0.88) return 'json';
  if (x < 0.95) return 'multipart';
  return 'put-item';
}

/** The corpus, lazily: the originals (each must embed), the bombs and empties, then seeded mutations. */
export async function* generateCorpus(fixtures: FixtureSource, options: CorpusOptions): AsyncGenerator<FuzzCase> {
  const rng = mulberry32(options.seed ?? 20261128);
  const cache = new Map<string, Uint8Array>();
  const load = (name: string) => {
    let bytes = cache.get(name);
    if (!bytes) cache.set(name, (bytes = fixtures(name)));
    return bytes;
  };
  let index = 0;
  const emit = (draft: Draft): FuzzCase => ({ transport: draft.transport ?? drawTransport(rng), ...draft, index: index++ });

  const fixed: Draft[] = [
    ...ALL_SEEDS.map(
      ([format, name]): Draft => ({
        id: `original/${name}`,
        family: 'original',
        format,
        expect: 'ok',
        bytes: load(name),
        transport: 'raw',
      }),
    ),
    ...(await bombs(load, options.maxPixels)),
  ];
  for (const draft of fixed) {
    if (index >= options.cases) return;
    yield emit(draft);
  }
  while (index < options.cases) {
    const family = drawFamily(rng);
    if (family === 'random') {
      const length = 1 + int(rng, 4096);
      // Random bytes; the first byte is kept off every format's magic so the answer is a sure 415.
      const bytes = randomBytes(rng, length);
      bytes[0] = 0x00;
      yield emit({ id: `random/${length}`, family, format: 'none', expect: 'client-error', bytes });
      continue;
    }
    if (family === 'magic-random') {
      const format = pick(rng, FORMATS);
      const length = int(rng, 4096);
      yield emit({
        id: `magic-random/${format}/${length}`,
        family,
        format,
        expect: 'any',
        bytes: concat(MAGIC[format], randomBytes(rng, length)),
      });
      continue;
    }
    const [format, name] = pick(rng, ALL_SEEDS);
    yield emit(mutate(rng, family, format, name, load(name), options.maxPixels));
  }
}

// ---- sending a case and judging the answer ----------------------------------------------------------------

/** The HTTP request for a case (path relative to the deployment), with `authorization` if given. */
export function caseRequest(base: string, c: FuzzCase, authorization?: string): Request {
  const headers = new Headers(authorization ? { authorization } : {});
  const type = c.format === 'none' ? 'image/png' : CONTENT_TYPES[c.format];
  const body = c.bytes.slice();
  switch (c.transport) {
    case 'raw':
      headers.set('content-type', type);
      return new Request(`${base}/v1/embed`, { method: 'POST', headers, body });
    case 'octet-stream':
      headers.set('content-type', 'application/octet-stream');
      return new Request(`${base}/v1/embed`, { method: 'POST', headers, body });
    case 'json':
      headers.set('content-type', 'application/json');
      return new Request(`${base}/v1/embed`, { method: 'POST', headers, body: JSON.stringify({ image: encodeBase64(c.bytes) }) });
    case 'multipart': {
      const form = new FormData();
      form.append('image', new Blob([body], { type }), `case-${c.index}`);
      return new Request(`${base}/v1/embed`, { method: 'POST', headers, body: form });
    }
    case 'put-item':
      headers.set('content-type', type);
      return new Request(`${base}/v1/items/fuzz-${c.index}?namespace=fuzz`, { method: 'PUT', headers, body });
  }
}

export interface Verdict {
  readonly ok: boolean;
  readonly reason?: string;
}

/** Judges an answer: never a 5xx; a 4xx is problem+json; a 200 holds finite numbers; and the case's own expectation. */
export async function judge(c: FuzzCase, response: Response): Promise<Verdict> {
  const { status } = response;
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text();
  const fail = (reason: string): Verdict => ({ ok: false, reason: `${reason} (status ${status}: ${text.slice(0, 200)})` });
  if (status >= 500) return fail('server error');
  if (status >= 400) {
    if (type !== 'application/problem+json') return fail(`a ${status} without problem+json`);
    let problem: { status?: number; type?: string; detail?: string };
    try {
      problem = JSON.parse(text) as typeof problem;
    } catch {
      return fail('an unparseable problem document');
    }
    if (problem.status !== status || !problem.type || !problem.detail) return fail('an incomplete problem document');
    if (/\bat .*\.(ts|js):\d+/.test(text)) return fail('a stack trace in the answer');
    if (c.expect === 'ok') return fail('a valid image refused');
    if (c.expect === 'too-large' && status !== 413) return fail('an oversized header not refused with 413');
    return { ok: true };
  }
  if (status !== 200) return fail('an unexpected status');
  if (c.expect === 'too-large' || c.expect === 'client-error') return fail('accepted, but must be refused');
  let body: { vector?: unknown; id?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return fail('an unparseable 200');
  }
  if (c.transport === 'put-item') return body.id === `fuzz-${c.index}` ? { ok: true } : fail('an item answer without its id');
  if (!Array.isArray(body.vector) || body.vector.length === 0 || !body.vector.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    return fail('a 200 without a finite vector');
  }
  return { ok: true };
}

/** Counts answers by status, family and expectation for the report. */
export class FuzzReport {
  readonly statuses = new Map<number, number>();
  readonly families = new Map<string, Map<number, number>>();
  readonly failures: string[] = [];
  cases = 0;
  slowest = { ms: 0, id: '' };

  add(c: FuzzCase, status: number, verdict: Verdict, ms: number): void {
    this.cases++;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    const family = this.families.get(c.family) ?? new Map<number, number>();
    family.set(status, (family.get(status) ?? 0) + 1);
    this.families.set(c.family, family);
    if (!verdict.ok) this.failures.push(`#${c.index} ${c.id} [${c.transport}]: ${verdict.reason}`);
    if (ms > this.slowest.ms) this.slowest = { ms, id: c.id };
  }

  histogram(): string {
    return [...this.statuses]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ');
  }

  table(): string {
    const statuses = [...this.statuses.keys()].sort((a, b) => a - b);
    const rows = [...this.families].map(([family, counts]) => `| ${family} | ${statuses.map((s) => counts.get(s) ?? 0).join(' | ')} |`);
    return [`| family | ${statuses.join(' | ')} |`, `|---|${statuses.map(() => '---').join('|')}|`, ...rows].join('\n');
  }
}
