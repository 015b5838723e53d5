/**
 * @module Fidelity check of the converter: the ONNX graph tools/model/vgg16.ts builds from weights read out
 * of a Keras .h5 (run by onnxruntime-node, one thread) against an independent TF.js layers implementation
 * of the same Keras model (CPU backend) given the same weights and the same caffe-preprocessed input.
 *
 *   npx node tools/convert/keras-parity.ts [--h5 FILE] [--narrow N] [--size HxW] [--rgb FILE.rgb]
 *
 * Without --h5, a fixture with the real file's layout and synthetic weights is generated (full size unless
 * --narrow). With the real weights file, this measures the real figure. --rgb takes a raw 224x224x3 uint8
 * RGB array (what Keras load_img gives, e.g. shared/fixtures/keras224/*.rgb) and applies Keras's caffe
 * preprocessing; the default input is tools/model/synthetic.ts's deterministic stand-in.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { cosine, norm } from '../../src/core/vector/metrics.ts';
import { serializeModel } from '../model/onnx-writer.ts';
import { syntheticCaffeInput } from '../model/synthetic.ts';
import {
  buildVgg16Graph,
  INPUT_NAME,
  narrowBlocks,
  OUTPUT_NAME,
  VGG16_CONFIG,
  type KerasConvWeights,
  type Vgg16Config,
} from '../model/vgg16.ts';
import { writeKerasVgg16H5 } from './keras-h5-fixture.ts';
import { readKerasVgg16Weights } from './keras-h5.ts';
import { buildTfjsVgg16, predictTfjsVgg16, useTfjsCpuBackend } from './tfjs-layers-vgg16.ts';

/** Keras `vgg16.preprocess_input` ("caffe"): RGB -> BGR, minus the ImageNet mean; HWC in, NHWC float32 out. */
export function caffePreprocess(rgb: Uint8Array, height: number, width: number): Float32Array {
  if (rgb.length !== height * width * 3) throw new Error(`expected ${height}x${width}x3 bytes, got ${rgb.length}`);
  const mean = [103.939, 116.779, 123.68];
  const out = new Float32Array(rgb.length);
  for (let p = 0; p < height * width; p++) {
    for (let c = 0; c < 3; c++) out[p * 3 + c] = rgb[p * 3 + (2 - c)]! - mean[c]!;
  }
  return out;
}

/** Runs the ONNX graph of `weights` in onnxruntime-node (1 thread). */
export async function runOnnxVgg16(
  config: Vgg16Config,
  weights: ReadonlyMap<string, KerasConvWeights>,
  input: Float32Array,
): Promise<Float32Array> {
  const serialized = serializeModel({ graph: buildVgg16Graph(config, weights, { name: 'vgg16-parity' }) });
  const dir = await mkdtemp(join(tmpdir(), 'keras-parity-'));
  try {
    for (const file of serialized.dataFiles) await writeFile(join(dir, file.path), file.bytes);
    await writeFile(join(dir, 'model.onnx'), serialized.model);
    const session = await ort.InferenceSession.create(join(dir, 'model.onnx'), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    try {
      const shape = [1, config.height, config.width, config.inputChannels ?? 3];
      const out = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', input, shape) });
      return (out[OUTPUT_NAME]!.data as Float32Array).slice();
    } finally {
      await session.release();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface ParityResult {
  readonly onnx: Float32Array;
  readonly tfjs: Float32Array;
  readonly maxAbsDiff: number;
  /** max |onnx| — the scale the difference is measured against. */
  readonly maxAbs: number;
  readonly maxRelDiff: number;
  readonly cosine: number;
  readonly onnxMs: number;
  readonly tfjsMs: number;
}

/** The same weights and input through both implementations. */
export async function compareOnnxAndTfjs(
  config: Vgg16Config,
  weights: ReadonlyMap<string, KerasConvWeights>,
  input: Float32Array,
): Promise<ParityResult> {
  let t = performance.now();
  const onnx = await runOnnxVgg16(config, weights, input);
  const onnxMs = performance.now() - t;
  await useTfjsCpuBackend();
  const model = buildTfjsVgg16(config, weights);
  t = performance.now();
  const tfjs = predictTfjsVgg16(model, input, config);
  const tfjsMs = performance.now() - t;
  model.dispose();
  let maxAbsDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < onnx.length; i++) {
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(onnx[i]! - tfjs[i]!));
    maxAbs = Math.max(maxAbs, Math.abs(onnx[i]!));
  }
  // Two all-zero outputs agree perfectly.
  const similarity = maxAbs === 0 && norm(tfjs) === 0 ? 1 : cosine(onnx, tfjs);
  return { onnx, tfjs, maxAbsDiff, maxAbs, maxRelDiff: maxAbs === 0 ? 0 : maxAbsDiff / maxAbs, cosine: similarity, onnxMs, tfjsMs };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { h5: { type: 'string' }, narrow: { type: 'string' }, size: { type: 'string' }, rgb: { type: 'string' } },
  });
  const [height, width] = (values.size ?? '224x224').split('x').map(Number) as [number, number];
  const blocks = values.narrow === undefined ? VGG16_CONFIG.blocks : narrowBlocks(Number(values.narrow));
  const config: Vgg16Config = { blocks, height, width };
  let h5 = values.h5;
  let temp: string | undefined;
  if (h5 === undefined) {
    temp = await mkdtemp(join(tmpdir(), 'keras-parity-'));
    h5 = join(temp, 'vgg16_fixture_keras1.h5');
    const t = performance.now();
    await writeKerasVgg16H5(h5, { config, flavor: 'keras1' });
    console.log(`generated ${h5} (synthetic weights, Keras-1 layout) in ${(performance.now() - t).toFixed(0)} ms`);
  }
  try {
    const weights = await readKerasVgg16Weights(h5, config);
    const input =
      values.rgb === undefined
        ? syntheticCaffeInput(height, width)
        : caffePreprocess(new Uint8Array(await readFile(values.rgb)), height, width);
    const r = await compareOnnxAndTfjs(config, weights, input);
    console.log(
      `parity ${values.narrow === undefined ? 'full-size' : `narrow/${values.narrow}`} ${height}x${width}: ` +
        `max |onnx - tfjs| = ${r.maxAbsDiff.toExponential(3)}, max |y| = ${r.maxAbs.toFixed(4)}, ` +
        `relative ${r.maxRelDiff.toExponential(3)}, cosine ${r.cosine.toFixed(9)}; ` +
        `onnxruntime-node ${r.onnxMs.toFixed(0)} ms, tfjs-cpu ${r.tfjsMs.toFixed(0)} ms`,
    );
  } finally {
    if (temp !== undefined) await rm(temp, { recursive: true, force: true });
  }
}
