/**
 * @module PNG as a RowSource: stored rows decoded one at a time (inflate a slice, unfilter against the previous
 * row, convert to RGB as PIL does), so a decode holds two filtered rows and about one row of inflated data,
 * however tall the image. Interlaced PNGs cannot stream: they are decoded whole and served from memory.
 */

import { rgbImageRows, type RowSource } from '../rows.ts';
import { decodeInterlacedPng } from './adam7.ts';
import { readPngLayout } from './chunks.ts';
import { IdatInflater, type InflateStats } from './inflate.ts';
import { rowConverter } from './to-rgb.ts';
import { unfilterRow } from './unfilter.ts';

/** What a streaming PNG source holds, for tests and measurements. */
export interface PngRowStats {
  /** Bytes of the decoder's own row buffers (the current and previous filtered rows). */
  readonly rowBufferBytes: number;
  readonly inflate: InflateStats;
}

const statsBySource = new WeakMap<RowSource, PngRowStats>();

/** The buffer sizes a streaming PNG source has used so far (undefined for other sources, or interlaced PNGs). */
export function pngRowStats(source: RowSource): PngRowStats | undefined {
  return statsBySource.get(source);
}

/**
 * Opens a PNG. Validates the signature, IHDR, the chunks before the image data (CRCs) and PLTE up front;
 * rows are then inflated as they are read. Throws `ImageError('malformed')` here or from any later call.
 * The caller checks the pixel limit from the header first (`probeImage`); an interlaced PNG
 * (`isInterlacedPng`) is decoded whole here, so it needs a whole-image limit.
 */
export function openPngRows(bytes: Uint8Array): RowSource {
  const layout = readPngLayout(bytes);
  const { header } = layout;
  if (header.interlaced) return rgbImageRows(decodeInterlacedPng(bytes, layout));

  const { width, height, bitsPerPixel } = header;
  const rowBytes = Math.ceil((width * bitsPerPixel) / 8);
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const inflater = new IdatInflater(bytes, layout.idat, height * (rowBytes + 1));
  const convert = rowConverter(header, layout.palette);
  let prev = new Uint8Array(rowBytes);
  let row = new Uint8Array(rowBytes);
  const filter = new Uint8Array(1);
  let next = 0;
  let closed = false;

  const checkRows = (count: number) => {
    if (closed) throw new RangeError('the PNG source is closed');
    if (next + count > height) throw new RangeError(`row ${next + count - 1} is past the last row ${height - 1}`);
  };
  const advance = () => {
    [prev, row] = [row, prev];
    inflater.read(filter);
    inflater.read(row);
    unfilterRow(filter[0]!, row, prev, bpp);
    next++;
  };
  const close = () => {
    closed = true;
    inflater.close();
  };
  const guard = (work: () => void) => {
    try {
      work();
    } catch (error) {
      close();
      throw error;
    }
  };

  const source: RowSource = {
    width,
    height,
    readRow(out) {
      checkRows(1);
      guard(() => {
        advance();
        convert(row, width, out);
      });
    },
    skipRows(count) {
      checkRows(count);
      guard(() => {
        for (let i = 0; i < count; i++) advance();
      });
    },
    finish() {
      if (closed) throw new RangeError('the PNG source is closed');
      if (next < height) throw new RangeError(`finish() before the last row (${next} of ${height} read)`);
      guard(() => inflater.finish());
      close();
    },
    close,
  };
  statsBySource.set(source, { rowBufferBytes: 2 * rowBytes, inflate: inflater.stats });
  return source;
}
