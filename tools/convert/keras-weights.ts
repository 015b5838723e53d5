/**
 * @module Turns the weights a Keras-format source lists (an .h5 file, a TF.js layers model) into the
 * `Map<layer, KerasConvWeights>` that tools/model/vgg16.ts builds a graph from, checking every conv layer
 * of the VGG16 conv base against the shapes the configuration implies.
 *
 * Sources describe their layers lazily (names and shapes first, data on demand), so a file that also holds
 * the classifier top (fc1 alone is 25088x4096 floats) costs nothing beyond the convs: layers that are not
 * part of the conv base (input, pools, flatten, fc1, fc2, predictions, ...) are ignored.
 */
import { VGG16_CONFIG, vgg16Layers, type KerasConvWeights, type Vgg16Config } from '../model/vgg16.ts';

export interface WeightEntry {
  /** The name the source gives the array (`block1_conv1_W_1:0`, `block1_conv1/kernel:0`, ...). */
  readonly name: string;
  readonly shape: readonly number[];
  /** The stored element type, for messages (`<f`, `float32`, `uint8 (quantised)`, ...). */
  readonly dtype: string;
  /** The values as float32, row-major in `shape`. */
  read(): Float32Array;
}

export interface WeightSource {
  /** For messages: the file or model the weights come from. */
  readonly description: string;
  /** Every layer the source lists, in order. */
  readonly layerNames: readonly string[];
  /** The arrays of one listed layer, in the order the source lists them. */
  weightsOf(layer: string): readonly WeightEntry[];
}

export class KerasWeightsError extends Error {
  override name = 'KerasWeightsError';
}

const shapeText = (shape: readonly number[]): string => `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Reads and checks the 13 conv layers of `config` (VGG16 itself by default). Errors name the layer, what was
 * found and what was expected; a kernel stored (out, in, 3, 3) is recognised as Theano ordering.
 */
export function assembleVgg16Weights(source: WeightSource, config: Vgg16Config = VGG16_CONFIG): Map<string, KerasConvWeights> {
  const layers = vgg16Layers(config);
  const listed = new Set(source.layerNames);
  const missing = layers.filter((l) => !listed.has(l.name)).map((l) => l.name);
  if (missing.length > 0) {
    const shown = source.layerNames.length > 40 ? [...source.layerNames.slice(0, 40), '...'] : source.layerNames;
    throw new KerasWeightsError(
      `${source.description}: missing VGG16 layer${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ` +
        `(the source lists: ${shown.join(', ') || 'no layers'})`,
    );
  }
  const result = new Map<string, KerasConvWeights>();
  for (const layer of layers) {
    const where = `${source.description}: layer ${layer.name}`;
    const entries = source.weightsOf(layer.name);
    const list = entries.map((e) => `${e.name} ${shapeText(e.shape)}`).join(', ') || 'none';
    if (entries.length !== 2) {
      throw new KerasWeightsError(`${where}: expected 2 weights (kernel, bias), found ${entries.length}: ${list}`);
    }
    const kernel = entries.find((e) => e.shape.length === 4);
    const bias = entries.find((e) => e.shape.length === 1);
    if (kernel === undefined || bias === undefined) {
      throw new KerasWeightsError(`${where}: expected a 4-D kernel and a 1-D bias, found ${list}`);
    }
    const want = [3, 3, layer.inChannels, layer.outChannels];
    if (!sameShape(kernel.shape, want)) {
      const theano = [layer.outChannels, layer.inChannels, 3, 3];
      const hint = sameShape(kernel.shape, theano)
        ? ': this is Theano ordering (out, in, h, w); use the tf_dim_ordering weights file'
        : ': not the VGG16 conv base (or a different width)';
      throw new KerasWeightsError(
        `${where}: kernel ${kernel.name} has shape ${shapeText(kernel.shape)}, expected ${shapeText(want)} (HWIO)${hint}`,
      );
    }
    if (!sameShape(bias.shape, [layer.outChannels])) {
      throw new KerasWeightsError(
        `${where}: bias ${bias.name} has shape ${shapeText(bias.shape)}, expected ${shapeText([layer.outChannels])}`,
      );
    }
    const weights: KerasConvWeights = { kernel: readChecked(kernel, where), bias: readChecked(bias, where) };
    result.set(layer.name, weights);
  }
  return result;
}

function readChecked(entry: WeightEntry, where: string): Float32Array {
  const data = entry.read();
  const count = entry.shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new KerasWeightsError(`${where}: ${entry.name} holds ${data.length} values, its shape ${shapeText(entry.shape)} needs ${count}`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      throw new KerasWeightsError(`${where}: ${entry.name} has a non-finite value (${data[i]}) at index ${i}: the file is corrupt`);
    }
  }
  return data;
}
