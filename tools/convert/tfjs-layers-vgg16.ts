/**
 * @module The Keras VGG16 conv base built a second, independent way — TF.js layers API, CPU backend — as a
 * reference for the ONNX graph of tools/model/vgg16.ts: the same layers as Keras's `VGG16(include_top=
 * False, pooling='avg')` (`input_1`, `blockN_convM` Conv2D 3x3 'same' ReLU, `blockN_pool` MaxPooling2D
 * 2x2/2, `global_average_pooling2d`), the same names, the same NHWC input. Weights are set from the Keras
 * HWIO arrays as they are (TF.js and Keras share the layout), so nothing is transposed on this side.
 *
 * The CPU backend is plain JavaScript: full VGG16 at 224x224 takes tens of seconds. Node only.
 */
import * as tf from '@tensorflow/tfjs';
import { VGG16_CONFIG, vgg16Dims, vgg16Layers, type KerasConvWeights, type Vgg16Config } from '../model/vgg16.ts';
import { tfjsLayersArtifacts, writeTfjsLayersModel, type TfjsLayersArtifacts, type TfjsWeightSpec } from './tfjs-layers.ts';

export { tf };

/** Selects TF.js's pure-JS CPU backend (deterministic, no native code). */
export async function useTfjsCpuBackend(): Promise<void> {
  if (tf.getBackend() !== 'cpu') {
    const ok = await tf.setBackend('cpu');
    if (!ok) throw new Error('TF.js: the cpu backend is not available');
  }
  await tf.ready();
}

/** The conv base as a functional tf.LayersModel; with `weights`, every conv gets its Keras kernel and bias. */
export function buildTfjsVgg16(config: Vgg16Config = VGG16_CONFIG, weights?: ReadonlyMap<string, KerasConvWeights>): tf.LayersModel {
  const layers = vgg16Layers(config);
  const input = tf.input({ shape: [config.height, config.width, config.inputChannels ?? 3], name: 'input_1', dtype: 'float32' });
  let x = input;
  const convs: { layer: tf.layers.Layer; name: string; cin: number; cout: number }[] = [];
  layers.forEach((l, i) => {
    const conv = tf.layers.conv2d({
      name: l.name,
      filters: l.outChannels,
      kernelSize: 3,
      strides: 1,
      padding: 'same',
      activation: 'relu',
      useBias: true,
      dataFormat: 'channelsLast',
      kernelInitializer: 'zeros', // replaced below; zeros skip generating random numbers for 14.7M weights
    });
    x = conv.apply(x) as tf.SymbolicTensor;
    convs.push({ layer: conv, name: l.name, cin: l.inChannels, cout: l.outChannels });
    if (layers[i + 1]?.block !== l.block) {
      x = tf.layers.maxPooling2d({ name: `block${l.block}_pool`, poolSize: 2, strides: 2, padding: 'valid' }).apply(x) as tf.SymbolicTensor;
    }
  });
  const output = tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output, name: 'vgg16' });
  if (weights !== undefined) {
    for (const { layer, name, cin, cout } of convs) {
      const w = weights.get(name);
      if (w === undefined) throw new Error(`no weights for ${name}`);
      const kernel = tf.tensor4d(w.kernel, [3, 3, cin, cout]);
      const bias = tf.tensor1d(w.bias);
      layer.setWeights([kernel, bias]);
      kernel.dispose();
      bias.dispose();
    }
  }
  return model;
}

/** Runs the model on one NHWC image (caffe-preprocessed, float32); returns the pooled vector. */
export function predictTfjsVgg16(model: tf.LayersModel, input: Float32Array, config: Vgg16Config = VGG16_CONFIG): Float32Array {
  return tf
    .tidy(() => {
      const x = tf.tensor4d(input, [1, config.height, config.width, config.inputChannels ?? 3]);
      const y = model.predict(x) as tf.Tensor;
      if (y.shape.length !== 2 || y.shape[1] !== vgg16Dims(config)) throw new Error(`unexpected output shape ${JSON.stringify(y.shape)}`);
      return y.dataSync() as Float32Array;
    })
    .slice();
}

/** The model as TF.js layers artifacts (model.json + shards), via tf.io.withSaveHandler. */
export async function tfjsVgg16Artifacts(model: tf.LayersModel, shardBytes?: number): Promise<TfjsLayersArtifacts> {
  let saved: TfjsLayersArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const pieces =
        artifacts.weightData === undefined ? [] : Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData];
      const weightData = new Uint8Array(tf.io.concatenateArrayBuffers(pieces));
      saved = tfjsLayersArtifacts(
        {
          modelTopology: artifacts.modelTopology,
          weightSpecs: (artifacts.weightSpecs ?? []) as TfjsWeightSpec[],
          weightData,
          generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        },
        shardBytes,
      );
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (saved === undefined) throw new Error('TF.js did not call the save handler');
  return saved;
}

/** Saves the model as `<dir>/model.json` + shards; returns the model.json path. */
export async function saveTfjsVgg16(model: tf.LayersModel, dir: string, shardBytes?: number): Promise<string> {
  return writeTfjsLayersModel(dir, await tfjsVgg16Artifacts(model, shardBytes));
}
