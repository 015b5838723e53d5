import { describe, expect, it } from 'vitest';
import {
  applyOrientation,
  type ExifOrientation,
  ImageError,
  type ResampleMode,
  type RgbImage,
  resizeRgb,
  resizeRows,
  rgbImageRows,
  type RowSource,
} from '../../../src/core/image/index.ts';

const ORIENTATIONS: readonly ExifOrientation[] = [1, 2, 3, 4, 5, 6, 7, 8];
const MODES: readonly ResampleMode[] = ['nearest', 'bilinear'];

/** xorshift32: the same noise every run. */
function noise(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** Random bytes: any slip of one tap shows. */
function randomImage(width: number, height: number, seed: number): RgbImage {
  const next = noise(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = next() & 0xff;
  return { width, height, data };
}

interface Log {
  readonly reads: number[];
  readonly skips: [number, number][];
  finished: number;
  closed: number;
}

/** Serves `img` and records every call; optionally fails when it reaches one row (read or skipped). */
function countingSource(img: RgbImage, failAt?: number): { source: RowSource; log: Log } {
  const inner = rgbImageRows(img);
  const log: Log = { reads: [], skips: [], finished: 0, closed: 0 };
  let next = 0;
  const source: RowSource = {
    width: img.width,
    height: img.height,
    readRow(out) {
      if (next === failAt) throw new ImageError('malformed', `corrupt row ${next}`);
      log.reads.push(next);
      inner.readRow(out);
      next++;
    },
    skipRows(count) {
      // A decoder decodes the rows it skips too: corrupt data there fails the skip.
      if (failAt !== undefined && failAt >= next && failAt < next + count) throw new ImageError('malformed', `corrupt row ${failAt}`);
      log.skips.push([next, count]);
      inner.skipRows(count);
      next += count;
    },
    finish() {
      expect(next).toBe(img.height);
      log.finished++;
    },
    close() {
      log.closed++;
    },
  };
  return { source, log };
}

const expected = (img: RgbImage, o: ExifOrientation, w: number, h: number, mode: ResampleMode) =>
  resizeRgb(applyOrientation(img, o), w, h, mode);

/** Source sizes: degenerate, upscaling, exact ratios, odd ratios, extreme ratios. */
const SIZES: readonly (readonly [number, number])[] = [
  [1, 1],
  [1, 9],
  [9, 1],
  [1, 300],
  [300, 1],
  [5, 3],
  [17, 224],
  [224, 224],
  [448, 448],
  [112, 112],
  [448, 112],
  [225, 223],
  [451, 300],
  [672, 333],
  [8000, 6],
  [6, 8000],
  [2, 50000],
  [50000, 2],
];

/** A few extra sizes drawn at random (fixed seed), up to 700 px a side. */
const RANDOM_SIZES = (() => {
  const next = noise(2024);
  return Array.from({ length: 6 }, () => [1 + (next() % 700), 1 + (next() % 700)] as const);
})();

describe('resizeRows equals resizeRgb(applyOrientation(img)) bit for bit', () => {
  for (const [w, h] of [...SIZES, ...RANDOM_SIZES]) {
    it(`${w}x${h} -> 224x224, every orientation, both modes`, () => {
      const img = randomImage(w, h, w * 7919 + h);
      for (const o of ORIENTATIONS) {
        for (const mode of MODES) {
          const got = resizeRows(rgbImageRows(img), { width: 224, height: 224, resample: mode, orientation: o });
          const want = expected(img, o, 224, 224, mode);
          expect({ o, mode, same: Buffer.compare(got.data, want.data) === 0 }).toEqual({ o, mode, same: true });
        }
      }
    });
  }

  it('to targets other than 224x224, including 1x1 and non-square ones', () => {
    const img = randomImage(97, 61, 5);
    for (const [tw, th] of [
      [1, 1],
      [23, 19],
      [300, 7],
      [61, 97],
      [97, 61],
      [194, 122],
    ] as const) {
      for (const o of ORIENTATIONS) {
        for (const mode of MODES) {
          const got = resizeRows(rgbImageRows(img), { width: tw, height: th, resample: mode, orientation: o });
          expect([got.width, got.height]).toEqual([tw, th]);
          expect(Buffer.compare(got.data, expected(img, o, tw, th, mode).data)).toBe(0);
        }
      }
    }
  });

  it('rejects bad targets and modes, closing the source', () => {
    for (const options of [
      { width: 0, height: 1, resample: 'nearest' as const, orientation: 1 as const },
      { width: 2, height: 1.5, resample: 'bilinear' as const, orientation: 1 as const },
      { width: 2, height: 2, resample: 'cubic' as unknown as ResampleMode, orientation: 1 as const },
      { width: 2, height: 2, resample: 'nearest' as const, orientation: 9 as unknown as ExifOrientation },
    ]) {
      const { source, log } = countingSource(randomImage(4, 4, 1));
      expect(() => resizeRows(source, options)).toThrow(RangeError);
      expect(log.closed).toBe(1);
      expect(log.finished).toBe(0);
    }
  });
});

describe('resizeRows pulls rows forward only', () => {
  /** Checks the call log: increasing, never twice, every row accounted for once. */
  function checkOrder(log: Log, height: number): void {
    const events = [...log.reads.map((r) => [r, 1] as const), ...log.skips.map(([r, n]) => [r, n] as const)].sort((p, q) => p[0] - q[0]);
    let at = 0;
    for (const [r, n] of events) {
      expect(r).toBe(at);
      expect(n).toBeGreaterThan(0);
      at += n;
    }
    expect(at).toBe(height);
    for (let i = 1; i < log.reads.length; i++) expect(log.reads[i]!).toBeGreaterThan(log.reads[i - 1]!);
    // Consecutive skips would be one run split in two.
    for (let i = 1; i < log.skips.length; i++) {
      const [r0, n0] = log.skips[i - 1]!;
      expect(log.reads.includes(r0 + n0)).toBe(true);
    }
    expect(log.finished).toBe(1);
    expect(log.closed).toBe(1);
  }

  it('nearest reads one row per output row (or column, when rotated) and skips the rest in runs', () => {
    const img = randomImage(300, 4000, 11);
    for (const o of ORIENTATIONS) {
      const { source, log } = countingSource(img);
      resizeRows(source, { width: 224, height: 224, resample: 'nearest', orientation: o });
      checkOrder(log, img.height);
      expect(log.reads.length).toBeLessThanOrEqual(224);
      expect(log.reads.length).toBeGreaterThan(200);
      expect(log.skips.length).toBeGreaterThan(200);
    }
  });

  it('nearest upscaling reads each stored row once, however many output rows take it', () => {
    const img = randomImage(50, 40, 12);
    for (const o of ORIENTATIONS) {
      const { source, log } = countingSource(img);
      resizeRows(source, { width: 224, height: 224, resample: 'nearest', orientation: o });
      checkOrder(log, img.height);
      expect(log.reads.length).toBe(40);
    }
  });

  it('bilinear reads every row at most once, in order', () => {
    const img = randomImage(37, 3000, 13);
    for (const o of ORIENTATIONS) {
      const { source, log } = countingSource(img);
      resizeRows(source, { width: 224, height: 224, resample: 'bilinear', orientation: o });
      checkOrder(log, img.height);
    }
  });
});

describe('resizeRows and a failing source', () => {
  for (const mode of MODES) {
    for (const o of [1, 3, 6, 7] as const) {
      it(`${mode}, orientation ${o}: the error propagates unchanged and the source is closed, not finished`, () => {
        const { source, log } = countingSource(randomImage(64, 500, 16), 250);
        let error: unknown;
        try {
          resizeRows(source, { width: 224, height: 224, resample: mode, orientation: o });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(ImageError);
        expect((error as ImageError).message).toBe('corrupt row 250');
        expect(log.closed).toBe(1);
        expect(log.finished).toBe(0);
      });
    }
  }

  it('a failing finish (data truncated after the last row) propagates, and close still runs', () => {
    const img = randomImage(8, 8, 17);
    const inner = rgbImageRows(img);
    let closed = 0;
    const source: RowSource = {
      ...inner,
      width: img.width,
      height: img.height,
      readRow: (out) => inner.readRow(out),
      skipRows: (n) => inner.skipRows(n),
      finish() {
        throw new ImageError('malformed', 'truncated jpeg data');
      },
      close() {
        closed++;
      },
    };
    expect(() => resizeRows(source, { width: 4, height: 4, resample: 'nearest', orientation: 1 })).toThrow('truncated jpeg data');
    expect(closed).toBe(1);
  });
});
