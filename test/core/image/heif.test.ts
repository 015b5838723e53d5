import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { AVIF_MAX_PIXELS, HEIC_MAX_PIXELS, openHeifRows } from '../../../src/core/image/heif.ts';
import { decodeImage, ImageError, initCodecs, probeImage, resizeRgb, sniffFormat } from '../../../src/core/image/index.ts';
import { readHeifHeader } from '../../../src/core/image/isobmff.ts';
import { readAllRows } from '../../../src/core/image/rows.ts';
import { nodeCodecModules } from './codec-modules.ts';
import { absDiff } from './fixtures.ts';

const DIR = new URL('../../fixtures/heif/', import.meta.url);

interface RefSize {
  readonly width: number;
  readonly height: number;
}
interface Manifest {
  readonly fixtures: Record<string, { readonly stored: RefSize; readonly display?: RefSize }>;
}

const manifest = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as Manifest;
const file = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));
const base = (name: string) => name.replace(/\.(avif|heic)$/, '');

/**
 * Measured against the references (avifdec --depth 8 = libavif 0.11.1 + dav1d 1.0; heif-convert = libheif
 * 1.15.1 + libde265 1.0.11) with the decoders served here (libavif 1.0.1 + aom 3.7; libheif 1.23.2 + libde265
 * 1.0.15): AVIF max 2, mean <= 0.33 (10- and 12-bit: 0); HEIC max 6, mean <= 0.80 (10-bit). The displayed
 * AVIF reference comes from heif-convert (libheif's own YUV->RGB, not libavif's): max 18, mean 0.67 there.
 */
const TOLERANCE = {
  avif: { max: 3, mean: 0.5 },
  heic: { max: 8, mean: 1.0 },
  avifDisplay: { max: 24, mean: 1.0 },
} as const;

const fixtures = Object.keys(manifest.fixtures);

beforeAll(() => initCodecs(nodeCodecModules()));

async function expectImageError(promise: Promise<unknown>, codes: readonly string[]): Promise<ImageError> {
  const error = await promise.then(
    () => expect.fail('expected an ImageError'),
    (e: unknown) => e,
  );
  if (!(error instanceof ImageError)) throw error;
  expect(codes).toContain(error.code);
  return error;
}

/** The file with the `nth` `ispe` box's width and height replaced (a grid's or its tile's in heif-enc's files). */
function withIspe(bytes: Uint8Array, width: number, height: number, nth = 0): Uint8Array {
  const out = bytes.slice();
  let at = Buffer.from(out).indexOf('ispe');
  for (let i = 0; i < nth; i++) at = Buffer.from(out).indexOf('ispe', at + 4);
  const view = new DataView(out.buffer);
  view.setUint32(at + 8, width);
  view.setUint32(at + 12, height);
  return out;
}

describe('AVIF / HEIC fixtures', () => {
  it('holds the variants the brief asks for', () => {
    expect(fixtures).toEqual(
      expect.arrayContaining([
        'avif-8bit-420.avif',
        'avif-10bit-420.avif',
        'avif-12bit-444.avif',
        'avif-8bit-444.avif',
        'avif-alpha.avif',
        'avif-irot1-imir1.avif',
        'avif-sequence.avif',
        'heic-8bit.heic',
        'heic-10bit.heic',
        'heic-alpha.heic',
        'heic-irot3-imir0.heic',
      ]),
    );
  });
});

describe('sniff and probe', () => {
  it.each(fixtures)('%s: format from the ftyp brands, size from ispe', (name) => {
    const bytes = file(name);
    const format = name.endsWith('.avif') ? 'avif' : 'heic';
    expect(sniffFormat(bytes)).toBe(format);
    const info = probeImage(bytes);
    const { width, height } = manifest.fixtures[name]!.stored;
    expect(info).toMatchObject({ format, width, height });
    expect(info.orientation === 1).toBe(!/irot|imir/.test(name));
  });

  it('reads a generic HEIF file (mif1 brands only) by its primary item coding', () => {
    const bytes = file('avif-8bit-420.avif');
    const generic = bytes.slice();
    generic.set(Buffer.from('mif1'), 8); // major brand
    for (let at = 16; at < 32; at += 4) generic.set(Buffer.from('mif1'), at); // compatible brands
    expect(sniffFormat(generic)).toBe('heic'); // HEIF family; the probe decides
    expect(probeImage(generic).format).toBe('avif');
  });

  it('does not take an MP4 (isom brands) for an image', () => {
    const mp4 = new Uint8Array([0, 0, 0, 0x18, ...Buffer.from('ftypisom'), 0, 0, 2, 0, ...Buffer.from('isomiso2')]);
    expect(sniffFormat(mp4)).toBeUndefined();
  });

  it('counts a grid by its tiles: heif-enc codes 121x81 as one 122x82 tile of a grid', () => {
    expect(readHeifHeader(file('heic-8bit.heic'))).toMatchObject({ itemType: 'grid', width: 121, height: 81, decodePixels: 122 * 82 });
    expect(readHeifHeader(file('avif-8bit-420.avif'))).toMatchObject({ itemType: 'av01', decodePixels: 121 * 81 });
  });

  it('refuses a grid whose tile claims a huge size, or whose ispe disagrees with the grid, before decoding', async () => {
    const bytes = file('heic-8bit.heic');
    // heif-enc writes the tile's ispe first, then the grid's.
    await expectImageError(decodeImage(withIspe(bytes, 60000, 60000, 0), { maxPixels: 1e7, orientation: 'apply' }), ['too_many_pixels']);
    await expectImageError(decodeImage(withIspe(bytes, 60000, 60000, 1), { maxPixels: 1e7, orientation: 'apply' }), ['malformed']);
    for (const nth of [0, 1]) {
      const small = withIspe(bytes, 50, 40, nth);
      await expectImageError(decodeImage(small, { maxPixels: 1e7, orientation: 'apply' }), ['malformed']);
    }
  });
});

