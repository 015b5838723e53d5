import { readFileSync } from 'node:fs';
import { zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodeImage, ImageError } from '../../../src/core/image/index.ts';
import { openPngRows, pngRowStats } from '../../../src/core/image/png/index.ts';
import { readAllRows } from '../../../src/core/image/rows.ts';
import { concat, PNG_SIGNATURE, pngChunk, pngHeader } from './builders.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/png/${name}`, import.meta.url)));
const IEND = pngChunk('IEND', new Uint8Array());

/** A grey 8-bit PNG of `width` x `height` from its inflated (filtered) image data. */
function greyPng(width: number, height: number, idat: Uint8Array, extra: Uint8Array[] = []): Uint8Array {
  return concat(pngHeader(width, height, 8, 0), ...extra, pngChunk('IDAT', idat), IEND);
}

/** Filtered rows (filter byte 0) of a grey image whose pixel (x, y) is (x + 3y) & 255. */
function greyRows(width: number, height: number): Uint8Array {
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = (x + 3 * y) & 255;
  return raw;
}

/** The error `work` throws (it must throw). */
function thrown(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

function expectMalformed(bytes: Uint8Array, message: RegExp): void {
  const error = thrown(() => readAllRows(openPngRows(bytes)));
  expect(error).toBeInstanceOf(ImageError);
  expect((error as ImageError).code).toBe('malformed');
  expect((error as ImageError).message).toMatch(message);
}

function flip(bytes: Uint8Array, at: number, mask: number): void {
  bytes[at] = bytes[at]! ^ mask;
}

/** Offset of the first chunk of `type` in a PNG. */
function chunkAt(bytes: Uint8Array, type: string): number {
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(at);
    if (new TextDecoder().decode(bytes.subarray(at + 4, at + 8)) === type) return at;
    at += 12 + length;
  }
  throw new Error(`no ${type} chunk`);
}

