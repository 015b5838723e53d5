import { Zlib } from 'fflate';
import { expect, it } from 'vitest';
import { MAX_SLICE_BYTES, openPngRows, pngRowStats, TARGET_OUTPUT_BYTES } from '../../../src/core/image/png/index.ts';
import { concat, pngChunk, pngHeader } from './builders.ts';

const WIDTH = 8000;
const HEIGHT = 6000;

/** An 8000x6000 grey PNG (48 MB of pixels) whose rows repeat the first one (filter Up): ~110 KB of IDAT. */
function compressiblePng(): Uint8Array {
  const parts: Uint8Array[] = [];
  const zlib = new Zlib({ level: 1 }, (data) => parts.push(data));
  const row = new Uint8Array(1 + WIDTH);
  for (let x = 0; x < WIDTH; x++) row[1 + x] = (x * 7) & 255;
  zlib.push(row);
  row.fill(0);
  row[0] = 2; // Up: each row equals the one above
  for (let y = 1; y < HEIGHT; y++) zlib.push(row, y === HEIGHT - 1);
  return concat(pngHeader(WIDTH, HEIGHT, 8, 0), pngChunk('IDAT', concat(...parts)), pngChunk('IEND', new Uint8Array()));
}

it('an 8000x6000 PNG is read row by row holding a few rows, not the image', { timeout: 60_000 }, () => {
  const png = compressiblePng();
  expect(png.length).toBeLessThan(1_000_000);
  const source = openPngRows(png);
  const row = new Uint8Array(WIDTH * 3);
  let checked = 0;
  for (let y = 0; y < HEIGHT; y++) {
    source.readRow(row);
    if (y % 997 === 0) {
      // Every row is the first: pixel x is (7x) & 255, grey.
      for (const x of [0, 1, 37, WIDTH - 1]) expect([row[3 * x], row[3 * x + 2]]).toEqual([(x * 7) & 255, (x * 7) & 255]);
      checked++;
    }
  }
  source.finish();
  expect(checked).toBe(7);

  const stats = pngRowStats(source)!;
  // The decoder's own rows: the current and the previous one.
  expect(stats.rowBufferBytes).toBe(2 * WIDTH);
  // Inflated bytes waiting at once: about one push's target output, i.e. a few rows, never the 48 MB image.
  expect(stats.inflate.peakPendingBytes).toBeLessThanOrEqual(2 * TARGET_OUTPUT_BYTES + WIDTH + 1);
  expect(stats.inflate.peakPendingBytes).toBeLessThan((WIDTH * HEIGHT) / 100);
  // The ratio (~400:1) kept slices small: far below the cap.
  expect(stats.inflate.peakSliceBytes).toBeLessThan(MAX_SLICE_BYTES / 8);
});
