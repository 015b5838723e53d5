import { beforeAll, describe, expect, it } from 'vitest';
import { codecMemoryStats, initCodecs, RECYCLE_MEMORY_BYTES } from '../../../src/core/image/codecs.ts';
import { openJpegRows } from '../../../src/core/image/jpeg/rows.ts';
import { nodeCodecModules } from './codec-modules.ts';
import { flatGreyJpeg } from './jpeg-fixtures.ts';

// Its own file, so the JPEG instance is fresh (vitest isolates test files): wasm memory only grows, and an
// instance that decoded something else before would show that high-water mark.
beforeAll(() => initCodecs(nodeCodecModules()));

describe('large baseline JPEGs stream in little wasm memory', () => {
  for (const [width, height] of [
    [4032, 3024],
    [8000, 6000],
  ] as const) {
    it(`${width}x${height} (${((width * height) / 1e6).toFixed(0)} MP, 4:2:0): decoded row by row`, async () => {
      const source = await openJpegRows(flatGreyJpeg(width, height), { maxPixels: 50_000_000 });
      const row = new Uint8Array(width * 3);
      let grey = true;
      for (let y = 0; y < height; y++) {
        source.readRow(row);
        if (y % 500 === 0) grey &&= row.every((v) => v === 128);
      }
      source.finish();
      source.close();
      expect(grey).toBe(true);
      // A few rows, not the image: the 48 MP RGB image alone would be 144 MB.
      const { liveBytes, peakBytes } = codecMemoryStats();
      expect(liveBytes).toBeGreaterThan(0);
      expect(liveBytes).toBeLessThan(2 * 1024 * 1024);
      expect(peakBytes).toBeLessThan(RECYCLE_MEMORY_BYTES);
    });
  }
});
