/**
 * @module The models this repository can build, by id. A recipe is everything that determines the bytes:
 * graph configuration, weight source and seed. Change any of it and bump `version`.
 */
import type { PreprocessSpec } from '../../src/core/model/manifest.ts';
import { narrowBlocks, VGG16_CONFIG, type Vgg16Config } from './vgg16.ts';

/** Keras `vgg16.preprocess_input` ("caffe" mode) after `load_img(target_size=(224, 224))`. */
export const KERAS_CAFFE_PREPROCESS: PreprocessSpec = {
  height: 224,
  width: 224,
  resample: 'nearest',
  channelOrder: 'BGR',
  scale: 1,
  mean: [103.939, 116.779, 123.68],
  std: [1, 1, 1],
  layout: 'NHWC',
};

export interface ModelRecipe {
  readonly id: string;
  readonly version: string;
  readonly architecture: string;
  readonly description: string;
  readonly config: Vgg16Config;
  readonly weights: { readonly kind: 'synthetic'; readonly seed: number };
}

const SEED = 20261128;

export const MODEL_RECIPES: readonly ModelRecipe[] = [
  {
    id: 'vgg16-synthetic',
    version: '1',
    architecture: 'vgg16',
    description:
      "Keras VGG16(include_top=False, pooling='avg') conv base, 224x224 NHWC caffe-preprocessed input, 512-d output; " +
      'deterministic synthetic He-uniform weights (not ImageNet): for timing and plumbing, not for similarity.',
    config: VGG16_CONFIG,
    weights: { kind: 'synthetic', seed: SEED },
  },
  {
    id: 'vgg16-narrow-synthetic',
    version: '1',
    architecture: 'vgg16-narrow8',
    description:
      'VGG16 conv base with every width divided by 8 (8,8|16,16|32x3|64x3|64x3), 224x224 NHWC caffe-preprocessed ' +
      'input, 64-d output; deterministic synthetic He-uniform weights: a fast stand-in for tests.',
    config: { ...VGG16_CONFIG, blocks: narrowBlocks(8) },
    weights: { kind: 'synthetic', seed: SEED },
  },
];

export function findRecipe(id: string): ModelRecipe {
  const recipe = MODEL_RECIPES.find((r) => r.id === id);
  if (recipe === undefined) {
    throw new Error(`unknown model ${JSON.stringify(id)}; known: ${MODEL_RECIPES.map((r) => r.id).join(', ')}`);
  }
  return recipe;
}
