import { describe, expect, it } from 'vitest';
import { ImageError, probeImage, sniffFormat, type ImageFormat } from '../../../src/core/image/index.ts';
import { pngHeader } from './builders.ts';
import { fixtureBytes, referenceManifest } from './fixtures.ts';
import { layoutBytes, layoutFixtures } from './jpeg-fixtures.ts';

const FORMAT_OF: Record<string, ImageFormat> = {
  'chelsea.png': 'png',
  'chelsea-q90.jpg': 'jpeg',
  'chelsea-progressive.jpg': 'jpeg',
  'chelsea.webp': 'webp',
  'chelsea-lossless.webp': 'webp',
  'chelsea.gif': 'gif',
  'chelsea.bmp': 'bmp',
  'chelsea-gray16.png': 'png',
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ImageError ? e.code : `not an ImageError: ${String(e)}`;
  }
  return undefined;
}

const text = new TextEncoder();

describe('sniffFormat', () => {
  for (const [name, format] of Object.entries(FORMAT_OF)) {
    it(`${name} is ${format}`, () => {
      expect(sniffFormat(fixtureBytes(name))).toBe(format);
    });
  }

  it('needs the whole signature', () => {
    expect(sniffFormat(new Uint8Array([0xff, 0xd8]))).toBeUndefined();
    expect(sniffFormat(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBeUndefined();
    expect(sniffFormat(text.encode('GIF88a'))).toBeUndefined();
    expect(sniffFormat(text.encode('RIFF\0\0\0\0WAVE'))).toBeUndefined();
    expect(sniffFormat(new Uint8Array())).toBeUndefined();
  });

  it('does not take text starting with "BM" for a bitmap', () => {
    expect(sniffFormat(text.encode('BM is a text file, not a bitmap'))).toBeUndefined();
  });

  it('rejects text, SVG and PDF', () => {
    expect(sniffFormat(text.encode('hello, world\n'))).toBeUndefined();
    expect(sniffFormat(text.encode('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    expect(sniffFormat(text.encode('%PDF-1.7\n'))).toBeUndefined();
  });
});

describe('probeImage', () => {
  const manifest = referenceManifest();
  for (const name of Object.keys(manifest)) {
    it(`${name}: size as stored`, () => {
      const info = probeImage(fixtureBytes(name));
      expect([info.width, info.height]).toEqual(manifest[name]!.source_size);
    });
  }

  it('reports format and EXIF orientation', () => {
    expect(probeImage(fixtureBytes('chelsea-exif6.jpg'))).toEqual({
      format: 'jpeg',
      width: 300,
      height: 451,
      orientation: 6,
    });
    expect(probeImage(fixtureBytes('chelsea-q90.jpg')).orientation).toBe(1);
    for (const [name, format] of Object.entries(FORMAT_OF)) {
      expect(probeImage(fixtureBytes(name)).format).toBe(format);
    }
  });

  it('throws unsupported_format for a text file', () => {
    expect(codeOf(() => probeImage(text.encode('just some text\n')))).toBe('unsupported_format');
  });

  it('throws malformed when the magic matches but the header cannot be read', () => {
    expect(codeOf(() => probeImage(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00])))).toBe('malformed');
    expect(codeOf(() => probeImage(pngHeader(10, 10, 8, 2).subarray(0, 12)))).toBe('malformed');
    expect(codeOf(() => probeImage(fixtureBytes('chelsea.webp').subarray(0, 14)))).toBe('malformed');
    expect(codeOf(() => probeImage(pngHeader(0, 10, 8, 2)))).toBe('malformed');
  });

  it('reads a 30000x30000 PNG header without any pixel data', () => {
    expect(probeImage(pngHeader(30000, 30000, 8, 2))).toMatchObject({ format: 'png', width: 30000, height: 30000 });
  });
});

describe('probeImage on JPEG start-of-frame markers image-size cannot read', () => {
  it('sizes an arithmetic-coded JPEG (SOF9) from its frame header, as libjpeg-turbo and PIL read it', () => {
    const bytes = layoutBytes('arithmetic.jpg');
    expect(bytes.some((b, i) => b === 0xff && bytes[i + 1] === 0xc9)).toBe(true);
    const [width, height] = layoutFixtures()['arithmetic.jpg']!.size;
    expect(probeImage(bytes)).toEqual({ format: 'jpeg', width, height, orientation: 1 });
  });

  it('refuses a JPEG without any start-of-frame as malformed', () => {
    const bytes = fixtureBytes('chelsea-q90.jpg');
    const sof = bytes.findIndex((b, i) => b === 0xff && bytes[i + 1] === 0xc0);
    const noFrame = bytes.slice(0, sof);
    expect(() => probeImage(noFrame)).toThrow(ImageError);
    expect(() => probeImage(noFrame)).toThrow(/no start-of-frame/);
  });
});
