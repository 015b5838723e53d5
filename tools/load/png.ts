/** @module Small distinct PNGs for load runs: a 64x64 RGB image of seeded random pixels, one per number. */
import { mulberry32 } from '../../src/core/util/random.ts';
import { pngFile } from '../png-file.ts';

/** The PNG of number `n`: the same bytes for the same n, a different image for every n. */
export function randomPngOf(n: number): Buffer {
  const side = 64;
  const rng = mulberry32(0x9e37 + n);
  const raw = Buffer.alloc((side * 3 + 1) * side);
  for (let i = 0; i < raw.length; i++) raw[i] = i % (side * 3 + 1) === 0 ? 0 : rng.nextU32() & 0xff;
  return pngFile(side, side, 2, raw);
}
