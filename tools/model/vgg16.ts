/**
 * @module The Keras VGG16 conv base as an ONNX graph:
 * `VGG16(include_top=False, pooling='avg')` = 13 Conv3x3 'same' + ReLU in five blocks, a 2x2/2 max-pool
 * after each block, then global average pooling -> [1, C].
 *
 * The graph takes the caffe-preprocessed image (BGR minus the ImageNet mean) as NHWC float32 — the layout
 * Keras feeds — and transposes it to NCHW for ONNX. Weights come in as Keras HWIO kernels, exactly as the
 * .h5 file stores them ((3, 3, in, out)), and are transposed to ONNX OIHW here, so a converter only has
 * to read the Keras arrays. Channel widths and input size are parameters (narrow and tiny variants for
 * tests); the full model is `VGG16_BLOCKS` at 224x224.
 */
import { attr, type GraphNode, type GraphSpec, type Initializer } from './onnx-writer.ts';

/** Keras VGG16 output channels per conv, by block. */
export const VGG16_BLOCKS: readonly (readonly number[])[] = [
  [64, 64],
  [128, 128],
  [256, 256, 256],
  [512, 512, 512],
  [512, 512, 512],
];

export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'features';
const KERNEL = 3;

export interface Vgg16Config {
  /** Output channels of each conv, grouped by block; a 2x2 max-pool follows each block. */
  readonly blocks: readonly (readonly number[])[];
  readonly height: number;
  readonly width: number;
  /** Image channels (3). */
  readonly inputChannels?: number;
}

export const VGG16_CONFIG: Vgg16Config = { blocks: VGG16_BLOCKS, height: 224, width: 224 };

/** VGG16 with every width divided by `divisor` (8 gives 8,8|16,16|32x3|64x3|64x3). */
export function narrowBlocks(divisor: number): (readonly number[])[] {
  return VGG16_BLOCKS.map((block) =>
    block.map((w) => {
      if (w % divisor !== 0) throw new Error(`width ${w} is not divisible by ${divisor}`);
      return w / divisor;
    }),
  );
}

export interface ConvLayer {
  /** Keras layer name, e.g. `block1_conv1`. */
  readonly name: string;
  readonly block: number;
  readonly inChannels: number;
  readonly outChannels: number;
  /** Spatial size of the conv's input (= output, 'same' padding). */
  readonly height: number;
  readonly width: number;
}

/** A conv layer's weights as Keras stores them. */
export interface KerasConvWeights {
  /** HWIO: shape (3, 3, inChannels, outChannels), row-major. */
  readonly kernel: Float32Array;
  /** Shape (outChannels). */
  readonly bias: Float32Array;
}

/** The conv layers in order, with their shapes; checks that every max-pool has at least 2x2 to pool. */
export function vgg16Layers(config: Vgg16Config): ConvLayer[] {
  const layers: ConvLayer[] = [];
  let channels = config.inputChannels ?? 3;
  let height = config.height;
  let width = config.width;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`bad input size ${height}x${width}`);
  }
  if (config.blocks.length === 0) throw new Error('VGG needs at least one block');
  config.blocks.forEach((block, b) => {
    if (block.length === 0) throw new Error(`block ${b + 1} has no conv`);
    block.forEach((outChannels, c) => {
      if (!Number.isInteger(outChannels) || outChannels < 1) throw new Error(`bad width ${outChannels}`);
      layers.push({ name: `block${b + 1}_conv${c + 1}`, block: b + 1, inChannels: channels, outChannels, height, width });
      channels = outChannels;
    });
    if (height < 2 || width < 2) {
      throw new Error(`block${b + 1}_pool: input ${height}x${width} is too small for a 2x2 max-pool`);
    }
    height = Math.floor(height / 2); // Keras MaxPooling2D 'valid' floors
    width = Math.floor(width / 2);
  });
  return layers;
}

/** Length of the output vector: the last conv's width. */
export function vgg16Dims(config: Vgg16Config): number {
  const last = config.blocks[config.blocks.length - 1];
  const dims = last?.[last.length - 1];
  if (dims === undefined) throw new Error('VGG needs at least one conv');
  return dims;
}

/** Multiply-accumulates per image of the convolutions (pooling and bias adds not counted). */
export function vgg16Macs(config: Vgg16Config): number {
  return vgg16Layers(config).reduce((sum, l) => sum + l.height * l.width * l.inChannels * l.outChannels * KERNEL * KERNEL, 0);
}

