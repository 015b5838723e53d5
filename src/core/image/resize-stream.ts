/**
 * @module Orient + resize straight from a RowSource, giving exactly `resizeRgb(applyOrientation(img, o), w, h, mode)`
 * (PIL 9.4's `ImageOps.exif_transpose` + `Image.resize`) while holding a few stored rows instead of the image.
 *
 * Every table is computed in the displayed frame (the image after orientation), with resize.ts's code, and
 * each displayed index is then mapped to a stored one: computing on a mirrored axis instead would round
 * PIL's window bounds differently at exact .5 ties.
 *
 * `nearest`: each output pixel takes one displayed pixel; the stored rows those pixels sit on are read in
 * order (the rest skipped), and the needed columns copied. Memory: one stored row and the output.
 *
 * `bilinear` (PIL's ImagingResample: horizontal pass into 8-bit, then vertical):
 * - orientations 1-4 keep rows as rows: each stored row the vertical pass needs goes through the horizontal
 *   pass (read mirrored for 2 and 3) into an intermediate of width x (rows needed); then the vertical pass.
 * - orientations 5-8 turn stored rows into displayed columns, so the displayed-horizontal pass runs down the
 *   stored rows: each arriving row is added into the int32 sums of the output columns whose window covers it
 *   (a few at once), and a column is clipped to 8 bits when its window is complete. Integer sums do not
 *   depend on the order of the terms, so this is exact.
 * Memory grows with the stored width (and height, for the intermediate), not with the pixel count.
 */

import type { RowSource } from './rows.ts';
import { bilinearCoefficients, checkSize, clip8, horizontalRow, nearestTable, ROUND, rowsRead, verticalPass } from './resize.ts';
import type { ExifOrientation, ResampleMode, RgbImage } from './types.ts';

export interface ResizeRowsOptions {
  readonly width: number;
  readonly height: number;
  readonly resample: ResampleMode;
  /** EXIF orientation to apply before resizing (1 = as stored). */
  readonly orientation: ExifOrientation;
}

/** How the displayed frame sits on the stored one. */
interface Frame {
  /** Stored rows are displayed columns (orientations 5-8). */
  readonly swap: boolean;
  /** Displayed index along the stored-row axis runs against the stored one (row r shows as rows - 1 - r). */
  readonly flipRows: boolean;
  /** Same along the stored-column axis. */
  readonly flipCols: boolean;
}

/**
 * From orientation.ts's SOURCE_MAP: displayed (x, y) shows stored (sx, sy). Without a swap sx follows x and
 * sy follows y; with one sx follows y and sy follows x. "flip" = that coordinate counts from the far end.
 */
const FRAMES: Readonly<Record<ExifOrientation, Frame>> = {
  1: { swap: false, flipRows: false, flipCols: false },
  2: { swap: false, flipRows: false, flipCols: true },
  3: { swap: false, flipRows: true, flipCols: true },
  4: { swap: false, flipRows: true, flipCols: false },
  5: { swap: true, flipRows: false, flipCols: false },
  6: { swap: true, flipRows: true, flipCols: false },
  7: { swap: true, flipRows: true, flipCols: true },
  8: { swap: true, flipRows: false, flipCols: true },
};

