/** @module A model is data: this manifest says how to feed it and what it returns. */

export interface ModelFile {
  /** File name, relative to the model's folder. */
  readonly path: string;
  readonly bytes: number;
  /** Lower-case hex sha256 of the file, checked when the model is loaded. */
  readonly sha256: string;
}

export interface PreprocessSpec {
  /** Input size the image is resized to (Keras `target_size`), height then width. */
  readonly height: number;
  readonly width: number;
  readonly resample: 'nearest' | 'bilinear';
  /** Channel order of the tensor. Keras "caffe" mode is BGR. */
  readonly channelOrder: 'RGB' | 'BGR';
  /** value = (pixel * scale - mean[c]) / std[c], with mean/std given in `channelOrder`. */
  readonly scale: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  /** Tensor layout of the model input. */
  readonly layout: 'NHWC' | 'NCHW';
}

export interface ModelManifest {
  /** Stable identifier, e.g. `vgg16-synthetic`. Vectors of different ids never mix. */
  readonly id: string;
  /** Bumped whenever weights or graph change the vectors. */
  readonly version: string;
  readonly architecture: string;
  readonly description: string;
  readonly weights: 'imagenet' | 'synthetic';
  readonly quantization: 'fp32' | 'int8';
  /** Length of the output vector. */
  readonly dims: number;
  /** Multiply-accumulates per image, for GMAC/s figures. */
  readonly macs: number;
  readonly input: { readonly name: string; readonly shape: readonly number[] };
  readonly output: { readonly name: string };
  readonly preprocess: PreprocessSpec;
  /** The ONNX graph, then its external-data files (each under the 25 MiB static-asset limit). */
  readonly graph: ModelFile;
  readonly externalData: readonly ModelFile[];
}
