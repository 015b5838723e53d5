/**
 * @module Row streaming: a decoder hands over an image's stored rows top to bottom, and the resizer pulls only
 * the rows it needs, so a decode holds a few rows (not the whole image) and its memory grows with the width.
 *
 * A `RowSource` is synchronous once opened (the WASM decoders run to completion per call); opening one may be
 * asynchronous (a codec instance is created lazily). Formats that cannot stream are read whole and served
 * through `rgbImageRows`, under a per-format pixel limit.
 */

import type { RgbImage } from './types.ts';

/** A decoder positioned before its first stored row. Rows are 8-bit RGB, `width * 3` bytes, no padding. */
export interface RowSource {
  /** Stored width and height (before any EXIF orientation). */
  readonly width: number;
  readonly height: number;
  /**
   * Decodes the next stored row into `out[0 .. width*3)`. Throws `ImageError('malformed')` when the data is
   * corrupt or ends early. Calling it after the last row is a programming error (RangeError).
   */
  readRow(out: Uint8Array): void;
  /** Moves past the next `count` rows without producing them (a decoder may skip part of their work). */
  skipRows(count: number): void;
  /**
   * Called once every row has been read or skipped: checks the rest of the data (a JPEG truncated after the
   * last row is refused, as PIL refuses it) and frees the decoder. Throws `ImageError('malformed')`.
   */
  finish(): void;
  /** Frees the decoder without checking anything (after an error, or when abandoning the image). Idempotent. */
  close(): void;
}

/**
 * A source over rows that can be read in any order (an image in memory, or an uncompressed format read
 * straight from its bytes): `read(y, out)` writes stored row y; skipping costs nothing.
 */
export function indexedRows(width: number, height: number, read: (y: number, out: Uint8Array) => void): RowSource {
  let next = 0;
  const checkRows = (count: number) => {
    if (next + count > height) throw new RangeError(`row ${next + count - 1} is past the last row ${height - 1}`);
  };
  return {
    width,
    height,
    readRow(out) {
      checkRows(1);
      read(next, out);
      next++;
    },
    skipRows(count) {
      checkRows(count);
      next += count;
    },
    finish() {},
    close() {},
  };
}

/** Serves an image already decoded whole (formats that cannot stream). */
export function rgbImageRows(img: RgbImage): RowSource {
  const stride = img.width * 3;
  return indexedRows(img.width, img.height, (y, out) => out.set(img.data.subarray(y * stride, (y + 1) * stride)));
}

/** Reads every row of a source into one image (tools and tests; the embed path resizes as rows arrive). */
export function readAllRows(source: RowSource): RgbImage {
  const { width, height } = source;
  const data = new Uint8Array(width * height * 3);
  try {
    for (let y = 0; y < height; y++) source.readRow(data.subarray(y * width * 3, (y + 1) * width * 3));
    source.finish();
  } finally {
    source.close();
  }
  return { width, height, data };
}