describe('decoding matches avifdec / heif-convert', () => {
  it.each(fixtures)('%s, as stored (orientation=ignore)', async (name) => {
    const img = await decodeImage(file(name), { maxPixels: 10_000_000, orientation: 'ignore' });
    const ref = manifest.fixtures[name]!.stored;
    expect([img.width, img.height]).toEqual([ref.width, ref.height]);
    expect(img.data.length).toBe(ref.width * ref.height * 3); // alpha dropped
    const diff = absDiff(img.data, file(`${base(name)}.rgb`));
    const tolerance = name.endsWith('.avif') ? TOLERANCE.avif : TOLERANCE.heic;
    expect(diff.max).toBeLessThanOrEqual(tolerance.max);
    expect(diff.mean).toBeLessThanOrEqual(tolerance.mean);
  });

  it.each(fixtures.filter((name) => manifest.fixtures[name]!.display))('%s, displayed (orientation=apply)', async (name) => {
    const img = await decodeImage(file(name), { maxPixels: 10_000_000, orientation: 'apply' });
    const ref = manifest.fixtures[name]!.display!;
    expect([img.width, img.height]).toEqual([ref.width, ref.height]);
    const diff = absDiff(img.data, file(`${base(name)}.display.rgb`));
    const tolerance = name.endsWith('.avif') ? TOLERANCE.avifDisplay : TOLERANCE.heic;
    expect(diff.max).toBeLessThanOrEqual(tolerance.max);
    expect(diff.mean).toBeLessThanOrEqual(tolerance.mean);
    // ... and far from the stored pixels turned any other way (a wrong irot/imir reading would show here).
    const stored = await decodeImage(file(name), { maxPixels: 10_000_000, orientation: 'ignore' });
    expect(stored.width).toBe(ref.height);
  });

  it('orientation=apply changes nothing without irot/imir', async () => {
    const bytes = file('heic-8bit.heic');
    const applied = await decodeImage(bytes, { maxPixels: 10_000_000, orientation: 'apply' });
    const ignored = await decodeImage(bytes, { maxPixels: 10_000_000, orientation: 'ignore' });
    expect(applied).toEqual(ignored);
  });

  it.each(['avif-8bit-420', 'heic-8bit'])('%s: the 224x224 NEAREST array is within tolerance of PIL’s', async (name) => {
    const ext = name.startsWith('avif') ? 'avif' : 'heic';
    const img = await decodeImage(file(`${name}.${ext}`), { maxPixels: 10_000_000, orientation: 'ignore' });
    const small = resizeRgb(img, 224, 224, 'nearest');
    const diff = absDiff(small.data, new Uint8Array(gunzipSync(file(`${name}.224.rgb.gz`))));
    expect(diff.max).toBeLessThanOrEqual(TOLERANCE[ext].max);
    expect(diff.mean).toBeLessThanOrEqual(TOLERANCE[ext].mean);
  });

  it('serves the stored rows through a RowSource', async () => {
    const info = probeImage(file('avif-8bit-444.avif'));
    const rows = readAllRows(await openHeifRows('avif', file('avif-8bit-444.avif'), info.width, info.height));
    const whole = await decodeImage(file('avif-8bit-444.avif'), { maxPixels: 10_000_000, orientation: 'ignore' });
    expect(rows).toEqual(whole);
  });
});

