/**
 * @module The models this repository can build, by id. A recipe is everything that determines the bytes:
 * graph configuration, weight source and seed. Change any of it and bump `version`.
 */
import type { PreprocessSpec } from '../../src/core/model/manifest.ts';
import { MOBILENET_V2_NSFWJS_DESCRIPTION } from '../convert/mobilenet-v2-nsfwjs.ts';
import type { CalibrationOptions } from './calibrate.ts';
import { RECOMMENDED_INT8, type QuantGraphOptions } from './quantize.ts';
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

interface RecipeBase {
  readonly id: string;
  readonly version: string;
  readonly architecture: string;
  readonly description: string;
}

/** Where a VGG16's weights come from: generated here, or Keras's own `.h5` (fetched by `npm run model:fetch`). */
export type Vgg16WeightSource =
  | { readonly kind: 'synthetic'; readonly seed: number }
  | { readonly kind: 'keras-h5'; readonly file: string };

export interface Vgg16Recipe extends RecipeBase {
  readonly kind: 'vgg16';
  readonly config: Vgg16Config;
  readonly weights: Vgg16WeightSource;
  /**
   * Static int8 quantisation of those weights (quantize.ts), calibrated on the images in
   * models/calibration/ (pinned by their manifest.json); absent for an fp32 model.
   */
  readonly quantization?: RecipeQuantization;
}

/** MobileNetV2-1.4's ImageNet feature layers, converted at build time from the installed `nsfwjs` package. */
export interface MobilenetNsfwjsRecipe extends RecipeBase {
  readonly kind: 'mobilenet-v2-nsfwjs';
}

export type ModelRecipe = Vgg16Recipe | MobilenetNsfwjsRecipe;

/** Keras's conv-base weights file, as `npm run model:fetch` saves it. */
export const KERAS_VGG16_WEIGHTS_FILE = 'models/weights/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5';

export interface RecipeQuantization {
  readonly calibration: CalibrationOptions;
  readonly graph: Omit<QuantGraphOptions, 'name' | 'docString'>;
}

/** Pinned here so that a change of the recommendation shows up as a changed build (then bump `version`). */
export const INT8_QUANTIZATION: RecipeQuantization = RECOMMENDED_INT8;

const SEED = 20261128;

const KERAS_DESCRIPTION =
  "Keras VGG16(weights='imagenet', include_top=False, pooling='avg'): the real ImageNet weights converted from " +
  "Keras's vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5, 224x224 NHWC caffe-preprocessed input, 512-d output";

export const MODEL_RECIPES: readonly ModelRecipe[] = [
  {
    kind: 'vgg16',
    id: 'vgg16-imagenet',
    version: '1',
    architecture: 'vgg16',
    description: `${KERAS_DESCRIPTION}; fp32.`,
    config: VGG16_CONFIG,
    weights: { kind: 'keras-h5', file: KERAS_VGG16_WEIGHTS_FILE },
  },
  {
    kind: 'vgg16',
    id: 'vgg16-imagenet-int8',
    version: '1',
    architecture: 'vgg16',
    description:
      `${KERAS_DESCRIPTION}; statically quantised to int8 (per-channel int8 weights, uint8 activations calibrated ` +
      'on models/calibration, QLinearConv, blocks 1-3 strip-mined).',
    config: VGG16_CONFIG,
    weights: { kind: 'keras-h5', file: KERAS_VGG16_WEIGHTS_FILE },
    quantization: INT8_QUANTIZATION,
  },
  {
    kind: 'mobilenet-v2-nsfwjs',
    id: 'mobilenet-v2-1.4-nsfwjs',
    version: '1',
    architecture: 'mobilenet-v2-1.4',
    description: MOBILENET_V2_NSFWJS_DESCRIPTION,
  },
  {
    kind: 'vgg16',
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
    kind: 'vgg16',
    id: 'vgg16-narrow-synthetic',
    version: '1',
    architecture: 'vgg16-narrow8',
    description:
      'VGG16 conv base with every width divided by 8 (8,8|16,16|32x3|64x3|64x3), 224x224 NHWC caffe-preprocessed ' +
      'input, 64-d output; deterministic synthetic He-uniform weights: a fast stand-in for tests.',
    config: { ...VGG16_CONFIG, blocks: narrowBlocks(8) },
    weights: { kind: 'synthetic', seed: SEED },
  },
  {
    kind: 'vgg16',
    id: 'vgg16-synthetic-int8',
    version: '1',
    architecture: 'vgg16',
    description:
      "Keras VGG16(include_top=False, pooling='avg') conv base, 224x224 NHWC caffe-preprocessed input, 512-d output; " +
      'the vgg16-synthetic weights statically quantised to int8 (per-channel symmetric int8 weights, uint8 activations ' +
      'calibrated on models/calibration, QLinearConv, blocks 1-3 strip-mined): for timing and plumbing, not for similarity.',
    config: VGG16_CONFIG,
    weights: { kind: 'synthetic', seed: SEED },
    quantization: INT8_QUANTIZATION,
  },
  {
    kind: 'vgg16',
    id: 'vgg16-narrow-synthetic-int8',
    version: '1',
    architecture: 'vgg16-narrow8',
    description:
      'VGG16 conv base with every width divided by 8, 224x224 NHWC caffe-preprocessed input, 64-d output; the ' +
      'vgg16-narrow-synthetic weights statically quantised to int8 like vgg16-synthetic-int8: a fast stand-in for tests.',
    config: { ...VGG16_CONFIG, blocks: narrowBlocks(8) },
    weights: { kind: 'synthetic', seed: SEED },
    quantization: INT8_QUANTIZATION,
  },
];

export function findRecipe(id: string): ModelRecipe {
  const recipe = MODEL_RECIPES.find((r) => r.id === id);
  if (recipe === undefined) {
    throw new Error(`unknown model ${JSON.stringify(id)}; known: ${MODEL_RECIPES.map((r) => r.id).join(', ')}`);
  }
  return recipe;
}

/** A VGG16 recipe with generated weights (tests and benchmarks build these). */
export function findSyntheticVgg16(id: string): Vgg16Recipe & { readonly weights: { kind: 'synthetic'; seed: number } } {
  const recipe = findRecipe(id);
  if (recipe.kind !== 'vgg16' || recipe.weights.kind !== 'synthetic') throw new Error(`${id} is not a synthetic VGG16 recipe`);
  return recipe as Vgg16Recipe & { readonly weights: { kind: 'synthetic'; seed: number } };
}

/** True when this machine can build the recipe without downloading anything. */
export function buildableOffline(recipe: ModelRecipe): boolean {
  return !(recipe.kind === 'vgg16' && recipe.weights.kind === 'keras-h5');
}
