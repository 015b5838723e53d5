/**
 * @module Static int8 (QDQ) quantisation of the MobileNetV2-1.4 nsfwjs feature extractor
 * (tools/convert/mobilenet-v2-nsfwjs.ts) with the generic graph quantiser (quantize-graph.ts).
 *
 * Calibration inputs: the repository's calibration arrays (models/calibration/*.rgb, 224x224x3 RGB uint8) / 255,
 * NHWC, i.e. the model's own input convention (RGB in [0, 1]). Those arrays are NEAREST-resized (Keras
 * `load_img`), while the model is fed bilinear resizes at run time: acceptable for finding activation ranges
 * (99.999th percentiles rounded up to a 6-bit grid; ReLU6 outputs do not depend on them at all), not a parity
 * fixture; the ranges were not compared with ranges from bilinear resizes.
 *
 * The input scaling (Mul by 2, Sub 1 -> [-1, 1]) stays fp32; the first conv's input gets the fixed range
 * [-1, 1] (every valid input maps into it) instead of a calibrated one. ReLU6 outputs get [0, 6].
 *
 * Measured (tools/model/quantize-graph-bench.ts, onnxruntime-web 1.30 wasm, 1 thread, Node 22, noisy 2-core
 * machine, interleaved): the int8 model is ~1.4x SLOWER than fp32 (~93 vs ~67 ms), though 3.7x smaller
 * (4.5 vs 16.6 MiB) and ~1.6x faster in native onnxruntime-node. The 17 depthwise convs are 5 % of the 580
 * MMAC but run at ~0.55 GMAC/s as int8 QLinearConv in wasm against 1.4-3.2 GMAC/s in fp32 (~50 ms vs ~10 ms),
 * which eats the 1x1 convs' gain (15-24 vs 10-13 GMAC/s). Only the tail in int8 (`convsBefore(spec,
 * 'MobilenetV2/expanded_conv_13/')` excluded): ~0.88x the fp32 time, 7.3 MiB, cosine 0.9996.
 */
import { buildMobilenetV2Nsfwjs, type MobilenetBuildOptions } from '../convert/mobilenet-v2-nsfwjs.ts';
import { loadCalibrationSet, type CalibrationImage } from './calibration-set.ts';
import type { ModelSpec } from './onnx-writer.ts';
import { planQuantization, quantizeGraph, type QuantizedGraph, type QuantizeGraphOptions } from './quantize-graph.ts';

/** RGB uint8 HWC -> float32 RGB / 255, NHWC (the MobileNet input). */
export function unitRgbTensor(rgb: Uint8Array): Float32Array {
  return Float32Array.from(rgb, (v) => v / 255);
}

/** The tensor the first conv reads: the fp32 input scaling's output (`hub_input/Sub`, in [-1, 1]). */
export function firstConvInput(spec: ModelSpec): string {
  const conv = spec.graph.nodes.find((n) => n.opType === 'Conv');
  if (conv === undefined) throw new Error('the graph has no Conv');
  return conv.inputs[0]!;
}

/** Names of the Conv nodes before the first one whose name starts with `prefix` (to keep them fp32). */
export function convsBefore(spec: ModelSpec, prefix: string): string[] {
  const convs = spec.graph.nodes.filter((n) => n.opType === 'Conv').map((n) => n.name);
  const at = convs.findIndex((c) => c.startsWith(prefix));
  if (at < 0) throw new Error(`no Conv named ${prefix}...`);
  return convs.slice(0, at);
}

/**
 * The options quantizeMobilenetNsfwjs uses: the scaled input's range fixed to [-1, 1]; weights kept on the
 * uint8 grid the nsfwjs/TF.js source already stores them on ('grid': every conv weight of this model is on a
 * 256-level per-tensor grid with an integer zero point, so int8 stores it losslessly; per-channel symmetric
 * requantisation of those values alone cost cosine 0.993 mean / 0.988 min against fp32, the grid 0.9985 /
 * 0.997 with activations quantised too); ReLU6 outputs [0, 6]; Add outputs quantised (QLinearAdd);
 * GlobalAveragePool in fp32.
 */
export function mobilenetQuantOptions(spec: ModelSpec, overrides: QuantizeGraphOptions = {}): QuantizeGraphOptions {
  return {
    weights: 'grid',
    quantizeAdd: true,
    quantizeGlobalAveragePool: false,
    clipRanges: 'fixed',
    ...overrides,
    fixedRanges: { [firstConvInput(spec)]: [-1, 1], ...(overrides.fixedRanges ?? {}) },
  };
}

export interface QuantizeMobilenetOptions extends MobilenetBuildOptions {
  /** Graph-quantiser options on top of `mobilenetQuantOptions` (for experiments). */
  readonly quant?: QuantizeGraphOptions;
  /** Calibration images (default: loadCalibrationSet()). */
  readonly images?: readonly CalibrationImage[];
}

/**
 * The int8 QDQ MobileNetV2-1.4 nsfwjs model: buildMobilenetV2Nsfwjs() calibrated on the calibration set.
 * Serialise with `serializeModel(spec, QUANT_GRAPH_SERIALIZE_OPTIONS)`; the bytes are the same on every run.
 */
export async function quantizeMobilenetNsfwjs(options: QuantizeMobilenetOptions = {}): Promise<QuantizedGraph> {
  const built = buildMobilenetV2Nsfwjs(options.source === undefined ? {} : { source: options.source });
  const images = options.images ?? (await loadCalibrationSet());
  const inputs = images.map((image) => unitRgbTensor(image.rgb));
  const quant = mobilenetQuantOptions(built.spec, options.quant);
  const result = await quantizeGraph(built.spec, inputs, quant);
  const plan = planQuantization(built.spec, quant);
  return {
    spec: {
      ...result.spec,
      metadata: {
        ...(result.spec.metadata ?? {}),
        'quantization.calibration_set': `models/calibration (${images.length} images, nearest-resized, RGB / 255)`,
        'quantization.int8_convs': `${plan.convs.length} of ${built.spec.graph.nodes.filter((n) => n.opType === 'Conv').length}`,
      },
    },
    ranges: result.ranges,
  };
}
