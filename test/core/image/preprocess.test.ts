import { describe, expect, it } from 'vitest';
import { toTensor, type RgbImage } from '../../../src/core/image/index.ts';
import type { PreprocessSpec } from '../../../src/core/model/manifest.ts';

/** Keras VGG16 preprocess_input ("caffe"): BGR, mean in BGR order, no scaling, NHWC. */
const CAFFE: PreprocessSpec = {
  height: 1,
  width: 2,
  resample: 'nearest',
  channelOrder: 'BGR',
  scale: 1,
  mean: [103.939, 116.779, 123.68],
  std: [1, 1, 1],
  layout: 'NHWC',
};

const TWO: RgbImage = { width: 2, height: 1, data: Uint8Array.from([10, 20, 30, 255, 0, 128]) };
const f32 = Math.fround;

describe('toTensor', () => {
  it('caffe mode: BGR minus the mean, each value as NumPy float32 computes it', () => {
    const t = toTensor(TWO, CAFFE);
    expect(t).toBeInstanceOf(Float32Array);
    expect(t.length).toBe(6);
    // float32(pixel) - float32(mean), rounded to float32 (numpy: float32 array -= python float).
    const expected = [
      f32(30 - f32(103.939)),
      f32(20 - f32(116.779)),
      f32(10 - f32(123.68)),
      f32(128 - f32(103.939)),
      f32(0 - f32(116.779)),
      f32(255 - f32(123.68)),
    ];
    expect(Array.from(t)).toEqual(expected);
    // ...which is the obvious arithmetic to float32 precision.
    const plain = [30 - 103.939, 20 - 116.779, 10 - 123.68, 128 - 103.939, -116.779, 255 - 123.68];
    plain.forEach((v, i) => expect(t[i]).toBeCloseTo(v, 4));
    expect(t[5]).toBe(131.32000732421875);
  });

  it('NCHW holds the same values as NHWC, channel planes first', () => {
    const img: RgbImage = {
      width: 3,
      height: 2,
      data: Uint8Array.from({ length: 18 }, (_, i) => (i * 41) & 0xff),
    };
    const nhwc = toTensor(img, { ...CAFFE, width: 3, height: 2 });
    const nchw = toTensor(img, { ...CAFFE, width: 3, height: 2, layout: 'NCHW' });
    expect(nchw).not.toEqual(nhwc);
    for (let i = 0; i < 6; i++) for (let c = 0; c < 3; c++) expect(nchw[c * 6 + i]).toBe(nhwc[i * 3 + c]);
    // Plane 0 is blue in BGR: pixel 0's blue byte is data[2].
    expect(nchw[0]).toBe(f32(img.data[2]! - f32(103.939)));
  });

  it('RGB order with scale and std (torchvision-style)', () => {
    const spec: PreprocessSpec = {
      ...CAFFE,
      channelOrder: 'RGB',
      scale: 1 / 255,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    };
    const t = toTensor(TWO, spec);
    const rgb = [10, 20, 30, 255, 0, 128];
    rgb.forEach((p, i) => expect(t[i]).toBeCloseTo((p / 255 - spec.mean[i % 3]!) / spec.std[i % 3]!, 5));
  });

  it('resizes with the spec resample mode when the size differs, not when it matches', () => {
    // 4x2 -> 2x1 nearest picks source (1, 1) and (3, 1).
    const img: RgbImage = { width: 4, height: 2, data: Uint8Array.from({ length: 24 }, (_, i) => i) };
    const zero: PreprocessSpec = { ...CAFFE, channelOrder: 'RGB', mean: [0, 0, 0] };
    expect(Array.from(toTensor(img, zero))).toEqual([15, 16, 17, 21, 22, 23]);
    const same = toTensor(img, { ...zero, width: 4, height: 2 });
    expect(Array.from(same)).toEqual(Array.from(img.data));
    const bilinear = toTensor(img, { ...zero, resample: 'bilinear' });
    expect(Array.from(bilinear)).not.toEqual([15, 16, 17, 21, 22, 23]);
  });

  it('a 224x224 caffe tensor has 150528 values and is fast', () => {
    const img: RgbImage = { width: 451, height: 300, data: new Uint8Array(451 * 300 * 3).fill(200) };
    const spec = { ...CAFFE, width: 224, height: 224 };
    toTensor(img, spec);
    const started = performance.now();
    const t = toTensor(img, spec);
    expect(performance.now() - started).toBeLessThan(50);
    expect(t.length).toBe(224 * 224 * 3);
    expect(t[150527]).toBe(f32(200 - f32(123.68)));
  });

  it('rejects a spec it cannot honour', () => {
    expect(() => toTensor(TWO, { ...CAFFE, std: [1, 0, 1] })).toThrow(RangeError);
    expect(() => toTensor(TWO, { ...CAFFE, width: 0 })).toThrow(RangeError);
  });
});