describe('limits, checked from the header before decoding', () => {
  it('refuses more than maxPixels', async () => {
    await expectImageError(decodeImage(file('heic-8bit.heic'), { maxPixels: 121 * 81 - 1, orientation: 'apply' }), ['too_many_pixels']);
  });

  it.each([
    ['avif-8bit-420.avif', AVIF_MAX_PIXELS],
    ['heic-8bit.heic', HEIC_MAX_PIXELS],
  ] as const)('%s: refuses a header over the per-format limit (%i pixels) though under maxPixels', async (name, limit) => {
    const width = 4000;
    const height = Math.ceil((limit + 1) / width);
    const error = await expectImageError(decodeImage(withIspe(file(name), width, height), { maxPixels: 1e9, orientation: 'apply' }), [
      'too_many_pixels',
    ]);
    expect(error.message).toContain(String(limit));
  });

  it('refuses a huge ispe (4 billion squared) as too many pixels', async () => {
    for (const name of ['avif-8bit-420.avif', 'heic-8bit.heic']) {
      await expectImageError(decodeImage(withIspe(file(name), 0xffffffff, 0xffffffff), { maxPixels: 1e8, orientation: 'apply' }), [
        'too_many_pixels',
      ]);
    }
  });

  it('refuses an ispe that disagrees with the coded image, after decoding, as malformed', async () => {
    for (const name of ['avif-8bit-420.avif', 'heic-8bit.heic']) {
      await expectImageError(decodeImage(withIspe(file(name), 120, 80), { maxPixels: 1e8, orientation: 'apply' }), ['malformed']);
    }
  });
});

describe('a coded image far larger than its header', () => {
  it('AVIF: the decoder hits its memory cap and the file is refused (413), instead of a 4.3 MP decode', async () => {
    const bytes = file('gradient-4mp.avif');
    expect(probeImage(bytes)).toMatchObject({ width: 2400, height: 1800 });
    await expect(decodeImage(bytes, { maxPixels: 1e7, orientation: 'apply' })).rejects.toMatchObject({ code: 'too_many_pixels' });
    const lie = withIspe(bytes, 120, 90);
    const error = await expectImageError(decodeImage(lie, { maxPixels: 1e7, orientation: 'apply' }), ['too_many_pixels']);
    // Without the cap the decoder would finish and the size check would say "decodes to 2400x1800" (malformed).
    expect(error.message).toMatch(/needs more than the decoder's 64 MiB/);
  });

  it('HEIC: libheif refuses it from the coded size (its security limit is HEIC_MAX_PIXELS) or it fails the size check', async () => {
    const bytes = file('gradient-4mp.heic');
    const lie = withIspe(bytes, 120, 90);
    await expectImageError(decodeImage(lie, { maxPixels: 1e7, orientation: 'apply' }), ['malformed', 'too_many_pixels']);
  });
});

describe('malformed files become ImageError, never a crash or a hang', () => {
  const codes = ['malformed', 'unsupported_format', 'too_many_pixels'] as const;

  it.each(['avif-8bit-420.avif', 'avif-sequence.avif', 'heic-8bit.heic', 'heic-10bit.heic'])('%s truncated at 40 offsets', async (name) => {
    const bytes = file(name);
    for (let i = 1; i <= 40; i++) {
      const cut = Math.floor((bytes.length * i) / 41);
      await expectImageError(decodeImage(bytes.subarray(0, cut), { maxPixels: 1e7, orientation: 'apply' }), codes);
    }
  });

  it.each(['avif-8bit-420.avif', 'heic-8bit.heic'])('%s: boxes that lie about their size', async (name) => {
    const bytes = file(name);
    const meta = Buffer.from(bytes).indexOf('meta') - 4;
    for (const size of [0xffffffff, 7, 9, bytes.length]) {
      const lie = bytes.slice();
      new DataView(lie.buffer).setUint32(meta, size);
      await expectImageError(decodeImage(lie, { maxPixels: 1e7, orientation: 'apply' }), codes);
    }
    // 64-bit size of 2^60
    const large = bytes.slice();
    new DataView(large.buffer).setUint32(meta, 1);
    await expectImageError(decodeImage(large, { maxPixels: 1e7, orientation: 'apply' }), codes);
  });

  it.each(['avif-8bit-420.avif', 'heic-8bit.heic'])('%s: garbage after ftyp', async (name) => {
    const bytes = file(name);
    const ftypEnd = new DataView(bytes.buffer).getUint32(0);
    let seed = 7;
    for (let round = 0; round < 10; round++) {
      const junk = bytes.slice();
      for (let i = ftypEnd; i < junk.length; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        junk[i] = seed >>> 24;
      }
      await expectImageError(decodeImage(junk, { maxPixels: 1e7, orientation: 'apply' }), codes);
    }
  });

  it('corrupt coded data (bytes flipped past the header) is refused or decodes, never throws anything else', async () => {
    for (const name of ['avif-8bit-420.avif', 'heic-8bit.heic']) {
      const bytes = file(name);
      for (let i = 0; i < 20; i++) {
        const flipped = bytes.slice();
        const at = bytes.length - 1 - i * 37;
        flipped[at] = flipped[at]! ^ 0x5a;
        await decodeImage(flipped, { maxPixels: 1e7, orientation: 'apply' }).catch((e: unknown) => {
          if (!(e instanceof ImageError)) throw e;
        });
      }
      // The decoder is still usable afterwards.
      const img = await decodeImage(bytes, { maxPixels: 1e7, orientation: 'ignore' });
      expect(img.width).toBe(121);
    }
  });
});
