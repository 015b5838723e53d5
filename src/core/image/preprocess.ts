/**
 * @module RGB image -> model input tensor, as the model manifest's PreprocessSpec says.
 *
 * value = (pixel * scale - mean[c]) / std[c], each step rounded to float32 as NumPy does on a float32
 * array (Keras `preprocess_input`), so caffe mode gives exactly float32(pixel) - float32(mean). The 3 x 256
 * possible values are tabulated once per call; the pixel loop is then table lookups only.
 */

import type { PreprocessSpec } from '../model/manifest.ts';
import { resizeRgb } from './resize.ts';
import type { RgbImage } from './types.ts';

const f32 = Math.fround;

/** lut[c * 256 + v]: the tensor value for byte v in output channel c (channels in `spec.channelOrder`). */
function valueTable(spec: PreprocessSpec): Float32Array {
  const lut = new Float32Array(3 * 256);
  const scale = f32(spec.scale);
  for (let c = 0; c < 3; c++) {
    const mean = f32(spec.mean[c]!);
    const std = f32(spec.std[c]!);
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = f32(f32(f32(v * scale) - mean) / std);
  }
  return lut;
}

function checkSpec(spec: PreprocessSpec): void {
  if (!Number.isInteger(spec.width) || !Number.isInteger(spec.height) || spec.width <= 0 || spec.height <= 0) {
    throw new RangeError(`preprocess size must be positive integers, got ${spec.height}x${spec.width}`);
  }
  if (spec.mean.length !== 3 || spec.std.length !== 3 || spec.std.some((s) => s === 0)) {
    throw new RangeError('preprocess mean and std need 3 values each, std non-zero');
  }
  if (spec.channelOrder !== 'RGB' && spec.channelOrder !== 'BGR') {
    throw new RangeError(`unknown channel order ${String(spec.channelOrder)}`);
  }
  if (spec.layout !== 'NHWC' && spec.layout !== 'NCHW') {
    throw new RangeError(`unknown layout ${String(spec.layout)}`);
  }
}

/**
 * Resizes `img` to spec.height x spec.width with spec.resample (unless it already has that size: the embed
 * path's `decodeForModel` output does, so nothing is resized twice; tools may pass a whole image) and returns the 1 x H x W x 3 (NHWC) or 1 x 3 x H x W (NCHW) float32 tensor data.
 */
export function toTensor(img: RgbImage, spec: PreprocessSpec): Float32Array {
  checkSpec(spec);
  const { width, height } = spec;
  const sized = img.width === width && img.height === height ? img : resizeRgb(img, width, height, spec.resample);
  const src = sized.data;
  const lut = valueTable(spec);
  const pixels = width * height;
  const out = new Float32Array(pixels * 3);
  // Source channel feeding output channel c: RGB keeps it, BGR reverses it.
  const bgr = spec.channelOrder === 'BGR';
  const s0 = bgr ? 2 : 0;
  const s2 = bgr ? 0 : 2;
  if (spec.layout === 'NHWC') {
    for (let i = 0, p = 0; i < pixels; i++, p += 3) {
      out[p] = lut[src[p + s0]!]!;
      out[p + 1] = lut[256 + src[p + 1]!]!;
      out[p + 2] = lut[512 + src[p + s2]!]!;
    }
  } else {
    for (let i = 0, p = 0; i < pixels; i++, p += 3) {
      out[i] = lut[src[p + s0]!]!;
      out[pixels + i] = lut[256 + src[p + 1]!]!;
      out[2 * pixels + i] = lut[512 + src[p + s2]!]!;
    }
  }
  return out;
}
