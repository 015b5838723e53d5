import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { codecMemoryStats, initCodecs } from '../../../src/core/image/codecs.ts';
import { decodeImage } from '../../../src/core/image/pipeline.ts';
import { MAX_JPEG_COEFFICIENT_BYTES, MAX_JPEG_SCANS, openJpegRows } from '../../../src/core/image/jpeg/rows.ts';
import { resizeRgb } from '../../../src/core/image/resize.ts';
import { readAllRows, type RowSource } from '../../../src/core/image/rows.ts';
import { ImageError, type RgbImage } from '../../../src/core/image/types.ts';
import { nodeCodecModules } from './codec-modules.ts';
import { flatGreyJpeg, layoutBytes, layoutFixtures, sha256Hex } from './jpeg-fixtures.ts';
import { errorOf } from './error-of.ts';

const fixtures = layoutFixtures();
const OPTIONS = { maxPixels: 50_000_000 } as const;

beforeAll(() => initCodecs(nodeCodecModules()));

async function decodeAll(bytes: Uint8Array): Promise<RgbImage> {
  return readAllRows(await openJpegRows(bytes, OPTIONS));
}

/** Source row for each output row of PIL's NEAREST (the same accumulation as resize.ts, written out here). */
function nearestRows(inSize: number, outSize: number): number[] {
  const rows: number[] = [];
  const scale = inSize / outSize;
  let pos = scale * 0.5;
  for (let i = 0; i < outSize; i++, pos += scale) rows.push(Math.min(Math.trunc(pos), inSize - 1));
  return rows;
}

/** Reads only `wanted` (ascending) rows, skipping the others with skipRows; returns them by row number. */
function readSparse(source: RowSource, wanted: readonly number[]): Map<number, Uint8Array> {
  const rows = new Map<number, Uint8Array>();
  let next = 0;
  for (const y of wanted) {
    if (rows.has(y)) continue;
    source.skipRows(y - next);
    const row = new Uint8Array(source.width * 3);
    source.readRow(row);
    rows.set(y, row);
    next = y + 1;
  }
  source.skipRows(source.height - next);
  source.finish();
  return rows;
}

describe('the committed libjpeg-turbo.wasm', () => {
  it('is the file tools/codecs/jpeg/build.sh recorded', () => {
    const wasm = readFileSync(new URL('../../../src/core/image/jpeg/libjpeg-turbo.wasm', import.meta.url));
    const recorded = readFileSync(new URL('../../../tools/codecs/jpeg/libjpeg-turbo.wasm.sha256', import.meta.url), 'utf8');
    expect(recorded.split(/\s+/)[0]).toBe(sha256Hex(wasm));
  });

  it('imports only what the binding supplies', () => {
    const imports = WebAssembly.Module.imports(nodeCodecModules().jpeg).map((i) => `${i.module}.${i.name}`);
    expect(imports.sort()).toEqual(
      [
        'env.error_exit',
        'env.read_input',
        'env.skip_input',
        'env.warning',
        'wasi_snapshot_preview1.fd_close',
        'wasi_snapshot_preview1.fd_seek',
        'wasi_snapshot_preview1.fd_write',
        'wasi_snapshot_preview1.proc_exit',
      ].sort(),
    );
  });
});

describe('every JPEG layout decodes as PIL 9.4 decodes it, bit for bit', () => {
  it('covers the layouts', () => {
    const samplings = new Set(Object.values(fixtures).map((f) => f.sampling.join(',')));
    for (const s of ['1x1,1x1,1x1', '2x1,1x1,1x1', '2x2,1x1,1x1', '1x2,1x1,1x1', '4x1,1x1,1x1', '1x1', '1x1,1x1,1x1,1x1']) {
      expect(samplings).toContain(s);
    }
    expect(Object.values(fixtures).map((f) => f.sof)).toEqual(expect.arrayContaining(['C0', 'C2', 'C9']));
  });

  for (const [name, fixture] of Object.entries(fixtures)) {
    it(`${name} (${fixture.pil_mode} ${fixture.sampling.join(' ')} SOF${fixture.sof}): full RGB and Keras 224`, async () => {
      const img = await decodeAll(layoutBytes(name));
      expect([img.width, img.height]).toEqual(fixture.size);
      expect(sha256Hex(img.data)).toBe(fixture.rgb_sha256);
      expect(sha256Hex(resizeRgb(img, 224, 224, 'nearest').data)).toBe(fixture.keras224_sha256);
    });
  }

  it('decodeImage gives the same pixels (through readAllRows)', async () => {
    const img = await decodeImage(layoutBytes('cmyk.jpg'), { maxPixels: 1_000_000, orientation: 'ignore' });
    expect(sha256Hex(img.data)).toBe(fixtures['cmyk.jpg']!.rgb_sha256);
  });
});

