/**
 * The real-weights pipeline end to end, on a generated Keras file with the real file's layer names and
 * shapes (the real one needs internet): .h5 -> fp32 ONNX and -> int8 ONNX, as `npm run model:build` does.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKerasVgg16H5 } from '../../tools/convert/keras-h5-fixture.ts';
import { buildModel, buildModelAsync, type BuiltModel } from '../../tools/model/model-manifest.ts';
import { findRecipe, KERAS_VGG16_WEIGHTS_FILE, MODEL_RECIPES, type Vgg16Recipe } from '../../tools/model/recipes.ts';
import { syntheticCaffeInput } from '../../tools/model/synthetic.ts';
import { narrowBlocks } from '../../tools/model/vgg16.ts';

// The narrow twin of vgg16-imagenet(-int8): same code path, a 64-d model that builds in a second.
const narrow = (id: string): Vgg16Recipe => {
  const recipe = findRecipe(id) as Vgg16Recipe;
  return { ...recipe, id: `${id}-narrow-test`, config: { ...recipe.config, blocks: narrowBlocks(8) } };
};
const SYNTHETIC_NARROW = findRecipe('vgg16-narrow-synthetic') as Vgg16Recipe & { weights: { seed: number } };

async function run(built: BuiltModel, input: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(built.serialized.model, {
    externalData: built.serialized.dataFiles.map((f) => ({ path: f.path, data: f.bytes })),
    intraOpNumThreads: 1,
  });
  const out = await session.run({ input: new ort.Tensor('float32', input, built.manifest.input.shape) });
  await session.release();
  return out.features!.data as Float32Array;
}

describe('vgg16-imagenet recipes from a Keras .h5', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'imagenet-build-'));
    const file = join(root, KERAS_VGG16_WEIGHTS_FILE);
    await mkdir(dirname(file), { recursive: true });
    // The same seeded weights as vgg16-narrow-synthetic, written as Keras would have.
    await writeKerasVgg16H5(file, { config: SYNTHETIC_NARROW.config, seed: SYNTHETIC_NARROW.weights.seed, flavor: 'keras1' });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('are registered and read Keras weights', () => {
    for (const id of ['vgg16-imagenet', 'vgg16-imagenet-int8']) {
      const recipe = MODEL_RECIPES.find((r) => r.id === id);
      expect(recipe).toMatchObject({ kind: 'vgg16', weights: { kind: 'keras-h5', file: KERAS_VGG16_WEIGHTS_FILE } });
    }
  });

  it('fp32: the .h5 gives the same weight bytes as the weights it was written from', async () => {
    const fromH5 = await buildModelAsync(narrow('vgg16-imagenet'), {}, root);
    const direct = buildModel(SYNTHETIC_NARROW);
    expect(fromH5.manifest).toMatchObject({ weights: 'imagenet', quantization: 'fp32', dims: 64 });
    expect(fromH5.manifest.externalData.map((f) => f.sha256)).toEqual(direct.manifest.externalData.map((f) => f.sha256));
    const input = syntheticCaffeInput(224, 224, 7);
    expect(Array.from(await run(fromH5, input))).toEqual(Array.from(await run(direct, input)));
  });

  it('int8: quantised from the .h5, close to fp32', async () => {
    const int8 = await buildModelAsync(narrow('vgg16-imagenet-int8'), {}, root);
    const fp32 = await buildModelAsync(narrow('vgg16-imagenet'), {}, root);
    expect(int8.manifest.quantization).toBe('int8');
    const int8Bytes = int8.serialized.dataFiles.reduce((n, f) => n + f.bytes.byteLength, int8.serialized.model.byteLength);
    const fp32Bytes = fp32.serialized.dataFiles.reduce((n, f) => n + f.bytes.byteLength, fp32.serialized.model.byteLength);
    expect(int8Bytes).toBeLessThan(0.3 * fp32Bytes);
    const input = syntheticCaffeInput(224, 224, 3);
    const [a, b] = [await run(int8, input), await run(fp32, input)];
    let dot = 0,
      na = 0,
      nb = 0;
    for (let i = 0; i < a.length; i++) (dot += a[i]! * b[i]!), (na += a[i]! ** 2), (nb += b[i]! ** 2);
    expect(dot / Math.sqrt(na * nb)).toBeGreaterThan(0.99);
  });

  it('without the weights file, says how to get it', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'imagenet-none-'));
    try {
      await expect(buildModelAsync(findRecipe('vgg16-imagenet'), {}, empty)).rejects.toThrow(/npm run model:fetch/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