export function vgg16ParamCount(config: Vgg16Config): number {
  return vgg16Layers(config).reduce((sum, l) => sum + l.inChannels * l.outChannels * KERNEL * KERNEL + l.outChannels, 0);
}

/** Keras HWIO (kh, kw, in, out) -> ONNX OIHW (out, in, kh, kw). */
export function hwioToOihw(kernel: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  if (kernel.length !== kh * kw * cin * cout) {
    throw new Error(`kernel has ${kernel.length} values, expected ${kh}x${kw}x${cin}x${cout}`);
  }
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        const src = ((y * kw + x) * cin + i) * cout;
        for (let o = 0; o < cout; o++) {
          out[((o * cin + i) * kh + y) * kw + x] = kernel[src + o]!;
        }
      }
    }
  }
  return out;
}

export interface Vgg16GraphOptions {
  readonly name?: string;
  readonly docString?: string;
}

/**
 * Builds the graph. `weights` maps each Keras layer name (`block1_conv1`, ...) to its HWIO kernel and bias.
 * Initializers are named `<layer>/kernel` (OIHW) and `<layer>/bias`, in layer order.
 */
export function buildVgg16Graph(
  config: Vgg16Config,
  weights: ReadonlyMap<string, KerasConvWeights>,
  options: Vgg16GraphOptions = {},
): GraphSpec {
  const layers = vgg16Layers(config);
  const inputChannels = config.inputChannels ?? 3;
  const nodes: GraphNode[] = [];
  const initializers: Initializer[] = [];

  nodes.push({
    name: 'input_to_nchw',
    opType: 'Transpose',
    inputs: [INPUT_NAME],
    outputs: ['input_nchw'],
    attributes: { perm: attr.ints([0, 3, 1, 2]) },
  });
  let current = 'input_nchw';
  const names = new Set(layers.map((l) => l.name));
  for (const key of weights.keys()) {
    if (!names.has(key)) throw new Error(`weights given for unknown layer ${key}`);
  }

  layers.forEach((layer, index) => {
    const w = weights.get(layer.name);
    if (w === undefined) throw new Error(`no weights for ${layer.name}`);
    if (w.bias.length !== layer.outChannels) {
      throw new Error(`${layer.name}: bias has ${w.bias.length} values, expected ${layer.outChannels}`);
    }
    const kernelName = `${layer.name}/kernel`;
    const biasName = `${layer.name}/bias`;
    initializers.push({
      name: kernelName,
      dims: [layer.outChannels, layer.inChannels, KERNEL, KERNEL],
      data: hwioToOihw(w.kernel, KERNEL, KERNEL, layer.inChannels, layer.outChannels),
    });
    initializers.push({ name: biasName, dims: [layer.outChannels], data: w.bias });
    nodes.push({
      name: layer.name,
      opType: 'Conv',
      inputs: [current, kernelName, biasName],
      outputs: [`${layer.name}/conv`],
      attributes: {
        kernel_shape: attr.ints([KERNEL, KERNEL]),
        pads: attr.ints([1, 1, 1, 1]), // Keras 'same' for a 3x3 kernel, stride 1
        strides: attr.ints([1, 1]),
        dilations: attr.ints([1, 1]),
        group: attr.int(1),
      },
    });
    nodes.push({ name: `${layer.name}/relu`, opType: 'Relu', inputs: [`${layer.name}/conv`], outputs: [layer.name] });
    current = layer.name;
    const next = layers[index + 1];
    if (next === undefined || next.block !== layer.block) {
      const pool = `block${layer.block}_pool`;
      nodes.push({
        name: pool,
        opType: 'MaxPool',
        inputs: [current],
        outputs: [pool],
        attributes: { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) },
      });
      current = pool;
    }
  });

  nodes.push({ name: 'global_average_pooling2d', opType: 'GlobalAveragePool', inputs: [current], outputs: ['gap'] });
  nodes.push({ name: 'flatten', opType: 'Flatten', inputs: ['gap'], outputs: [OUTPUT_NAME], attributes: { axis: attr.int(1) } });

  return {
    name: options.name ?? 'vgg16',
    ...(options.docString === undefined ? {} : { docString: options.docString }),
    inputs: [{ name: INPUT_NAME, elementType: 'float32', shape: [1, config.height, config.width, inputChannels] }],
    outputs: [{ name: OUTPUT_NAME, elementType: 'float32', shape: [1, vgg16Dims(config)] }],
    nodes,
    initializers,
  };
}
