/**
 * Re-encodes a PNG as an indexed (palette) PNG of at most 256 colours chosen by median cut, so a
 * screenshot with photos in it stays small enough for a README (~2-3x smaller, no dithering).
 */
import { pngFile } from '../png-file.ts';
import { openPngRows } from '../../src/core/image/png/index.ts';
import { readAllRows } from '../../src/core/image/rows.ts';

type Box = { colors: number[]; counts: number[] };

/** 15-bit colour key: 5 bits per channel. */
const key = (r: number, g: number, b: number) => ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
const channel = (k: number, c: 0 | 1 | 2) => (((k >> (10 - 5 * c)) & 31) << 3) | 4;

function medianCut(histogram: Uint32Array, size: number): number[][] {
  const colors: number[] = [];
  const counts: number[] = [];
  histogram.forEach((count, k) => {
    if (count > 0) {
      colors.push(k);
      counts.push(count);
    }
  });
  const boxes: Box[] = [{ colors, counts }];
  /** The channel with the largest squared error in a box, that error, and the channel's weighted mean. */
  const spread = (box: Box) => {
    let best = { channel: 0 as 0 | 1 | 2, error: 0, mean: 0 };
    for (const c of [0, 1, 2] as const) {
      let n = 0;
      let sum = 0;
      let squares = 0;
      box.colors.forEach((k, i) => {
        const v = channel(k, c);
        const w = box.counts[i]!;
        n += w;
        sum += v * w;
        squares += v * v * w;
      });
      const error = squares - (sum * sum) / n;
      if (error > best.error) best = { channel: c, error, mean: sum / n };
    }
    return best;
  };
  // Variance-based median cut: split the box with the largest squared error at its mean.
  const spreads = boxes.map(spread);
  while (boxes.length < size) {
    let best = -1;
    spreads.forEach((s, i) => {
      if (boxes[i]!.colors.length > 1 && s.error > 0 && (best < 0 || s.error > spreads[best]!.error)) best = i;
    });
    if (best < 0) break;
    const box = boxes[best]!;
    const { channel: c, mean } = spreads[best]!;
    const left: Box = { colors: [], counts: [] };
    const right: Box = { colors: [], counts: [] };
    box.colors.forEach((k, i) => {
      const side = channel(k, c) <= mean ? left : right;
      side.colors.push(k);
      side.counts.push(box.counts[i]!);
    });
    if (left.colors.length === 0 || right.colors.length === 0) {
      spreads[best] = { ...spreads[best]!, error: 0 };
      continue;
    }
    boxes.splice(best, 1, left, right);
    spreads.splice(best, 1, spread(left), spread(right));
  }
  return boxes.map((box) => {
    const sum = [0, 0, 0];
    let n = 0;
    box.colors.forEach((k, i) => {
      const w = box.counts[i]!;
      for (const c of [0, 1, 2] as const) sum[c]! += channel(k, c) * w;
      n += w;
    });
    return sum.map((s) => Math.round(s / n));
  });
}

export async function paletteOf(png: Uint8Array, colors = 256): Promise<Buffer> {
  const { width, height, data } = readAllRows(openPngRows(png));
  const histogram = new Uint32Array(1 << 15);
  for (let i = 0; i < data.length; i += 3) histogram[key(data[i]!, data[i + 1]!, data[i + 2]!)]!++;
  const palette = medianCut(histogram, colors);
  // Nearest palette entry for every 15-bit colour that occurs.
  const lookup = new Uint8Array(1 << 15);
  histogram.forEach((count, k) => {
    if (!count) return;
    let best = 0;
    let bestDistance = Infinity;
    palette.forEach((p, i) => {
      const d = (p[0]! - channel(k, 0)) ** 2 + (p[1]! - channel(k, 1)) ** 2 + (p[2]! - channel(k, 2)) ** 2;
      if (d < bestDistance) [best, bestDistance] = [i, d];
    });
    lookup[k] = best;
  });
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0; // filter: none (best for indexed images)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[y * (width + 1) + 1 + x] = lookup[key(data[i]!, data[i + 1]!, data[i + 2]!)]!;
    }
  }
  return pngFile(width, height, 3, raw, { palette: Uint8Array.from(palette.flat()), level: 9 });
}
