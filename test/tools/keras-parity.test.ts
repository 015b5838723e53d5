/**
 * Fidelity: the ONNX graph built (tools/model/vgg16.ts) from weights read out of a Keras-layout .h5, run in
 * onnxruntime-node, against the independent TF.js layers implementation of the same Keras model (CPU
 * backend), on the same caffe-preprocessed input. Narrow widths for speed; the full-size figure comes from
 * `npx node tools/convert/keras-parity.ts` (about a minute: TF.js's CPU backend is plain JavaScript).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeKerasVgg16H5, type KerasH5Flavor } from '../../tools/convert/keras-h5-fixture.ts';
import { readKerasVgg16Weights } from '../../tools/convert/keras-h5.ts';
import { caffePreprocess, compareOnnxAndTfjs } from '../../tools/convert/keras-parity.ts';
import { syntheticCaffeInput } from '../../tools/model/synthetic.ts';
import { narrowBlocks, VGG16_CONFIG, type Vgg16Config } from '../../tools/model/vgg16.ts';
import { kerasReference } from '../setup/fixtures.ts';
import { withTempDir } from './helpers.ts';

async function parity(config: Vgg16Config, flavor: KerasH5Flavor, input: Float32Array) {
  return withTempDir(async (dir) => {
    const path = join(dir, 'weights.h5');
    await writeKerasVgg16H5(path, { config, flavor });
    return compareOnnxAndTfjs(config, await readKerasVgg16Weights(path, config), input);
  });
}

describe('ONNX (onnxruntime-node) vs TF.js layers, same Keras weights', () => {
  it('narrow VGG16, 224x224, Keras-1 file: max abs diff < 1e-4', async () => {
    const config = { ...VGG16_CONFIG, blocks: narrowBlocks(8) };
    const r = await parity(config, 'keras1', syntheticCaffeInput(224, 224));
    console.log(
      `narrow 224x224: max |onnx - tfjs| = ${r.maxAbsDiff.toExponential(2)}, max |y| = ${r.maxAbs.toFixed(2)}, cosine ${r.cosine}`,
    );
    expect(r.onnx).toHaveLength(64);
    expect(r.onnx.filter((v) => v > 0).length).toBeGreaterThan(32); // alive
    expect(r.maxAbsDiff).toBeLessThan(1e-4);
    expect(r.cosine).toBeGreaterThan(1 - 1e-9);
  });

  it('a non-square input (40x56), Keras-2 file: rows and columns are not swapped anywhere', async () => {
    const config = { blocks: narrowBlocks(8), height: 40, width: 56 };
    const r = await parity(config, 'keras2', syntheticCaffeInput(40, 56));
    expect(r.maxAbsDiff).toBeLessThan(1e-4);
  });

  it('a real photo (Keras load_img array of chelsea.png), caffe-preprocessed', async () => {
    const config = { ...VGG16_CONFIG, blocks: narrowBlocks(8) };
    const input = caffePreprocess(kerasReference('chelsea.png'), 224, 224);
    expect(Array.from(input.subarray(0, 3))).toEqual(
      Array.from(
        new Float32Array([
          kerasReference('chelsea.png')[2]! - 103.939,
          kerasReference('chelsea.png')[1]! - 116.779,
          kerasReference('chelsea.png')[0]! - 123.68,
        ]),
      ),
    );
    const r = await parity(config, 'keras2-model', input);
    expect(r.maxAbsDiff).toBeLessThan(1e-4);
  });
});