describe('malformed PNGs are ImageError("malformed") with a clear message', () => {
  it('a sound image decodes (the builders below only break what each case names)', () => {
    const img = readAllRows(openPngRows(greyPng(37, 23, zlibSync(greyRows(37, 23)))));
    expect([img.width, img.height, img.data[3 * (5 + 37 * 2)]]).toEqual([37, 23, 11]);
  });

  it('bad signature, IHDR not first, bad IHDR fields', () => {
    const good = greyPng(4, 4, zlibSync(greyRows(4, 4)));
    const noSig = good.slice();
    noSig[1] = 0x51;
    expectMalformed(noSig, /signature/);
    expectMalformed(concat(PNG_SIGNATURE, pngChunk('tEXt', new Uint8Array([65, 0, 66])), good.subarray(8)), /first chunk is not IHDR/);
    expectMalformed(concat(pngHeader(4, 4, 4, 2), pngChunk('IDAT', zlibSync(greyRows(4, 4))), IEND), /colour type 2 with bit depth 4/);
    expectMalformed(concat(pngHeader(0, 4, 8, 0), pngChunk('IDAT', zlibSync(greyRows(4, 4))), IEND), /invalid size 0x4/);
    expectMalformed(concat(pngHeader(2 ** 31, 1, 8, 0), pngChunk('IDAT', zlibSync(greyRows(4, 4))), IEND), /invalid size/);
  });

  it('bad CRC in a chunk before the image data (critical or not), as PIL checks them', () => {
    const good = fixture('pal8-37x23.png');
    for (const type of ['IHDR', 'PLTE']) {
      const bad = good.slice();
      const at = chunkAt(bad, type);
      flip(bad, at + 8, 1); // first data byte: the stored CRC no longer matches
      expectMalformed(bad, new RegExp(`bad CRC in ${type}`));
    }
    const text = pngChunk('tEXt', new Uint8Array([65, 0, 66]));
    flip(text, text.length - 1, 0xff);
    expectMalformed(greyPng(4, 4, zlibSync(greyRows(4, 4)), [text]), /bad CRC in tEXt/);
  });

  it('IDAT CRCs are not checked, as PIL 9.4 does not read them', () => {
    const bytes = greyPng(4, 4, zlibSync(greyRows(4, 4)));
    const at = chunkAt(bytes, 'IDAT');
    const length = new DataView(bytes.buffer).getUint32(at);
    flip(bytes, at + 8 + length, 0xff);
    expect(readAllRows(openPngRows(bytes)).data[3 * 5]).toBe(4); // pixel (1, 1)
  });

  it('palette image without PLTE; PLTE not a multiple of 3', () => {
    const rows = zlibSync(new Uint8Array([0, 0, 1]));
    expectMalformed(concat(pngHeader(2, 1, 8, 3), pngChunk('IDAT', rows), IEND), /without PLTE/);
    expectMalformed(concat(pngHeader(2, 1, 8, 3), pngChunk('PLTE', new Uint8Array(4)), pngChunk('IDAT', rows), IEND), /PLTE of 4 bytes/);
  });

  it('palette indices past the PLTE read PIL grey (i, i, i), as PIL 9.4 gives them', () => {
    const plte = pngChunk('PLTE', new Uint8Array([10, 20, 30, 40, 50, 60]));
    const bytes = concat(pngHeader(4, 1, 8, 3), plte, pngChunk('IDAT', zlibSync(new Uint8Array([0, 0, 1, 2, 200]))), IEND);
    expect(Array.from(readAllRows(openPngRows(bytes)).data)).toEqual([10, 20, 30, 40, 50, 60, 2, 2, 2, 200, 200, 200]);
  });

  it('truncated inside a row', () => {
    const bytes = fixture('rgb8-37x23.png');
    const at = chunkAt(bytes, 'IEND');
    for (const cut of [at - 200, at - 40]) expectMalformed(bytes.subarray(0, cut), /image data ends after \d+ of 2576 bytes/);
  });

  it('IDAT too short: a complete zlib stream with fewer rows than the header gives (PIL would pad with black)', () => {
    expectMalformed(greyPng(8, 8, zlibSync(greyRows(8, 7))), /the zlib stream ends after 63 of 72 bytes/);
  });

  it('junk after a short zlib stream is refused without being inflated (fflate never sees it)', () => {
    const junk = new Uint8Array(8_000_000).map((_, i) => (i * 2654435761) >>> 24);
    const source = openPngRows(greyPng(1000, 1000, concat(zlibSync(greyRows(1000, 3)), junk)));
    const row = new Uint8Array(3000);
    const error = thrown(() => {
      for (let y = 0; y < 1000; y++) source.readRow(row);
    });
    expect((error as ImageError).message).toMatch(/the zlib stream ends after 3003 of 1001000 bytes/);
    expect(pngRowStats(source)!.inflate.pushes).toBeLessThan(10);
  });

  it('data after the end of a complete zlib stream is ignored, as PIL ignores it', () => {
    const stream = zlibSync(greyRows(1000, 1000));
    const plain = openPngRows(greyPng(1000, 1000, stream));
    readAllRows(plain);
    const source = openPngRows(greyPng(1000, 1000, concat(stream, new Uint8Array(8_000_000).fill(0xa5))));
    const img = readAllRows(source);
    expect(img.data[3 * (1000 * 999 + 998)]).toBe((998 + 3 * 999) & 255);
    // Not one push more than without the junk: it was never handed to fflate.
    expect(pngRowStats(source)!.inflate.pushes).toBe(pngRowStats(plain)!.inflate.pushes);
  });

  it('IDAT too long: a zlib stream with more rows than the header gives (PIL would ignore them)', () => {
    expectMalformed(greyPng(8, 8, zlibSync(greyRows(8, 9))), /inflates past the 72 bytes/);
  });

  it('a zlib stream error, an unknown filter type, a bad zlib header', () => {
    // A final block of type 3, which DEFLATE does not have.
    expectMalformed(greyPng(16, 16, new Uint8Array([0x78, 0x9c, 0x07, 0, 0, 0, 0])), /corrupt zlib data \(invalid block type\)/);
    const rows = greyRows(4, 4);
    rows[5] = 7;
    expectMalformed(greyPng(4, 4, zlibSync(rows)), /unknown row filter type 7/);
    expectMalformed(greyPng(4, 4, new Uint8Array([0x79, 0x9c, 0, 0])), /invalid zlib header/);
  });

  it('a zlib bomb is refused right after the push that passes the image size, having inflated little', () => {
    // 1000x1000 claimed (1,001,000 bytes of rows), 50 MB of zeros sent in ~50 KB.
    const bomb = zlibSync(new Uint8Array(50_000_000), { level: 9 });
    const source = openPngRows(greyPng(1000, 1000, bomb));
    const row = new Uint8Array(3000);
    const error = thrown(() => {
      for (let y = 0; y < 1000; y++) source.readRow(row);
      source.finish();
    });
    expect((error as ImageError).code).toBe('malformed');
    expect((error as ImageError).message).toMatch(/inflates past the 1001000 bytes/);
    const { inflate } = pngRowStats(source)!;
    // Slices stay small once the ratio is known, so what one push made stays near a few rows.
    expect(inflate.peakPendingBytes).toBeLessThan(100_000);
    expect(inflate.pushes).toBeLessThan(200);
  });

  it('a huge lying IHDR is refused by the pixel limit before any inflating', async () => {
    const bytes = greyPng(30000, 30000, zlibSync(greyRows(8, 8)));
    const error = await decodeImage(bytes, { maxPixels: 50_000_000, orientation: 'ignore' }).catch((e: unknown) => e);
    expect((error as ImageError).code).toBe('too_many_pixels');
  });

  it('APNG: the default image (IDAT) is decoded, frames after it are ignored', () => {
    const width = 4;
    const actl = pngChunk('acTL', new Uint8Array([0, 0, 0, 2, 0, 0, 0, 0]));
    const fctl = (seq: number) => pngChunk('fcTL', concat(new Uint8Array([0, 0, 0, seq, 0, 0, 0, width, 0, 0, 0, 1]), new Uint8Array(14)));
    const frame2 = zlibSync(new Uint8Array([0, 99, 99, 99, 99]));
    const bytes = concat(
      pngHeader(width, 1, 8, 0),
      actl,
      fctl(0),
      pngChunk('IDAT', zlibSync(new Uint8Array([0, 1, 2, 3, 4]))),
      fctl(1),
      pngChunk('fdAT', concat(new Uint8Array([0, 0, 0, 2]), frame2)),
      IEND,
    );
    expect(Array.from(readAllRows(openPngRows(bytes)).data.filter((_, i) => i % 3 === 0))).toEqual([1, 2, 3, 4]);
  });
});
