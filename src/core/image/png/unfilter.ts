/**
 * @module PNG row filters (None, Sub, Up, Average, Paeth) undone in place against the previous row.
 * Sums are stored into the Uint8Array unmasked: typed-array stores wrap modulo 256 by definition.
 */

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
      for (let i = bpp; i < n; i++) row[i] = row[i]! + row[i - bpp]!;
      return;
    case 2:
      for (let i = 0; i < n; i++) row[i] = row[i]! + prev[i]!;
      return;
    case 3:
      for (let i = 0; i < bpp; i++) row[i] = row[i]! + (prev[i]! >>> 1);
      for (let i = bpp; i < n; i++) row[i] = row[i]! + ((row[i - bpp]! + prev[i]!) >>> 1);
      return;
    case 4:
      // The hot loop of photographic PNGs. One pass per byte of the pixel keeps the left (a) and upper-left (c)
      // bytes in locals; |p - a|, |p - b|, |p - c| for p = a + b - c are |b - c|, |a - c|, |a + b - 2c|; the
      // choice is made with sign masks, not branches, which photo data mispredicts (measured ~1.8x faster).
      for (let k = 0; k < bpp; k++) {
        let a = 0;
        let c = 0;
        for (let i = k; i < n; i += bpp) {
          const b = prev[i]!;
          let pa = b - c;
          let pb = a - c;
          let pc = pa + pb;
          let m = pa >> 31;
          pa = (pa ^ m) - m;
          m = pb >> 31;
          pb = (pb ^ m) - m;
          m = pc >> 31;
          pc = (pc ^ m) - m;
          const notA = ((pb - pa) | (pc - pa)) >> 31; // 0 when pa <= pb and pa <= pc
          const useC = (pc - pb) >> 31; // 0 when pb <= pc
          a = (row[i]! + ((a & ~notA) | (((b & ~useC) | (c & useC)) & notA))) & 0xff;
          row[i] = a;
          c = b;
        }
      }
      return;
    default:
      throw pngMalformed(`unknown row filter type ${filter}`);
  }
}
