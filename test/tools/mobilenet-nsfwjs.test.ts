/**
 * mobilenet-v2-1.4-nsfwjs: the MobileNetV2 1.4 feature-vector subgraph of nsfwjs's TF.js model, converted to
 * ONNX from the installed package. It must build, agree with TF.js itself (the CPU backend running the
 * original graph to its `feature_vector` node), run the same in onnxruntime-web, and — real ImageNet
 * weights — put every chelsea variant nearer to chelsea.png than any other photo.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelManifestSchema, parseManifest } from '../../src/core/model/manifest.ts';
import { cosine } from '../../src/core/vector/metrics.ts';
import { sha256Hex } from '../../tools/model/files.ts';
import { serializeModel, type SerializedModel } from '../../tools/model/onnx-writer.ts';
import { DEFAULT_MAX_FILE_BYTES } from '../../tools/model/external-data.ts';
import {
  buildMobilenetV2Nsfwjs,
  findFeatureVectorNode,
  MOBILENET_V2_NSFWJS_ID,
  type BuiltMobilenetV2Nsfwjs,
} from '../../tools/convert/mobilenet-v2-nsfwjs.ts';
import { loadNsfwjsModel, type NsfwjsModel } from '../../tools/convert/nsfwjs.ts';
import { tfjsModelArtifacts } from '../../tools/convert/tfjs-graph.ts';
import { maxAbsDiff } from './helpers.ts';

const KERAS224 = fileURLToPath(new URL('../../../shared/fixtures/keras224/', import.meta.url));
const SHAPE = [1, 224, 224, 3];

/** A keras224 fixture (224x224 RGB uint8, nearest-resized) as the model's input: RGB / 255, NHWC. */
function unitRgb(name: string): Float32Array {
  const bytes = readFileSync(`${KERAS224}${name}.rgb`);
  expect(bytes.length).toBe(224 * 224 * 3);
  return Float32Array.from(bytes, (v) => v / 255);
}

let source: NsfwjsModel;
let built: BuiltMobilenetV2Nsfwjs;
let serialized: SerializedModel;
let session: ortNode.InferenceSession;

function externalData(): { path: string; data: Uint8Array }[] {
  return serialized.dataFiles.map((f) => ({ path: f.path, data: f.bytes }));
}

async function embed(input: Float32Array): Promise<Float32Array> {
  const out = await session.run({ input: new ortNode.Tensor('float32', input, SHAPE) });
  return out['features']!.data as Float32Array;
}

beforeAll(async () => {
  source = loadNsfwjsModel('mobilenet_v2_mid');
  built = buildMobilenetV2Nsfwjs({ source });
  serialized = serializeModel(built.spec);
  const options = { externalData: externalData(), intraOpNumThreads: 1, interOpNumThreads: 1 } as ortNode.InferenceSession.SessionOptions;
  session = await ortNode.InferenceSession.create(serialized.model, options);
});

afterAll(async () => {
  await session?.release();
});

