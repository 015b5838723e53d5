/** Seeded synthetic data for the learning tests: Gaussian blobs around random centres. */

import { mulberry32 } from '../../../src/core/util/random.ts';

/** Standard normal draws (Box-Muller over mulberry32). */
export function gaussian(seed: number): () => number {
  const next = mulberry32(seed).next;
  return () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

export interface Blobs {
  data: Float32Array;
  labels: string[];
  truth: Int32Array;
  dims: number;
}

/** `sizes[c]` points around centre c (centres ~ N(0, 1) per dim, scaled by `spread`), noise sd `noise`. */
export function blobs(sizes: number[], dims: number, noise: number, seed: number, spread = 1): Blobs {
  const draw = gaussian(seed);
  const centres = sizes.map(() => Float32Array.from({ length: dims }, () => draw() * spread));
  const n = sizes.reduce((a, b) => a + b, 0);
  const data = new Float32Array(n * dims);
  const labels: string[] = [];
  const truth = new Int32Array(n);
  let i = 0;
  sizes.forEach((size, c) => {
    for (let s = 0; s < size; s++, i++) {
      for (let t = 0; t < dims; t++) data[i * dims + t] = centres[c]![t]! + draw() * noise;
      labels.push(`class-${c}`);
      truth[i] = c;
    }
  });
  return { data, labels, truth, dims };
}

/** Symmetric int8 quantisation per row (as the KV store's codes): code = round(x / scale), scale = max|x| / 127. */
export function quantise(data: Float32Array, dims: number): { codes: Int8Array; scales: Float32Array } {
  const n = data.length / dims;
  const codes = new Int8Array(data.length);
  const scales = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let top = 0;
    for (let t = 0; t < dims; t++) top = Math.max(top, Math.abs(data[i * dims + t]!));
    const scale = top > 0 ? top / 127 : 1;
    scales[i] = scale;
    for (let t = 0; t < dims; t++) codes[i * dims + t] = Math.round(data[i * dims + t]! / scale);
  }
  return { codes, scales };
}