describe('skipRows (jpeg_skip_scanlines)', () => {
  for (const [name, fixture] of Object.entries(fixtures)) {
    it(`${name}: rows read after skips equal the full decode's, and NEAREST-224 from them equals PIL's`, async () => {
      const bytes = layoutBytes(name);
      const full = await decodeAll(bytes);
      const stride = full.width * 3;
      const [width, height] = fixture.size;
      const patterns: number[][] = [
        nearestRows(height, 224),
        nearestRows(height, 17), // long skips, across several iMCU rows
        Array.from({ length: height }, (_, y) => y).filter((y) => y % 3 === 2),
        [0, 1, 7, 8, 15, 16, 17, 31, 33, height - 2, height - 1], // around iMCU boundaries (8 and 16 rows)
        [height - 1],
      ];
      for (const wanted of patterns) {
        const rows = readSparse(await openJpegRows(bytes, OPTIONS), wanted);
        for (const [y, row] of rows) {
          expect(row, `${name} row ${y} of pattern ${wanted.slice(0, 4).join(',')}...`).toEqual(
            full.data.subarray(y * stride, (y + 1) * stride),
          );
        }
      }
      // The Keras array from a skipping decode: NEAREST needs 224 rows of the stored height.
      const ys = nearestRows(height, 224);
      const xs = nearestRows(width, 224);
      const rows = readSparse(await openJpegRows(bytes, OPTIONS), ys);
      const small = new Uint8Array(224 * 224 * 3);
      ys.forEach((y, oy) => {
        const row = rows.get(y)!;
        xs.forEach((x, ox) => small.set(row.subarray(x * 3, x * 3 + 3), (oy * 224 + ox) * 3));
      });
      expect(sha256Hex(small)).toBe(fixture.keras224_sha256);
    });
  }
});

