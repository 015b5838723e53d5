/**
 * @module Adam7-interlaced PNGs, decoded whole: their rows arrive in seven passes, so no stored row is complete
 * before the last pass. The caller holds them to a whole-image pixel limit (see `isInterlacedPng`).
 */

import type { RgbImage } from '../types.ts';
import type { PngLayout } from './chunks.ts';
import { IdatInflater } from './inflate.ts';
import { rowConverter } from './to-rgb.ts';
import { unfilterRow } from './unfilter.ts';

/** Each pass's [x0, y0, dx, dy]. */
const PASSES = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

interface Pass {
  readonly x0: number;
  readonly y0: number;
  readonly dx: number;
  readonly dy: number;
  readonly width: number;
  readonly height: number;
}

function passes(width: number, height: number): Pass[] {
  return PASSES.map(([x0, y0, dx, dy]) => ({
    x0,
    y0,
    dx,
    dy,
    width: Math.max(0, Math.ceil((width - x0) / dx)),
    height: Math.max(0, Math.ceil((height - y0) / dy)),
  }));
}

/** Inflated size of an interlaced image: each non-empty pass's rows, each with its filter byte. */
function interlacedBytes(all: readonly Pass[], bitsPerPixel: number): number {
  let total = 0;
  for (const p of all) if (p.width > 0) total += p.height * (1 + Math.ceil((p.width * bitsPerPixel) / 8));
  return total;
}

/** Decodes an interlaced PNG whole into RGB. Throws `ImageError('malformed')`. */
export function decodeInterlacedPng(bytes: Uint8Array, layout: PngLayout): RgbImage {
  const { header } = layout;
  const { width, height, bitsPerPixel } = header;
  const all = passes(width, height);
  const inflater = new IdatInflater(bytes, layout.idat, interlacedBytes(all, bitsPerPixel));
  const convert = rowConverter(header, layout.palette);
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const data = new Uint8Array(width * height * 3);
  const filter = new Uint8Array(1);
  try {
    for (const pass of all) {
      if (pass.width === 0) continue;
      const rowBytes = Math.ceil((pass.width * bitsPerPixel) / 8);
      let prev = new Uint8Array(rowBytes);
      let row = new Uint8Array(rowBytes);
      const rgb = new Uint8Array(pass.width * 3);
      for (let j = 0; j < pass.height; j++) {
        inflater.read(filter);
        inflater.read(row);
        unfilterRow(filter[0]!, row, prev, bpp);
        convert(row, pass.width, rgb);
        const y = pass.y0 + j * pass.dy;
        for (let i = 0, s = 0, d = (y * width + pass.x0) * 3; i < pass.width; i++, s += 3, d += pass.dx * 3) {
          data[d] = rgb[s]!;
          data[d + 1] = rgb[s + 1]!;
          data[d + 2] = rgb[s + 2]!;
        }
        [prev, row] = [row, prev];
      }
    }
    inflater.finish();
  } finally {
    inflater.close();
  }
  return { width, height, data };
}
