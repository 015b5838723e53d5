/**
 * @module Deterministic synthetic VGG16 weights, in Keras layout (HWIO kernels).
 *
 * Kernels: He-uniform, U(-g * sqrt(6 / fan_in), +g * sqrt(6 / fan_in)) with fan_in = 3 * 3 * in (Keras
 * `he_uniform`) and a gain g = 0.75 per layer. Pure He keeps activations at the input's scale through the
 * ReLUs, so caffe inputs (about +-100) gave features in the hundreds; the real ImageNet VGG16 gives features
 * of about 0-10, and the gain brings the synthetic ones to that scale so that numerical comparisons
 * (parity, quantisation error) are judged at realistic magnitudes. Biases: U(-0.1, 0.1).
 * Each layer has its own stream seeded from (seed, layer name), so layers do not depend on each other.
 * Only integer operations, exact scalings, IEEE multiply/add and Math.sqrt are used: the bytes are the
 * same on every machine.
 */
import { mulberry32, seedFromString } from '../../src/core/util/random.ts';
import { vgg16Layers, type KerasConvWeights, type Vgg16Config } from './vgg16.ts';

export const BIAS_LIMIT = 0.1;
/** Per-layer scale on the He-uniform limit (see above). */
export const KERNEL_GAIN = 0.75;

export function syntheticVgg16Weights(config: Vgg16Config, seed: number): Map<string, KerasConvWeights> {
  const weights = new Map<string, KerasConvWeights>();
  for (const layer of vgg16Layers(config)) {
    const rng = mulberry32(seedFromString(layer.name, seed));
    const fanIn = 3 * 3 * layer.inChannels;
    const limit = KERNEL_GAIN * Math.sqrt(6 / fanIn);
    const kernel = new Float32Array(3 * 3 * layer.inChannels * layer.outChannels);
    for (let i = 0; i < kernel.length; i++) kernel[i] = rng.symmetric(limit);
    const bias = new Float32Array(layer.outChannels);
    for (let i = 0; i < bias.length; i++) bias[i] = rng.symmetric(BIAS_LIMIT);
    weights.set(layer.name, { kernel, bias });
  }
  return weights;
}

/**
 * A deterministic stand-in for a caffe-preprocessed photo: NHWC [1, height, width, 3], BGR, each value an
 * integer pixel in 0..255 minus the ImageNet mean, so the scale matches real inputs. The pixels are a smooth
 * pattern that differs along rows, columns and channels (so transpositions change the result) plus noise.
 */
export function syntheticCaffeInput(height: number, width: number, seed = 1): Float32Array {
  const mean = [103.939, 116.779, 123.68];
  const rng = mulberry32(seed);
  const out = new Float32Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const base = ((y * 255) / height) * (c === 0 ? 1 : 0.3) + ((x * 255) / width) * (c === 1 ? 1 : 0.5) + c * 40;
        const pixel = Math.min(255, Math.max(0, Math.floor(base * 0.6 + (rng.nextU32() % 64))));
        out[(y * width + x) * 3 + c] = pixel - mean[c]!;
      }
    }
  }
  return out;
}
