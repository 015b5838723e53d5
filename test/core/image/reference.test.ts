import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, ImageError, initCodecs, resizeRgb, type ImageFormat } from '../../../src/core/image/index.ts';
import { nodeCodecModules } from './codec-modules.ts';
import { absDiff, fixtureBytes, referenceManifest, referenceRgb } from './fixtures.ts';

/**
 * Largest difference allowed against the Keras (PIL 9.4 + libjpeg-turbo) arrays after a nearest resize
 * to 224x224. Lossless formats must be identical by definition. For JPEG and lossy WebP, decoders may
 * legitimately differ by a few grey levels, but libjpeg-turbo 2.1.5 (built here, PIL's own library) and libwebp
 * (@jsquash/webp) were measured to reproduce every reference here bit for bit (max 0, mean 0 on all 8 JPEGs,
 * CMYK included, and the lossy WebP), so any difference is a regression: a codec or resize change must
 * re-measure and say so here.
 */
const TOLERANCE: Readonly<Record<Exclude<ImageFormat, 'avif' | 'heic'>, { max: number; mean: number }>> = {
  png: { max: 0, mean: 0 },
  bmp: { max: 0, mean: 0 },
  gif: { max: 0, mean: 0 },
  webp: { max: 0, mean: 0 }, // lossless and lossy alike, measured
  jpeg: { max: 0, mean: 0 }, // measured
};

const manifest = referenceManifest();

beforeAll(() => initCodecs(nodeCodecModules()));

describe('decode + nearest resize matches the Keras load_img references', () => {
  it('covers every format and the variants the fixtures hold', () => {
    const names = Object.keys(manifest);
    expect(names.length).toBeGreaterThanOrEqual(22);
    for (const ext of ['.png', '.jpg', '.webp', '.gif', '.bmp']) {
      expect(names.some((n) => n.endsWith(ext))).toBe(true);
    }
  });

  for (const [name, entry] of Object.entries(manifest)) {
    it(`${name} (${entry.source_mode} ${entry.source_size.join('x')})`, async () => {
      const img = await decodeImage(fixtureBytes(name), { maxPixels: 50_000_000, orientation: 'ignore' });
      expect([img.width, img.height]).toEqual(entry.source_size);
      const small = resizeRgb(img, 224, 224, 'nearest');
      const reference = referenceRgb(entry);
      expect(reference.length).toBe(224 * 224 * 3);
      const diff = absDiff(small.data, reference);
      const format = name.endsWith('.jpg') ? 'jpeg' : (name.split('.').pop() as ImageFormat);
      const tolerance = TOLERANCE[format as keyof typeof TOLERANCE];
      expect(diff.max).toBeLessThanOrEqual(tolerance.max);
      expect(diff.mean).toBeLessThanOrEqual(tolerance.mean);
    });
  }
});

describe('CMYK JPEGs', () => {
  it('refuse truncated data as malformed instead of guessing the rest', async () => {
    const bytes = fixtureBytes('chelsea-cmyk.jpg');
    for (const cut of [200, Math.floor(bytes.length / 2), bytes.length - 10]) {
      const error = await decodeImage(bytes.subarray(0, cut), { maxPixels: 50_000_000, orientation: 'ignore' }).catch((e: unknown) => e);
      expect(error, `cut at ${cut}`).toBeInstanceOf(ImageError);
      expect((error as ImageError).code, `cut at ${cut}`).toBe('malformed');
    }
  });
});
