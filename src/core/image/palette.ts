/** @module Palette lookup shared by the GIF and BMP decoders, with PIL's defaults for missing entries. */

/**
 * A 256-entry RGB table. Entries the file does not define keep PIL's initial grey ramp (i, i, i), which is
 * what PIL's P -> RGB conversion yields for an index past the end of a short palette.
 */
export function paletteTable(): Uint8Array {
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) table[i * 3] = table[i * 3 + 1] = table[i * 3 + 2] = i;
  return table;
}

/** Expands 8-bit indices to RGB bytes. */
export function expandIndices(indices: Uint8Array, table: Uint8Array, out: Uint8Array): void {
  for (let i = 0, o = 0; i < indices.length; i++, o += 3) {
    const p = indices[i]! * 3;
    out[o] = table[p]!;
    out[o + 1] = table[p + 1]!;
    out[o + 2] = table[p + 2]!;
  }
}
