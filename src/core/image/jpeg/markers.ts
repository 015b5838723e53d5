/** @module A linear walk over a JPEG's markers: the frame size and the number of scans, read before decoding. */

export interface JpegLayout {
  /** Start-of-scan markers seen. Progressive files have a handful; thousands mean a decompression bomb. */
  readonly scans: number;
  /** The first start-of-frame's size (any SOFn: baseline, extended, progressive, lossless, arithmetic). */
  readonly frame?: { readonly width: number; readonly height: number };
}

/** SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Reads the marker structure; stops quietly at the end of the data or at anything it cannot follow. */
export function scanJpeg(bytes: Uint8Array): JpegLayout {
  let scans = 0;
  let frame: JpegLayout['frame'];
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
    // SOFn: length, precision, height, width (big-endian).
    if (frame === undefined && isStartOfFrame(marker) && length >= 7 && pos + 8 < end) {
      frame = { height: (bytes[pos + 5]! << 8) | bytes[pos + 6]!, width: (bytes[pos + 7]! << 8) | bytes[pos + 8]! };
    }
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
  return frame ? { scans, frame } : { scans };
}