describe('mobilenet-v2-1.4-nsfwjs conversion', () => {
  it('converts the feature-vector subgraph of the installed nsfwjs model', () => {
    const { conversion, manifestFields } = built;
    expect(conversion.tfOps).toEqual({
      AddV2: 10,
      AvgPool: 1,
      Const: 106,
      FusedDepthwiseConv2dNative: 17,
      Mul: 1,
      Placeholder: 1,
      Squeeze: 1,
      Sub: 1,
      _FusedConv2D: 35,
    }); // the NSFW head (_FusedMatMul, Softmax) is left out
    expect(conversion.outputShape).toEqual([1, 1792]);
    expect(conversion.graph.inputs).toEqual([{ name: 'input', elementType: 'float32', shape: [1, 224, 224, 3] }]);
    expect(conversion.graph.outputs.map((o) => o.name)).toEqual(['features']);
    // MobileNetV2 1.4 at 224: ~582 MMAC, ~4.3 M weights without the classifier (batch norm folded).
    expect(conversion.macs).toBe(580_403_824);
    expect(conversion.parameters).toBeGreaterThan(4_200_000);
    expect(conversion.parameters).toBeLessThan(4_400_000);

    expect(manifestFields.id).toBe(MOBILENET_V2_NSFWJS_ID);
    expect(manifestFields).toMatchObject({ weights: 'imagenet', quantization: 'fp32', dims: 1792, macs: conversion.macs });
    const file = (path: string, bytes: Uint8Array) => ({ path, bytes: bytes.byteLength, sha256: sha256Hex(bytes) });
    const manifest = parseManifest({
      ...manifestFields,
      graph: file('model.onnx', serialized.model),
      externalData: serialized.dataFiles.map((f) => file(f.path, f.bytes)),
    });
    expect(modelManifestSchema.parse(manifest)).toEqual(manifest);
    for (const f of serialized.dataFiles) expect(f.bytes.byteLength).toBeLessThanOrEqual(DEFAULT_MAX_FILE_BYTES);
  });

  it('is deterministic: the same package gives the same bytes', () => {
    const again = serializeModel(buildMobilenetV2Nsfwjs({ source }).spec);
    expect(sha256Hex(again.model)).toBe(sha256Hex(serialized.model));
    expect(again.dataFiles.map((f) => sha256Hex(f.bytes))).toEqual(serialized.dataFiles.map((f) => sha256Hex(f.bytes)));
  });
});

describe('mobilenet-v2-1.4-nsfwjs parity', () => {
  it('equals TF.js (CPU backend, original graph to feature_vector) and onnxruntime-web, within 1e-4', async () => {
    await tf.setBackend('cpu');
    const artifacts = tfjsModelArtifacts(source.model, source.shards) as unknown as tf.io.ModelArtifacts;
    const tfModel = await tf.loadGraphModel({ load: async () => artifacts });
    const input = unitRgb('chelsea.png');
    const x = tf.tensor4d(input, SHAPE as [number, number, number, number]);
    const y = tfModel.execute(x, findFeatureVectorNode(source.model.modelTopology.node).name) as tf.Tensor;
    const reference = (await y.data()) as Float32Array;
    expect(y.shape).toEqual([1, 1792]);
    tf.dispose([x, y]);
    tfModel.dispose();

    const viaNode = await embed(input);
    ortWeb.env.wasm.numThreads = 1;
    const web = await ortWeb.InferenceSession.create(serialized.model, { externalData: externalData() });
    let viaWeb: Float32Array;
    try {
      viaWeb = (await web.run({ input: new ortWeb.Tensor('float32', input, SHAPE) }))['features']!.data as Float32Array;
    } finally {
      await web.release();
    }
    const dNode = maxAbsDiff(viaNode, reference);
    const dWeb = maxAbsDiff(viaWeb, reference);
    console.log(
      `mobilenet-v2-1.4-nsfwjs: max |ort-node - tfjs| = ${dNode.toExponential(2)}, max |ort-web - tfjs| = ${dWeb.toExponential(2)}`,
    );
    expect(reference.filter((v) => v > 0).length).toBeGreaterThan(500); // a live feature vector
    expect(dNode).toBeLessThan(1e-4);
    expect(dWeb).toBeLessThan(1e-4);
  });
});

describe('mobilenet-v2-1.4-nsfwjs semantics (real ImageNet weights)', () => {
  it('puts every chelsea variant nearer to chelsea.png than any other photo', async () => {
    const variants = ['chelsea-q90.jpg', 'chelsea.webp', 'chelsea-gray.jpg'];
    const others = ['coffee.png', 'astronaut.png', 'rocket.jpg', 'motorcycle_left.png', 'camera.png', 'hubble_deep_field.jpg'];
    const anchor = await embed(unitRgb('chelsea.png'));
    const sims = new Map<string, number>();
    for (const name of [...variants, ...others]) sims.set(name, cosine(anchor, await embed(unitRgb(name))));
    console.log(`cosine to chelsea.png: ${[...sims].map(([n, s]) => `${n} ${s.toFixed(3)}`).join(', ')}`);
    const nearestOther = Math.max(...others.map((n) => sims.get(n)!));
    for (const v of variants) expect(sims.get(v)!, v).toBeGreaterThan(nearestOther + 0.2);
  });
});
