/** @module PNG row filters (None, Sub, Up, Average, Paeth) undone in place against the previous row. */

import { pngMalformed } from './chunks.ts';

/**
 * Unfilters `row` in place. `prev` is the previous unfiltered row of the same pass (all zero for the first),
 * `bpp` the bytes per complete pixel (at least 1). Throws `ImageError('malformed')` on an unknown filter type.
 */
export function unfilterRow(filter: number, row: Uint8Array, prev: Uint8Array, bpp: number): void {
  const n = row.length;
  switch (filter) {
    case 0:
      return;
    case 1:
      for (let i = bpp; i < n; i++) row[i] = (row[i]! + row[i - bpp]!) & 0xff;
      return;
    case 2:
      for (let i = 0; i < n; i++) row[i] = (row[i]! + prev[i]!) & 0xff;
      return;
    case 3:
      for (let i = 0; i < bpp; i++) row[i] = (row[i]! + (prev[i]! >>> 1)) & 0xff;
      for (let i = bpp; i < n; i++) row[i] = (row[i]! + ((row[i - bpp]! + prev[i]!) >>> 1)) & 0xff;
      return;
    case 4:
      for (let i = 0; i < bpp; i++) row[i] = (row[i]! + prev[i]!) & 0xff;
      for (let i = bpp; i < n; i++) {
        const a = row[i - bpp]!;
        const b = prev[i]!;
        const c = prev[i - bpp]!;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        row[i] = (row[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
      }
      return;
    default:
      throw pngMalformed(`unknown row filter type ${filter}`);
  }
}