/** Pulls stored rows forward only: skips runs of unneeded rows in one call. */
class RowCursor {
  readonly #source: RowSource;
  #next = 0;
  constructor(source: RowSource) {
    this.#source = source;
  }
  read(row: number, out: Uint8Array): void {
    if (row < this.#next) throw new RangeError(`row ${row} requested after row ${this.#next - 1}`);
    if (row > this.#next) this.#source.skipRows(row - this.#next);
    this.#source.readRow(out);
    this.#next = row + 1;
  }
  /** Skips what is left and lets the source check the rest of its data. */
  finish(): void {
    if (this.#next < this.#source.height) this.#source.skipRows(this.#source.height - this.#next);
    this.#next = this.#source.height;
    this.#source.finish();
  }
}

function resizeNearest(source: RowSource, cursor: RowCursor, frame: Frame, width: number, height: number): Uint8Array {
  const sw = source.width;
  const sh = source.height;
  // Displayed size, and per output index the displayed pixel it takes.
  const xs = nearestTable(frame.swap ? sh : sw, width);
  const ys = nearestTable(frame.swap ? sw : sh, height);
  // Along the axis that picks stored rows (`a`) and the one that picks stored columns (`b`).
  const rowPick = frame.swap ? xs : ys;
  const colPick = frame.swap ? ys : xs;
  const storedRow = (i: number) => (frame.flipRows ? sh - 1 - rowPick[i]! : rowPick[i]!);
  const colOffset = colPick.map((c) => (frame.flipCols ? sw - 1 - c : c) * 3);
  // Output offsets: moving one step along `a` and along `b`.
  const aStep = frame.swap ? 3 : width * 3;
  const bStep = frame.swap ? width * 3 : 3;

  const order = Array.from(rowPick.keys()).sort((p, q) => storedRow(p) - storedRow(q));
  const row = new Uint8Array(sw * 3);
  const out = new Uint8Array(width * height * 3);
  let loaded = -1;
  for (const a of order) {
    const r = storedRow(a);
    if (r !== loaded) {
      cursor.read(r, row);
      loaded = r;
    }
    for (let b = 0, o = a * aStep; b < colOffset.length; b++, o += bStep) {
      const s = colOffset[b]!;
      out[o] = row[s]!;
      out[o + 1] = row[s + 1]!;
      out[o + 2] = row[s + 2]!;
    }
  }
  return out;
}

/** Orientations 1-4: rows stay rows. */
function bilinearRows(source: RowSource, cursor: RowCursor, frame: Frame, width: number, height: number): Uint8Array {
  const sw = source.width;
  const sh = source.height;
  const horiz = bilinearCoefficients(sw, width);
  const vert = bilinearCoefficients(sh, height);
  const { first, end } = rowsRead(vert); // displayed rows
  const tmp = new Uint8Array((end - first) * width * 3);
  const row = new Uint8Array(sw * 3);
  const base = frame.flipCols ? (sw - 1) * 3 : 0;
  const step = frame.flipCols ? -3 : 3;
  // Stored rows in order; displayed row d of stored row r is r, or sh - 1 - r when flipped.
  const storedFirst = frame.flipRows ? sh - end : first;
  const storedEnd = frame.flipRows ? sh - first : end;
  for (let r = storedFirst; r < storedEnd; r++) {
    cursor.read(r, row);
    const d = frame.flipRows ? sh - 1 - r : r;
    horizontalRow(row, base, step, horiz, tmp, (d - first) * width * 3);
  }
  return verticalPass(tmp, first, width, vert);
}

/** Orientations 5-8: stored rows are displayed columns, so the horizontal pass accumulates down the rows. */
function bilinearColumns(source: RowSource, cursor: RowCursor, frame: Frame, width: number, height: number): Uint8Array {
  const sw = source.width; // displayed height
  const sh = source.height; // displayed width
  const horiz = bilinearCoefficients(sh, width);
  const vert = bilinearCoefficients(sw, height);
  const { first, end } = rowsRead(vert); // displayed rows = stored columns
  const rows = end - first;
  // The intermediate: displayed rows first..end-1, `width` pixels each.
  const tmp = new Uint8Array(rows * width * 3);
  // Stored column of each needed displayed row, as a byte offset into a stored row.
  const colOffset = new Int32Array(rows);
  for (let d = 0; d < rows; d++) colOffset[d] = (frame.flipCols ? sw - 1 - (first + d) : first + d) * 3;

  const { ksize, start, count, weights } = horiz;
  // Windows covering each displayed column x: xx in [lo[x], hi[x]), contiguous because windows are monotone.
  const lo = new Int32Array(sh).fill(width);
  const hi = new Int32Array(sh);
  for (let xx = 0; xx < width; xx++) {
    for (let x = start[xx]!, e = x + count[xx]!; x < e; x++) {
      if (xx < lo[x]!) lo[x] = xx;
      if (xx + 1 > hi[x]!) hi[x] = xx + 1;
    }
  }
  // Windows open at once are all windows covering one column: this many accumulator slots never collide.
  let slots = 1;
  for (let x = 0; x < sh; x++) slots = Math.max(slots, hi[x]! - lo[x]!);
  const acc = new Int32Array(slots * rows * 3);

  const row = new Uint8Array(sw * 3);
  // Displayed column x comes from stored row x, or sh - 1 - x when flipped: go through the stored rows in order.
  for (let r = 0; r < sh; r++) {
    const x = frame.flipRows ? sh - 1 - r : r;
    if (lo[x]! >= hi[x]!) continue; // no window reads it: skipped by the cursor
    cursor.read(r, row);
    for (let xx = lo[x]!; xx < hi[x]!; xx++) {
      const slot = (xx % slots) * rows * 3;
      // A window opens at its first column in arrival order (its start, or its end when flipped).
      const opens = frame.flipRows ? x === start[xx]! + count[xx]! - 1 : x === start[xx]!;
      if (opens) acc.fill(ROUND, slot, slot + rows * 3);
      const w = weights[xx * ksize + (x - start[xx]!)]!;
      for (let d = 0, a = slot; d < rows; d++, a += 3) {
        const s = colOffset[d]!;
        acc[a] = acc[a]! + row[s]! * w;
        acc[a + 1] = acc[a + 1]! + row[s + 1]! * w;
        acc[a + 2] = acc[a + 2]! + row[s + 2]! * w;
      }
      const closes = frame.flipRows ? x === start[xx]! : x === start[xx]! + count[xx]! - 1;
      if (closes) {
        for (let d = 0, a = slot, o = xx * 3; d < rows; d++, a += 3, o += width * 3) {
          tmp[o] = clip8(acc[a]!);
          tmp[o + 1] = clip8(acc[a + 1]!);
          tmp[o + 2] = clip8(acc[a + 2]!);
        }
      }
    }
  }
  return verticalPass(tmp, first, width, vert);
}

/**
 * Reads `source` to the end, orienting and resizing as it goes, and returns the `width` x `height` image
 * `resizeRgb(applyOrientation(whole, orientation), width, height, resample)` would give. Rows are pulled
 * forward only, never twice. On success the source is finished (its trailing data checked); it is closed
 * in every case. Errors from the source propagate unchanged.
 */
export function resizeRows(source: RowSource, options: ResizeRowsOptions): RgbImage {
  try {
    const { width, height, resample, orientation } = options;
    checkSize(width, height);
    const frame = FRAMES[orientation];
    if (frame === undefined) throw new RangeError(`unknown EXIF orientation ${String(orientation)}`);
    const cursor = new RowCursor(source);
    let data: Uint8Array;
    switch (resample) {
      case 'nearest':
        data = resizeNearest(source, cursor, frame, width, height);
        break;
      case 'bilinear':
        data = frame.swap ? bilinearColumns(source, cursor, frame, width, height) : bilinearRows(source, cursor, frame, width, height);
        break;
      default:
        throw new RangeError(`unknown resample mode ${String(resample)}`);
    }
    cursor.finish();
    return { width, height, data };
  } finally {
    source.close();
  }
}
