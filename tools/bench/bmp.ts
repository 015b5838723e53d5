/** @module A 224x224 photo as an uncompressed BMP: the same pixels as the photo at next to no decoding cost. */
import type { RgbImage } from '../../src/core/image/types.ts';

/** An uncompressed 24-bit BMP: decoding it costs next to nothing. */
export function toBmp(image: RgbImage): Uint8Array<ArrayBuffer> {
  const stride = Math.ceil((image.width * 3) / 4) * 4;
  const out = new Uint8Array(54 + stride * image.height);
  const view = new DataView(out.buffer);
  out.set([0x42, 0x4d]);
  view.setUint32(2, out.length, true);
  view.setUint32(10, 54, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, image.width, true);
  view.setInt32(22, -image.height, true); // top-down rows
  view.setUint16(26, 1, true);
  view.setUint16(28, 24, true);
  view.setUint32(34, stride * image.height, true);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 3;
      out.set([image.data[i + 2]!, image.data[i + 1]!, image.data[i]!], 54 + y * stride + x * 3);
    }
  }
  return out;
}
