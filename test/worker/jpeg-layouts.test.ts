/**
 * The JPEG decoder inside workerd: the Worker runtime's own libjpeg-turbo.wasm (imported as a module, as
 * wrangler deploys it) decodes every layout fixture as PIL 9.4 does, reading every row and skipping rows.
 */
import { describe, expect, it } from 'vitest';
import { openJpegRows } from '../../src/core/image/jpeg/rows.ts';
import { readAllRows } from '../../src/core/image/rows.ts';
import '../../src/runtime/workerd.ts';
import { fixture } from './helpers.ts';

const bytesOf = (name: string): Uint8Array => fixture(`jpeg-layouts/${name}`);

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes.slice());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const manifest = JSON.parse(new TextDecoder().decode(bytesOf('manifest.json'))) as Record<
  string,
  { rgb_sha256: string; size: [number, number] }
>;
delete manifest._;

describe('libjpeg-turbo.wasm in workerd', () => {
  it('has every layout fixture', () => {
    expect(Object.keys(manifest).length).toBeGreaterThanOrEqual(15);
  });

  for (const [name, entry] of Object.entries(manifest)) {
    it(`${name}: PIL's RGB, reading every row and reading every other row after skips`, async () => {
      const img = readAllRows(await openJpegRows(bytesOf(name), { maxPixels: 1_000_000 }));
      expect(await sha256Hex(img.data)).toBe(entry.rgb_sha256);
      const source = await openJpegRows(bytesOf(name), { maxPixels: 1_000_000 });
      const stride = source.width * 3;
      const row = new Uint8Array(stride);
      for (let y = 0; y < source.height; y += 2) {
        source.readRow(row);
        expect(row).toEqual(img.data.subarray(y * stride, (y + 1) * stride));
        source.skipRows(Math.min(1, source.height - y - 1));
      }
      source.finish();
      source.close();
    });
  }
});
