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
 * `bilinear` (PIL's ImagingResample: horizontal pass clipped to 8 bits, then vertical), with both passes
 * fed line by line into int32 window sums (window-sums.ts; integer sums do not depend on the order of their
 * terms, so this is exact):
 * - orientations 1-4 keep rows as rows: each stored row the vertical pass reads goes through the horizontal
 *   pass (read mirrored for 2 and 3) and is added into the open output rows' sums (arriving bottom-up for
 *   3 and 4). Memory: one stored row, one output-wide line, the open sums (at most 224 x 224 x 3 x 4 bytes).
 * - orientations 5-8 turn stored rows into displayed columns: each arriving stored row is added into the
 *   sums of the intermediate columns whose window covers it (a few at once when shrinking); a finished
 *   column is clipped to 8 bits and goes through the vertical pass at once. Memory: one stored row and the
 *   open sums, ~24 bytes per stored column when shrinking; when upscaling a short side, the gathered rows
 *   themselves, if smaller.
 * Memory grows with the stored width, not with the pixel count.
 */

import type { RowSource } from './rows.ts';
import { bilinearCoefficients, checkSize, clip8, horizontalRow, nearestTable, ROUND, rowsRead } from './resize.ts';
import type { ExifOrientation, ResampleMode, RgbImage } from './types.ts';
import { WindowSums, windowsOpenAtOnce } from './window-sums.ts';

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

/** Orientations 1-4: rows stay rows; each row needed goes through the horizontal pass into the vertical sums. */
function bilinearRows(source: RowSource, cursor: RowCursor, frame: Frame, width: number, height: number): Uint8Array {
  const sw = source.width;
  const sh = source.height;
  const horiz = bilinearCoefficients(sw, width);
  const stride = width * 3;
  const out = new Uint8Array(stride * height);
  const vertical = new WindowSums(bilinearCoefficients(sh, height), sh, stride, frame.flipRows, (yy, sums, offset) => {
    for (let i = 0, o = yy * stride; i < stride; i++, o++) out[o] = clip8(sums[offset + i]!);
  });
  const row = new Uint8Array(sw * 3);
  const line = new Uint8Array(stride);
  const base = frame.flipCols ? (sw - 1) * 3 : 0;
  const step = frame.flipCols ? -3 : 3;
  for (let r = 0; r < sh; r++) {
    const d = frame.flipRows ? sh - 1 - r : r; // its displayed row
    if (!vertical.needs(d)) continue; // skipped by the cursor
    cursor.read(r, row);
    horizontalRow(row, base, step, horiz, line, 0);
    vertical.add(d, line);
  }
  return out;
}

/**
 * Orientations 5-8: stored rows are displayed columns. The horizontal pass sums down the stored rows (each
 * row gives one displayed column, restricted to the displayed rows the vertical pass reads); each finished
 * intermediate column is clipped to 8 bits and goes through the vertical pass at once.
 */
function bilinearColumns(source: RowSource, cursor: RowCursor, frame: Frame, width: number, height: number): Uint8Array {
  const sw = source.width; // displayed height
  const sh = source.height; // displayed width
  const horiz = bilinearCoefficients(sh, width);
  const vert = bilinearCoefficients(sw, height);
  const { first, end } = rowsRead(vert); // displayed rows = stored columns
  const lineLength = (end - first) * 3;
  // Byte offset, in a stored row, of each displayed row the vertical pass reads.
  const colOffset = new Int32Array(end - first);
  for (let d = first; d < end; d++) colOffset[d - first] = (frame.flipCols ? sw - 1 - d : d) * 3;

  const out = new Uint8Array(width * height * 3);
  const column = new Uint8Array(lineLength);
  const { ksize, start, count, weights } = vert;
  const finishColumn = (xx: number, sums: Int32Array, offset: number) => {
    for (let i = 0; i < lineLength; i++) column[i] = clip8(sums[offset + i]!);
    for (let yy = 0, o = xx * 3; yy < height; yy++, o += width * 3) {
      let r = ROUND;
      let g = ROUND;
      let b = ROUND;
      for (let k = 0, s = (start[yy]! - first) * 3, n = count[yy]!; k < n; k++, s += 3) {
        const w = weights[yy * ksize + k]!;
        r += column[s]! * w;
        g += column[s + 1]! * w;
        b += column[s + 2]! * w;
      }
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  };

  const row = new Uint8Array(sw * 3);
  // The values of the stored row just read that the vertical pass needs, in displayed-row order.
  const gather = (line: Uint8Array): Uint8Array => {
    for (let d = 0, o = 0; o < lineLength; d++, o += 3) {
      const s = colOffset[d]!;
      line[o] = row[s]!;
      line[o + 1] = row[s + 1]!;
      line[o + 2] = row[s + 2]!;
    }
    return line;
  };
  // Displayed column x comes from stored row x, or sh - 1 - x when flipped.
  const displayed = (r: number) => (frame.flipRows ? sh - 1 - r : r);

  // Open sums cost 4 bytes a value; when upscaling a short side many windows are open at once, and keeping
  // the gathered lines themselves (1 byte a value, sh of them) is smaller.
  if (sh < 4 * windowsOpenAtOnce(horiz, sh)) {
    const lines: Uint8Array[] = [];
    for (let r = 0; r < sh; r++) {
      cursor.read(r, row);
      lines[displayed(r)] = gather(new Uint8Array(lineLength));
    }
    const sums = new Int32Array(lineLength);
    for (let xx = 0; xx < width; xx++) {
      sums.fill(ROUND);
      for (let k = 0, x = horiz.start[xx]!, n = horiz.count[xx]!; k < n; k++, x++) {
        const w = horiz.weights[xx * horiz.ksize + k]!;
        const line = lines[x]!;
        for (let i = 0; i < lineLength; i++) sums[i] = sums[i]! + line[i]! * w;
      }
      finishColumn(xx, sums, 0);
    }
    return out;
  }

  const horizontal = new WindowSums(horiz, sh, lineLength, frame.flipRows, finishColumn);
  const line = new Uint8Array(lineLength);
  for (let r = 0; r < sh; r++) {
    const x = displayed(r);
    if (!horizontal.needs(x)) continue; // skipped by the cursor
    cursor.read(r, row);
    horizontal.add(x, gather(line));
  }
  return out;
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
