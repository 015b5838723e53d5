/**
 * The graph means what Keras means: a small VGG variant (odd, non-square input; a different width for every
 * conv, so in/out or H/W mix-ups change shapes or values) run by onnxruntime-node must match a naive float64
 * reference written straight from the Keras layer definitions, using the Keras HWIO kernels as stored.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../tools/model/files.ts';
import { serializeModel } from '../../tools/model/onnx-writer.ts';
import { syntheticCaffeInput, syntheticVgg16Weights } from '../../tools/model/synthetic.ts';
import {
  buildVgg16Graph,
  hwioToOihw,
  vgg16Dims,
  vgg16Layers,
  vgg16Macs,
  vgg16ParamCount,
  VGG16_CONFIG,
  type Vgg16Config,
} from '../../tools/model/vgg16.ts';
import { fp32Tolerance, maxAbs, maxAbsDiff, runOrtNode, withTempDir } from './helpers.ts';
import { referenceVgg } from './reference-vgg.ts';

// 53x75 -> pools to 26x37, 13x18, 6x9, 3x4, 1x2: odd sizes exercise the floor of 'valid' pooling.
const SMALL: Vgg16Config = {
  blocks: [
    [3, 5],
    [4, 6],
    [5, 3, 7],
    [6, 4, 5],
    [7, 5, 6],
  ],
  height: 53,
  width: 75,
};

describe('hwioToOihw', () => {
  it('moves each Keras (kh, kw, in, out) element to ONNX (out, in, kh, kw)', () => {
    const [kh, kw, cin, cout] = [3, 2, 4, 5]; // all different, so any index mix-up lands elsewhere
    const hwio = new Float32Array(kh * kw * cin * cout).map((_, i) => i);
    const oihw = hwioToOihw(hwio, kh, kw, cin, cout);
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let i = 0; i < cin; i++)
          for (let o = 0; o < cout; o++) {
            expect(oihw[((o * cin + i) * kh + y) * kw + x]).toBe(hwio[((y * kw + x) * cin + i) * cout + o]);
          }
    expect(() => hwioToOihw(hwio, 3, 3, cin, cout)).toThrow(/expected/);
  });
});

describe('VGG16 shapes and counts', () => {
  it('matches Keras VGG16 notop: 14,714,688 parameters, 15.35 GMAC, 512-d', () => {
    expect(vgg16ParamCount(VGG16_CONFIG)).toBe(14_714_688);
    expect(vgg16Macs(VGG16_CONFIG)).toBe(15_346_630_656);
    expect(vgg16Dims(VGG16_CONFIG)).toBe(512);
    const layers = vgg16Layers(VGG16_CONFIG);
    expect(layers.map((l) => l.name)).toEqual([
      'block1_conv1',
      'block1_conv2',
      'block2_conv1',
      'block2_conv2',
      'block3_conv1',
      'block3_conv2',
      'block3_conv3',
      'block4_conv1',
      'block4_conv2',
      'block4_conv3',
      'block5_conv1',
      'block5_conv2',
      'block5_conv3',
    ]);
    expect(layers.map((l) => l.height)).toEqual([224, 224, 112, 112, 56, 56, 56, 28, 28, 28, 14, 14, 14]);
  });

  it('rejects an input too small for five pools and weights of the wrong shape', () => {
    expect(() => vgg16Layers({ ...SMALL, height: 16 })).toThrow(/too small/);
    const weights = syntheticVgg16Weights(SMALL, 1);
    const w = weights.get('block2_conv1')!;
    weights.set('block2_conv1', { kernel: w.kernel, bias: new Float32Array(3) });
    expect(() => buildVgg16Graph(SMALL, weights)).toThrow(/bias/);
  });
});

describe('graph semantics against a direct-loop reference', () => {
  it('onnxruntime-node equals the float64 reference on a small non-square variant', async () => {
    const weights = syntheticVgg16Weights(SMALL, 7);
    const input = syntheticCaffeInput(SMALL.height, SMALL.width, 3);
    const serialized = serializeModel({ graph: buildVgg16Graph(SMALL, weights) }, { maxFileBytes: 8192, alignment: 64 });
    expect(serialized.dataFiles.length).toBeGreaterThan(1); // several data files on the way, too

    const got = await withTempDir(async (dir) => {
      await writeFileAtomic(join(dir, 'model.onnx'), serialized.model);
      for (const f of serialized.dataFiles) await writeFileAtomic(join(dir, f.path), f.bytes);
      return runOrtNode(join(dir, 'model.onnx'), input, [1, SMALL.height, SMALL.width, 3]);
    });
    expect(got.dims).toEqual([1, 6]);
    const ort = got.data as Float32Array;
    const ref = referenceVgg(input, SMALL.height, SMALL.width, SMALL.blocks, weights);
    const scale = maxAbs(ref);
    // Not a trivially dead network: most outputs are non-zero and they differ from each other.
    expect(ref.filter((v) => v > 0).length).toBeGreaterThanOrEqual(4);
    expect(new Set(ref).size).toBeGreaterThanOrEqual(4);
    const diff = maxAbsDiff(ort, ref);
    console.log(`small VGG: max |ort - ref| = ${diff.toExponential(2)}, max |ref| = ${scale.toFixed(3)}`);
    expect(diff).toBeLessThan(fp32Tolerance(scale));

    // The comparison is sharp enough to see the mistakes it guards against.
    const flipped = referenceVgg(input, SMALL.height, SMALL.width, SMALL.blocks, weights, { flipKernel: true });
    const nchw = referenceVgg(input, SMALL.height, SMALL.width, SMALL.blocks, weights, { inputAsNchw: true });
    expect(maxAbsDiff(ort, flipped)).toBeGreaterThan(1e-2 * scale);
    expect(maxAbsDiff(ort, nchw)).toBeGreaterThan(1e-2 * scale);
  });
});
