/** @module A linear walk over a JPEG's markers: the number of scans, counted before decoding. */

export interface JpegLayout {
  /** Start-of-scan markers seen. Progressive files have a handful; thousands mean a decompression bomb. */
  readonly scans: number;
}

/** Reads the marker structure; stops quietly at the end of the data or at anything it cannot follow. */
export function scanJpeg(bytes: Uint8Array): JpegLayout {
  let scans = 0;
  let pos = 2; // after SOI
  const end = bytes.length;
  while (pos + 1 < end) {
    if (bytes[pos] !== 0xff) break;
    const marker = bytes[pos + 1]!;
    if (marker === 0xff) {
      pos += 1; // fill byte
      continue;
    }
    if (marker === 0xd9) break; // EOI
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2; // TEM / RSTn carry no length
      continue;
    }
    if (pos + 3 >= end) break;
    const length = (bytes[pos + 2]! << 8) | bytes[pos + 3]!;
    if (length < 2) break;
    pos += 2 + length;
    if (marker === 0xda) {
      scans++;
      // Entropy-coded data: skip to the next marker that is not a stuffed 0x00 or a restart marker.
      while (pos + 1 < end) {
        if (bytes[pos] === 0xff) {
          const next = bytes[pos + 1]!;
          if (next !== 0x00 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) break;
        }
        pos++;
      }
    }
  }
  return { scans };
}
