/** @module Test helper: a copy of a JPEG with another EXIF orientation (the SHORT value of tag 0x0112 in IFD0). */

import type { ExifOrientation } from '../../../src/core/image/index.ts';

/** Same rewrite as test/fixtures/orientation/generate.py. Throws when the JPEG has no orientation tag. */
export function withOrientation(jpeg: Uint8Array, orientation: ExifOrientation): Uint8Array<ArrayBuffer> {
  const marker = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"
  let at = -1;
  for (let i = 0; i + marker.length <= jpeg.length && at < 0; i++) {
    if (marker.every((b, k) => jpeg[i + k] === b)) at = i;
  }
  if (at < 0) throw new Error('no Exif segment');
  const tiff = at + 6;
  const view = new DataView(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  const little = jpeg[tiff] === 0x49;
  const ifd = tiff + view.getUint32(tiff + 4, little);
  const count = view.getUint16(ifd, little);
  for (let k = 0; k < count; k++) {
    const entry = ifd + 2 + 12 * k;
    if (view.getUint16(entry, little) === 0x0112) {
      const out = jpeg.slice();
      new DataView(out.buffer).setUint16(entry + 8, orientation, little);
      return out;
    }
  }
  throw new Error('no orientation tag');
}
