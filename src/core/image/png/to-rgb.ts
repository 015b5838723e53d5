/**
 * @module One unfiltered PNG row -> 8-bit RGB, exactly as PIL 9.4's `Image.open(f).convert('RGB')` gives it.
 *
 * PIL's modes per PNG type, measured with Debian's PIL 9.4 (tools/codecs/png/make-fixtures.py checks them):
 * grey 1-bit is mode "1" (0 or 255); grey 2 and 4-bit are scaled (x85, x17); 16-bit grey is mode "I", whose
 * conversion to RGB clips at 255 (0..255 stay, anything larger is white: not the high byte); 16-bit RGB, RGBA
 * and grey+alpha keep the high byte of each sample; alpha is dropped, not composited; a palette image ignores
 * its tRNS and maps indices past the PLTE to PIL's grey ramp (i, i, i).
 */

import type { PngHeader } from './chunks.ts';

/** Converts `width` pixels of `row` (unfiltered, no filter byte) into `out` (width * 3 bytes). */
export type RowConverter = (row: Uint8Array, width: number, out: Uint8Array) => void;

function lowDepthIndices(bits: number, map: (value: number, out: Uint8Array, o: number) => void): RowConverter {
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  return (row, width, out) => {
    for (let x = 0, o = 0; x < width; x++, o += 3) {
      const byte = row[(x / perByte) | 0]!;
      map((byte >>> (8 - bits - (x % perByte) * bits)) & mask, out, o);
    }
  };
}

/** The converter for a header's colour type and bit depth (`palette` for colour type 3). */
export function rowConverter(header: PngHeader, palette: Uint8Array | undefined): RowConverter {
  const { colorType, bitDepth } = header;
  if (colorType === 3) {
    const table = palette!;
    const put = (i: number, out: Uint8Array, o: number) => {
      out[o] = table[i * 3]!;
      out[o + 1] = table[i * 3 + 1]!;
      out[o + 2] = table[i * 3 + 2]!;
    };
    if (bitDepth === 8) {
      return (row, width, out) => {
        for (let x = 0, o = 0; x < width; x++, o += 3) put(row[x]!, out, o);
      };
    }
    return lowDepthIndices(bitDepth, put);
  }
  if (colorType === 0 && bitDepth < 8) {
    const scale = 255 / ((1 << bitDepth) - 1);
    return lowDepthIndices(bitDepth, (v, out, o) => {
      out[o] = out[o + 1] = out[o + 2] = v * scale;
    });
  }
  if (colorType === 0 || colorType === 4) {
    // Grey (+ alpha): the grey sample's first byte; 16-bit grey alone clips (mode I), with alpha takes the high byte.
    const step = (colorType === 4 ? 2 : 1) * (bitDepth / 8);
    const clip16 = colorType === 0 && bitDepth === 16;
    return (row, width, out) => {
      for (let x = 0, s = 0, o = 0; x < width; x++, s += step, o += 3) {
        const v = clip16 ? (row[s]! > 0 ? 255 : row[s + 1]!) : row[s]!;
        out[o] = out[o + 1] = out[o + 2] = v;
      }
    };
  }
  // RGB or RGBA, 8 or 16-bit: the first byte of each of the first three samples.
  const sample = bitDepth / 8;
  const step = (colorType === 6 ? 4 : 3) * sample;
  if (step === 3) return (row, width, out) => out.set(row.subarray(0, width * 3));
  return (row, width, out) => {
    for (let x = 0, s = 0, o = 0; x < width; x++, s += step, o += 3) {
      out[o] = row[s]!;
      out[o + 1] = row[s + sample]!;
      out[o + 2] = row[s + 2 * sample]!;
    }
  };
}
