/** @module A PNG file from filtered scanlines, for tools (load runs, the demo screenshot): signature, chunks with CRCs. */
import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Uint8Array): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(typed.length + 8);
  out.writeUInt32BE(data.length, 0);
  typed.copy(out, 4);
  out.writeUInt32BE(crc32(typed) >>> 0, typed.length + 4);
  return out;
}

/**
 * 8-bit PNG of `raw` (each row its filter byte then samples), colour type 2 (RGB) or 3 (palette, with `palette`
 * as RGB triples), deflated at `level`.
 */
export function pngFile(
  width: number,
  height: number,
  colorType: 2 | 3,
  raw: Uint8Array,
  options: { palette?: Uint8Array; level?: number } = {},
): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, colorType, 0, 0, 0], 8);
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    ...(options.palette ? [chunk('PLTE', options.palette)] : []),
    chunk('IDAT', deflateSync(raw, { level: options.level ?? 6 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