describe('refusals', () => {
  it('a truncated JPEG is malformed (PIL refuses it), wherever it is cut, for every layout', async () => {
    for (const name of Object.keys(fixtures)) {
      const bytes = layoutBytes(name);
      for (const cut of [300, bytes.length >> 1, bytes.length - 2]) {
        const error = await errorOf(decodeAll(bytes.subarray(0, cut)));
        expect(error, `${name} cut at ${cut}`).toBeInstanceOf(ImageError);
        expect((error as ImageError).code).toBe('malformed');
      }
    }
  });

  it('a truncated JPEG is malformed when the rows around the cut are skipped, not read', async () => {
    for (const name of Object.keys(fixtures)) {
      const bytes = layoutBytes(name);
      const [, height] = fixtures[name]!.size;
      for (const cut of [bytes.length >> 1, bytes.length - 2]) {
        const error = await errorOf(openJpegRows(bytes.subarray(0, cut), OPTIONS).then((source) => readSparse(source, [0, height >> 2])));
        expect(error, `${name} cut at ${cut}`).toBeInstanceOf(ImageError);
        expect((error as ImageError).code).toBe('malformed');
      }
    }
  });

  it('corrupt data is malformed, and the next decode still works', async () => {
    const bytes = layoutBytes('420.jpg').slice();
    bytes.fill(0xff, 600, 700); // inside the Huffman tables / scan header
    const error = await errorOf(decodeAll(bytes));
    expect(error).toBeInstanceOf(ImageError);
    expect((error as ImageError).code).toBe('malformed');
    const img = await decodeAll(layoutBytes('420.jpg'));
    expect(sha256Hex(img.data)).toBe(fixtures['420.jpg']!.rgb_sha256);
  });

  it('mutated files of every layout either decode or fail with an ImageError, and decoding stays exact after', async () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const codes = new Map<string, number>();
    for (const name of Object.keys(fixtures)) {
      const original = layoutBytes(name);
      for (let i = 0; i < 20; i++) {
        const bytes = original.slice();
        // A few bytes changed, mostly in the headers (the first 700 bytes) where they change the layout.
        for (let k = 0; k < 1 + Math.floor(random() * 4); k++) {
          const at = random() < 0.7 ? Math.floor(random() * 700) : Math.floor(random() * bytes.length);
          bytes[at] = Math.floor(random() * 256);
        }
        const outcome = await decodeAll(bytes).then(
          () => 'decoded',
          (error: unknown) => {
            if (!(error instanceof ImageError)) throw error;
            return error.code;
          },
        );
        codes.set(outcome, (codes.get(outcome) ?? 0) + 1);
      }
    }
    expect(codes.get('malformed')).toBeGreaterThan(0);
    const img = await decodeAll(layoutBytes('ycck.jpg'));
    expect(sha256Hex(img.data)).toBe(fixtures['ycck.jpg']!.rgb_sha256);
  });

  it('more than MAX_JPEG_SCANS scans is malformed before decoding', async () => {
    const bytes = layoutBytes('progressive-420.jpg');
    const sos = bytes.findIndex((b, i) => b === 0xff && bytes[i + 1] === 0xda);
    // Repeat the first scan until there are too many: a scan bomb.
    const end = bytes.findIndex((b, i) => i > sos && b === 0xff && bytes[i + 1] !== 0 && (bytes[i + 1]! < 0xd0 || bytes[i + 1]! > 0xd7));
    const scan = bytes.subarray(sos, end);
    const bomb = new Uint8Array(sos + scan.length * (MAX_JPEG_SCANS + 1) + 2);
    bomb.set(bytes.subarray(0, sos));
    for (let i = 0; i <= MAX_JPEG_SCANS; i++) bomb.set(scan, sos + i * scan.length);
    bomb.set([0xff, 0xd9], bomb.length - 2);
    const error = await errorOf(openJpegRows(bomb, OPTIONS));
    expect((error as ImageError).code).toBe('malformed');
    expect(String(error)).toMatch(/scans/);
  });

  /** The fixture with its SOF's size replaced (a lying header). */
  function withSize(name: string, width: number, height: number): Uint8Array {
    const bytes = layoutBytes(name).slice();
    const sof = bytes.findIndex((b, i) => b === 0xff && (bytes[i + 1] === 0xc0 || bytes[i + 1] === 0xc2));
    bytes.set([height >> 8, height & 255, width >> 8, width & 255], sof + 5);
    return bytes;
  }

  it('a progressive or multiscan JPEG whose coefficient buffer is over the budget is too_many_pixels, before decoding', async () => {
    const before = codecMemoryStats().liveBytes;
    for (const name of ['progressive-420.jpg', 'multiscan.jpg']) {
      const error = await errorOf(openJpegRows(withSize(name, 6000, 4000), OPTIONS));
      expect(error, name).toBeInstanceOf(ImageError);
      expect((error as ImageError).code).toBe('too_many_pixels');
      expect(String(error)).toMatch(/coefficient buffer/);
    }
    // Nothing was allocated for the 24 MP image: the instance is as small as before.
    expect(codecMemoryStats().liveBytes).toBeLessThanOrEqual(Math.max(before, 2 * 1024 * 1024));
    // Under the budget it is decoded: 2000x2000 4:2:0 needs 12 MiB. Its scans hold the data of a 301x207
    // image, which libjpeg (and so PIL) completes with zeros after a warning.
    const under = await decodeAll(withSize('progressive-420.jpg', 2000, 2000));
    expect([under.width, under.height]).toEqual([2000, 2000]);
    expect(MAX_JPEG_COEFFICIENT_BYTES).toBe(36 * 1024 * 1024);
  });

  it('a JPEG of 2 components is unsupported (PIL: "cannot handle 2-layer images"); 1, 3 and 4 decode', async () => {
    const error = await errorOf(openJpegRows(flatGreyJpeg(40, 30, 2), OPTIONS));
    expect((error as ImageError).code).toBe('unsupported_format');
    for (const components of [1, 3]) {
      const img = await decodeAll(flatGreyJpeg(40, 30, components));
      expect(img.data.every((v) => v === 128)).toBe(true);
    }
    // Flat CMYK 128s: R = K - MULDIV255(255 - C, K) = 128 - 64 = 64 (PIL's "CMYK;I" + cmyk2rgb). PIL 9.4
    // opens these four files as L {128}, UnidentifiedImageError, RGB {128} and CMYK -> RGB {64}.
    const cmyk = await decodeAll(flatGreyJpeg(40, 30, 4));
    expect(cmyk.data.every((v) => v === 64)).toBe(true);
  });

  it('maxPixels is checked from the header', async () => {
    const error = await errorOf(openJpegRows(layoutBytes('444.jpg'), { maxPixels: 1000 }));
    expect((error as ImageError).code).toBe('too_many_pixels');
  });
});

describe('streaming', () => {
  it('two sources open at once on one instance do not disturb each other', async () => {
    const a = await openJpegRows(layoutBytes('420.jpg'), OPTIONS);
    const b = await openJpegRows(layoutBytes('cmyk.jpg'), OPTIONS);
    const imgA = new Uint8Array(a.width * a.height * 3);
    const imgB = new Uint8Array(b.width * b.height * 3);
    for (let y = 0; y < Math.max(a.height, b.height); y++) {
      if (y < a.height) a.readRow(imgA.subarray(y * a.width * 3));
      if (y < b.height) b.readRow(imgB.subarray(y * b.width * 3));
    }
    a.finish();
    b.finish();
    a.close();
    b.close();
    expect(sha256Hex(imgA)).toBe(fixtures['420.jpg']!.rgb_sha256);
    expect(sha256Hex(imgB)).toBe(fixtures['cmyk.jpg']!.rgb_sha256);
  });

  it('reading past the last row, or finishing early, is a RangeError', async () => {
    const source = await openJpegRows(layoutBytes('gray.jpg'), OPTIONS);
    expect(() => source.finish()).toThrow(RangeError);
    source.skipRows(source.height - 1);
    source.readRow(new Uint8Array(source.width * 3));
    expect(() => source.readRow(new Uint8Array(source.width * 3))).toThrow(RangeError);
    source.finish();
    source.close();
  });
});
