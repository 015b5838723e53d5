/**
 * @module MobileNetV2 1.4 (224) image feature vector as ONNX, converted at build time from the TF.js graph
 * model `mobilenet_v2_mid` that the installed nsfwjs package (MIT) ships.
 *
 * That model is a TF-Hub `imagenet/mobilenet_v2_140_224/feature_vector` KerasLayer (frozen ImageNet
 * weights, batch norm folded into the conv biases) with nsfwjs's 5-class dense head on top; the TF.js
 * converter stored every weight uint8-quantized (per-tensor min/scale). We keep only the subgraph up to
 * `.../predict/feature_vector/SpatialSqueeze` — the 1792-d average-pooled output of the last 1x1 conv
 * (Conv_1, ReLU6) — and drop the head. The weights are the dequantized uint8 values (exactly what TF.js
 * computes with), stored as fp32: the vectors match nsfwjs/TF.js, and differ from the float TF-Hub module
 * by the quantization error.
 *
 * Input: RGB in [0, 1], NHWC [1, 224, 224, 3] (the graph's own `hub_input` maps it to [-1, 1]).
 * Output: `features`, [1, 1792].
 */
import type { ModelManifest, PreprocessSpec } from '../../src/core/model/manifest.ts';
import type { ModelSpec } from '../model/onnx-writer.ts';
import { loadNsfwjsModel, type NsfwjsModel } from './nsfwjs.ts';
import { convertTfjsGraph, decodeTfjsWeights, type ConvertedTfjsGraph, type TfjsNodeDef } from './tfjs-graph.ts';

export const MOBILENET_V2_NSFWJS_ID = 'mobilenet-v2-1.4-nsfwjs';
export const MOBILENET_V2_NSFWJS_VERSION = '1';
export const MOBILENET_V2_NSFWJS_DIMS = 1792;
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'features';

/** Name prefix of every node inside the TF-Hub KerasLayer (left out of ONNX names). */
export const HUB_PREFIX =
  'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/';

/**
 * TF-Hub image modules take RGB in [0, 1] at 224x224 and leave resizing to the caller. Bilinear (the
 * project's PIL-style, antialiased when shrinking) rather than nearest: the module was trained on
 * bilinearly resized crops (TF-slim inception preprocessing), nsfwjs itself feeds it
 * `tf.image.resizeBilinear`, and nearest sampling aliases a large photo into noise the network never saw.
 */
export const MOBILENET_V2_PREPROCESS: PreprocessSpec = {
  height: 224,
  width: 224,
  resample: 'bilinear',
  channelOrder: 'RGB',
  scale: 1 / 255,
  mean: [0, 0, 0],
  std: [1, 1, 1],
  layout: 'NHWC',
};

export type MobilenetManifestFields = Omit<ModelManifest, 'graph' | 'externalData'>;

export interface BuiltMobilenetV2Nsfwjs {
  /** For tools/model/onnx-writer.ts `serializeModel(spec, options)`. */
  readonly spec: ModelSpec;
  /** Every manifest field except the files (`graph`, `externalData`), which come from serializing `spec`. */
  readonly manifestFields: MobilenetManifestFields;
  readonly conversion: ConvertedTfjsGraph;
  /** The source the weights came from. */
  readonly source: Pick<NsfwjsModel, 'name' | 'packageVersion' | 'dir' | 'sha256'>;
}

/** The node whose value is the TF-Hub feature vector: `<...>/feature_vector/SpatialSqueeze`. */
export function findFeatureVectorNode(nodes: readonly TfjsNodeDef[]): TfjsNodeDef {
  const hits = nodes.filter((n) => /(^|\/)feature_vector\/SpatialSqueeze$/.test(n.name));
  if (hits.length !== 1) {
    throw new Error(`expected one feature_vector/SpatialSqueeze node, found ${hits.length}: ${hits.map((n) => n.name).join(', ')}`);
  }
  return hits[0]!;
}

export const MOBILENET_V2_NSFWJS_DESCRIPTION =
  'MobileNetV2 1.4 (224) image feature vector: the TF-Hub imagenet/mobilenet_v2_140_224/feature_vector layers ' +
  '(frozen ImageNet weights, uint8-quantized as shipped in the nsfwjs npm package, MIT, model mobilenet_v2_mid) ' +
  'converted from the TF.js graph to ONNX fp32 up to the global average pool; 224x224 NHWC RGB in [0, 1], 1792-d output.';

export interface MobilenetBuildOptions {
  /** Already loaded source (tests reuse one load); default: read the installed nsfwjs. */
  readonly source?: NsfwjsModel;
}

/** Converts the installed nsfwjs `mobilenet_v2_mid` feature-vector subgraph. Deterministic: same package, same bytes. */
export function buildMobilenetV2Nsfwjs(options: MobilenetBuildOptions = {}): BuiltMobilenetV2Nsfwjs {
  const source = options.source ?? loadNsfwjsModel('mobilenet_v2_mid');
  const weights = decodeTfjsWeights(source.model.weightsManifest, source.shards);
  const feature = findFeatureVectorNode(source.model.modelTopology.node);
  const conversion = convertTfjsGraph(source.model, weights, {
    output: feature.name,
    inputName: INPUT_NAME,
    outputName: OUTPUT_NAME,
    batch: 1,
    graphName: MOBILENET_V2_NSFWJS_ID,
    stripPrefix: HUB_PREFIX,
  });
  const outputShape = conversion.outputShape;
  if (outputShape.length !== 2 || outputShape[1] !== MOBILENET_V2_NSFWJS_DIMS) {
    throw new Error(`feature vector has shape [${outputShape.join(', ')}], expected [1, ${MOBILENET_V2_NSFWJS_DIMS}]`);
  }
  const inputShape = conversion.graph.inputs[0]!.shape as number[];
  const spec: ModelSpec = {
    graph: conversion.graph,
    producerName: 'edge-features/tools/convert',
    producerVersion: MOBILENET_V2_NSFWJS_VERSION,
    docString: MOBILENET_V2_NSFWJS_DESCRIPTION,
    metadata: {
      id: MOBILENET_V2_NSFWJS_ID,
      version: MOBILENET_V2_NSFWJS_VERSION,
      weights: 'imagenet',
      source: `nsfwjs@${source.packageVersion} dist/models/${source.name} (${feature.name})`,
      source_sha256: source.sha256,
    },
  };
  const manifestFields: MobilenetManifestFields = {
    id: MOBILENET_V2_NSFWJS_ID,
    version: MOBILENET_V2_NSFWJS_VERSION,
    architecture: 'mobilenet-v2-1.4',
    description: MOBILENET_V2_NSFWJS_DESCRIPTION,
    weights: 'imagenet',
    quantization: 'fp32',
    dims: MOBILENET_V2_NSFWJS_DIMS,
    macs: conversion.macs,
    input: { name: INPUT_NAME, shape: inputShape },
    output: { name: OUTPUT_NAME },
    preprocess: MOBILENET_V2_PREPROCESS,
  };
  return {
    spec,
    manifestFields,
    conversion,
    source: { name: source.name, packageVersion: source.packageVersion, dir: source.dir, sha256: source.sha256 },
  };
}
