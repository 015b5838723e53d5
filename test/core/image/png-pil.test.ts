import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isInterlacedPng, openPngRows } from '../../../src/core/image/png/index.ts';
import { readAllRows } from '../../../src/core/image/rows.ts';

/** Fixtures and PIL 9.4 references made by tools/codecs/png/make-fixtures.py. */
const DIR = new URL('../../fixtures/png/', import.meta.url);

interface Entry {
  readonly pil_mode: string;
  readonly size: readonly [number, number];
  readonly interlaced: boolean;
  readonly reference: string;
}

const manifest = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as Record<string, Entry>;
const read = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));

describe('PNG rows equal PIL 9.4 convert("RGB") bit for bit', () => {
  it('the fixtures cover every colour type and bit depth, interlaced and odd sizes', () => {
    const names = Object.keys(manifest);
    for (const kind of ['gray1', 'gray2', 'gray4', 'gray8', 'gray16', 'graya8', 'graya16', 'rgb8', 'rgb16', 'rgba8', 'rgba16']) {
      expect(names).toContain(`${kind}-37x23.png`);
    }
    for (const kind of ['pal1', 'pal2', 'pal4', 'pal8', 'pal8-trns', 'pal4-short']) expect(names).toContain(`${kind}-1x1.png`);
    expect(names.filter((n) => manifest[n]!.interlaced).length).toBeGreaterThanOrEqual(8);
  });

  it('skipRows then readRow gives the same rows as reading them all', () => {
    for (const name of ['rgb8-37x23.png', 'pal2-37x23.png', 'rgba16-37x23.png', 'gray8-adam7-61x47.png']) {
      const bytes = read(name);
      const whole = readAllRows(openPngRows(bytes));
      const stride = whole.width * 3;
      const source = openPngRows(bytes);
      const row = new Uint8Array(stride);
      source.skipRows(5);
      source.readRow(row);
      expect(Buffer.from(row).equals(Buffer.from(whole.data.subarray(5 * stride, 6 * stride)))).toBe(true);
      source.skipRows(whole.height - 7);
      source.readRow(row);
      expect(Buffer.from(row).equals(Buffer.from(whole.data.subarray((whole.height - 1) * stride)))).toBe(true);
      expect(() => source.readRow(row)).toThrow(RangeError);
      source.finish();
    }
  });

  for (const [name, entry] of Object.entries(manifest)) {
    it(`${name} (PIL mode ${entry.pil_mode}${entry.interlaced ? ', interlaced' : ''})`, () => {
      const bytes = read(name);
      expect(isInterlacedPng(bytes)).toBe(entry.interlaced);
      const img = readAllRows(openPngRows(bytes));
      expect([img.width, img.height]).toEqual(entry.size);
      const reference = read(entry.reference);
      expect(img.data.length).toBe(reference.length);
      expect(Buffer.from(img.data).equals(Buffer.from(reference))).toBe(true);
    });
  }
});
