import { beforeAll, describe, expect, it } from 'vitest';
import {
  applyOrientation,
  decodeImage,
  ImageError,
  initCodecs,
  resizeRgb,
  type DecodeOptions,
  type RgbImage,
} from '../../../src/core/image/index.ts';
import { buildPng, concat, pngChunk, pngHeader } from './builders.ts';
import { nodeCodecModules } from './codec-modules.ts';
import { absDiff, fixtureBytes, referenceManifest, referenceRgb } from './fixtures.ts';
import { errorOf } from './error-of.ts';

const OPTIONS: DecodeOptions = { maxPixels: 50_000_000, orientation: 'ignore' };

beforeAll(() => initCodecs(nodeCodecModules()));

async function codeOf(bytes: Uint8Array, options: DecodeOptions = OPTIONS): Promise<string> {
  const error = await errorOf(decodeImage(bytes, options));
  if (error === undefined) return 'decoded';
  return error instanceof ImageError ? error.code : `not an ImageError: ${String(error)}`;
}

/** Deterministic pseudo-random bytes (xorshift32). */
function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}

describe('pixel limit', () => {
  it('refuses a PNG whose header claims 30000x30000 before decoding its (tiny) body', async () => {
    const bomb = concat(
      pngHeader(30000, 30000, 8, 2),
      pngChunk('IDAT', new Uint8Array([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
      pngChunk('IEND', new Uint8Array()),
    );
    expect(bomb.length).toBeLessThan(100);
    const started = performance.now();
    const error = await errorOf(decodeImage(bomb, { maxPixels: 25_000_000, orientation: 'ignore' }));
    expect(performance.now() - started).toBeLessThan(200);
    expect(error).toBeInstanceOf(ImageError);
    // Had it been decoded, the empty body would have made it 'malformed'.
    expect((error as ImageError).code).toBe('too_many_pixels');
    expect((error as ImageError).message).toContain('30000x30000');
  });

  it('is inclusive: exactly maxPixels decodes, one less is refused', async () => {
    const bytes = fixtureBytes('chelsea.png');
    await expect(decodeImage(bytes, { maxPixels: 451 * 300, orientation: 'ignore' })).resolves.toMatchObject({
      width: 451,
      height: 300,
    });
    expect(await codeOf(bytes, { maxPixels: 451 * 300 - 1, orientation: 'ignore' })).toBe('too_many_pixels');
    expect(await codeOf(fixtureBytes('hubble-3000.jpg'), { maxPixels: 4_000_000, orientation: 'ignore' })).toBe('too_many_pixels');
  });

  it('rejects nonsense options', async () => {
    await expect(decodeImage(fixtureBytes('chelsea.png'), { maxPixels: 0, orientation: 'ignore' })).rejects.toThrow(RangeError);
  });
});

describe('errors are ImageErrors, and come quickly', () => {
  const TRUNCATABLE = [
    'chelsea.png',
    'chelsea-q90.jpg',
    'chelsea-progressive.jpg',
    'chelsea.webp',
    'chelsea-lossless.webp',
    'chelsea.gif',
    'chelsea.bmp',
    'chelsea-gray16.png',
  ];
  for (const name of TRUNCATABLE) {
    it(`${name} truncated at several offsets is malformed`, async () => {
      const bytes = fixtureBytes(name);
      const cuts = [30, 100, 0.25, 0.5, 0.75].map((f) => (f < 1 ? Math.floor(bytes.length * f) : f));
      // A PNG cut inside its last IDAT's CRC still holds every row: PIL decodes it (tested below).
      if (!name.endsWith('.png')) cuts.push(bytes.length - 16);
      for (const cut of cuts) {
        const started = performance.now();
        expect([cut, await codeOf(bytes.subarray(0, cut))]).toEqual([cut, 'malformed']);
        expect(performance.now() - started).toBeLessThan(1000);
      }
    });
  }

  it('a PNG whose last IDAT CRC and IEND are cut off still decodes, as PIL 9.4 decodes it', async () => {
    const bytes = fixtureBytes('chelsea.png');
    const whole = await decodeImage(bytes, OPTIONS);
    const cut = await decodeImage(bytes.subarray(0, bytes.length - 16), OPTIONS);
    expect(Buffer.from(cut.data).equals(Buffer.from(whole.data))).toBe(true);
  });

  it('random bytes behind a valid magic are malformed', async () => {
    const text = new TextEncoder();
    const magics = [
      new Uint8Array([0xff, 0xd8, 0xff]),
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      // Real WebP headers (451x300), so that the noise is in the frame data, not in the size.
      fixtureBytes('chelsea.webp').subarray(0, 30),
      fixtureBytes('chelsea-lossless.webp').subarray(0, 25),
      concat(text.encode('GIF89a'), new Uint8Array([32, 0, 32, 0])), // a 32x32 screen, then noise
      concat(text.encode('BM'), new Uint8Array(12), new Uint8Array([40, 0, 0, 0, 32, 0, 0, 0, 32, 0, 0, 0, 1, 0])),
    ];
    for (const [m, magic] of magics.entries()) {
      for (let seed = 1; seed <= 5; seed++) {
        const bytes = concat(magic, randomBytes(4000, seed * 7919 + m));
        const started = performance.now();
        expect([m, seed, await codeOf(bytes)]).toEqual([m, seed, 'malformed']);
        expect(performance.now() - started).toBeLessThan(1000);
      }
    }
  });

  it('a text file is unsupported_format', async () => {
    expect(await codeOf(new TextEncoder().encode('This is not an image.\n'.repeat(20)))).toBe('unsupported_format');
    expect(await codeOf(new Uint8Array())).toBe('unsupported_format');
  });

  it('the PNG decoder survives thousands of failures (it keeps no state between images)', async () => {
    const truncated = fixtureBytes('chelsea.png').subarray(0, 1000);
    // The @jsquash/png glue it replaced broke for good after ~745 failures (leaked wasm shadow stack).
    for (let i = 0; i < 1000; i++) expect(await codeOf(truncated)).toBe('malformed');
    const img = await decodeImage(fixtureBytes('chelsea.png'), OPTIONS);
    expect(img.width).toBe(451);
  });

  it('the JPEG decoder survives repeated failures', async () => {
    const truncated = fixtureBytes('chelsea-q90.jpg').subarray(0, 300);
    for (let i = 0; i < 300; i++) expect(await codeOf(truncated)).toBe('malformed');
    const img = await decodeImage(fixtureBytes('chelsea-q90.jpg'), OPTIONS);
    const reference = referenceRgb(referenceManifest()['chelsea-q90.jpg']!);
    expect(absDiff(resizeRgb(img, 224, 224, 'nearest').data, reference).max).toBe(0);
  });

  it('refuses a JPEG with thousands of scans (progressive decompression bomb) before decoding', async () => {
    const q90 = fixtureBytes('chelsea-q90.jpg');
    const sos = q90.findIndex((b, i) => b === 0xff && q90[i + 1] === 0xda);
    // Header up to the first scan, then 400 empty scan headers, then EOI.
    const scanHeader = new Uint8Array([0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00]);
    const bytes = concat(q90.subarray(0, sos), ...Array.from({ length: 400 }, () => scanHeader), new Uint8Array([0xff, 0xd9]));
    const error = await errorOf(decodeImage(bytes, OPTIONS));
    expect(error).toBeInstanceOf(ImageError);
    expect((error as ImageError).message).toMatch(/400 scans/);
  });
});

describe('conversion to RGB follows PIL convert("RGB")', () => {
  it('drops alpha without compositing (RGBA PNG with transparent pixels keeps their colour)', async () => {
    const rgba = await decodeImage(fixtureBytes('chelsea-rgba.png'), OPTIONS);
    const rgb = await decodeImage(fixtureBytes('chelsea.png'), OPTIONS);
    expect(absDiff(rgba.data, rgb.data).max).toBe(0);
  });

  it('palette PNG with tRNS: palette colours, transparency ignored', async () => {
    const plte = pngChunk('PLTE', new Uint8Array([10, 20, 30, 40, 50, 60]));
    const trns = pngChunk('tRNS', new Uint8Array([0, 128]));
    const png = await buildPng(2, 1, 8, 3, [new Uint8Array([0, 1])], [plte, trns]);
    const img = await decodeImage(png, OPTIONS);
    expect(Array.from(img.data)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('16-bit RGB keeps the high byte; 16-bit grey is clipped at 255 (PIL reads it as mode I)', async () => {
    const gray = await buildPng(4, 1, 16, 0, [new Uint8Array([0x00, 0x00, 0x00, 0xc8, 0x00, 0xff, 0x12, 0x34])]);
    expect(Array.from((await decodeImage(gray, OPTIONS)).data)).toEqual([0, 0, 0, 200, 200, 200, 255, 255, 255, 255, 255, 255]);
    const rgb = await buildPng(1, 1, 16, 2, [new Uint8Array([0x01, 0x80, 0x7f, 0xff, 0xab, 0x00])]);
    expect(Array.from((await decodeImage(rgb, OPTIONS)).data)).toEqual([0x01, 0x7f, 0xab]);
  });

  it('chelsea-gray16.png is all white, as PIL 9.4 gives it (its samples are 514..55255, clipped at 255)', async () => {
    const gray = await decodeImage(fixtureBytes('chelsea-gray16.png'), OPTIONS);
    expect([gray.width, gray.height]).toEqual([451, 300]);
    expect(gray.data.every((v) => v === 255)).toBe(true);
  });

  it('grey JPEG and grey PNG are replicated to three equal channels', async () => {
    for (const name of ['chelsea-gray.jpg', 'camera.png']) {
      const img = await decodeImage(fixtureBytes(name), OPTIONS);
      for (let i = 0; i < img.data.length; i += 3 * 97) {
        expect(img.data[i + 1]).toBe(img.data[i]);
        expect(img.data[i + 2]).toBe(img.data[i]);
      }
    }
  });
});

describe('EXIF orientation', () => {
  const chelseaReference = () => referenceRgb(referenceManifest()['chelsea.png']!);
  const small = (img: RgbImage) => resizeRgb(img, 224, 224, 'nearest').data;

  it("'ignore' keeps the stored pixels (as Keras does); the decoder itself never rotates", async () => {
    const img = await decodeImage(fixtureBytes('chelsea-exif6.jpg'), OPTIONS);
    expect([img.width, img.height]).toEqual([300, 451]);
    const reference = referenceRgb(referenceManifest()['chelsea-exif6.jpg']!);
    expect(absDiff(small(img), reference).max).toBe(0);
  });

  it("'apply' turns chelsea-exif6.jpg upright, like chelsea.png", async () => {
    const img = await decodeImage(fixtureBytes('chelsea-exif6.jpg'), { ...OPTIONS, orientation: 'apply' });
    expect([img.width, img.height]).toEqual([451, 300]);
    // Measured: max 28, mean 2.0 (JPEG q90 re-compression of the rotated photo).
    const upright = absDiff(small(img), chelseaReference());
    expect(upright.mean).toBeLessThan(3);
    expect(upright.max).toBeLessThanOrEqual(40);
    // The opposite turn is far off: the comparison can tell orientations apart.
    const stored = await decodeImage(fixtureBytes('chelsea-exif6.jpg'), OPTIONS);
    const wrong = absDiff(small(applyOrientation(stored, 8)), chelseaReference());
    expect(wrong.mean).toBeGreaterThan(15);
  });

  it("'apply' is a no-op without EXIF orientation", async () => {
    const a = await decodeImage(fixtureBytes('chelsea.png'), { ...OPTIONS, orientation: 'apply' });
    const b = await decodeImage(fixtureBytes('chelsea.png'), OPTIONS);
    expect(absDiff(a.data, b.data).max).toBe(0);
  });
});
