/**
 * TF.js layers models as a weight source (tools/convert/tfjs-layers.ts) and the TF.js implementation of the
 * conv base (tools/convert/tfjs-layers-vgg16.ts): a model built from .h5 weights is saved as model.json +
 * shards and read back to the same weights; quantised weights decode exactly as tf.io.decodeWeights does;
 * topologies that are not VGG16's are refused.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeKerasVgg16H5 } from '../../tools/convert/keras-h5-fixture.ts';
import { KerasWeightsError, readKerasVgg16Weights } from '../../tools/convert/keras-h5.ts';
import {
  float16ToFloat32,
  locateTfjsWeights,
  readTfjsLayersVgg16Weights,
  tfjsLayersVgg16Weights,
  topologyLayers,
  writeTfjsLayersModel,
  type TfjsLayersArtifacts,
  type TfjsModelJson,
  type TfjsWeightSpec,
} from '../../tools/convert/tfjs-layers.ts';
import { buildTfjsVgg16, saveTfjsVgg16, tf, tfjsVgg16Artifacts, useTfjsCpuBackend } from '../../tools/convert/tfjs-layers-vgg16.ts';
import { narrowBlocks, VGG16_CONFIG, type KerasConvWeights, type Vgg16Config } from '../../tools/model/vgg16.ts';
import { withTempDir } from './helpers.ts';

const NARROW: Vgg16Config = { ...VGG16_CONFIG, blocks: narrowBlocks(8), height: 32, width: 32 };

let weights: Map<string, KerasConvWeights>;
let artifacts: TfjsLayersArtifacts;

beforeAll(async () => {
  await useTfjsCpuBackend();
  await withTempDir(async (dir) => {
    const path = join(dir, 'narrow.h5');
    await writeKerasVgg16H5(path, { config: NARROW });
    weights = await readKerasVgg16Weights(path, NARROW);
  });
  const model = buildTfjsVgg16(NARROW, weights);
  artifacts = await tfjsVgg16Artifacts(model, 64 * 1024);
  model.dispose();
});

function bytesOf(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function expectSameWeights(actual: ReadonlyMap<string, KerasConvWeights>, expected: ReadonlyMap<string, KerasConvWeights>): void {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [name, w] of expected) {
    expect(bytesOf(actual.get(name)!.kernel).equals(bytesOf(w.kernel)), name).toBe(true);
    expect(bytesOf(actual.get(name)!.bias).equals(bytesOf(w.bias)), name).toBe(true);
  }
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A model.json as plain mutable JSON. */
interface MutableModelJson {
  format?: string;
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: { name: string }[] }[];
}

function withModelJson(change: (json: MutableModelJson) => void): TfjsLayersArtifacts {
  const modelJson = clone(artifacts.modelJson) as unknown as MutableModelJson;
  change(modelJson);
  return { modelJson: modelJson as unknown as TfjsModelJson, shards: artifacts.shards };
}

async function failure(fn: () => unknown): Promise<string> {
  const error = await Promise.resolve()
    .then(fn)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(KerasWeightsError);
  return (error as Error).message;
}

describe('TF.js layers model round trip', () => {
  it('saves model.json + shards (tf.io.withSaveHandler) and reads back the same weights', async () => {
    await withTempDir(async (dir) => {
      const model = buildTfjsVgg16(NARROW, weights);
      const modelJsonPath = await saveTfjsVgg16(model, join(dir, 'tfjs'), 64 * 1024);
      model.dispose();
      const files = (await readdir(join(dir, 'tfjs'))).sort();
      const shards = files.filter((f) => f.endsWith('.bin'));
      expect(shards.length).toBeGreaterThan(3); // 0.9 MB in 64 KiB shards
      expect(shards[0]).toMatch(/^group1-shard\d+of\d+\.bin$/);
      const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as TfjsModelJson;
      expect(json.format).toBe('layers-model');
      expect(json.weightsManifest![0]!.weights.slice(0, 2)).toEqual([
        { name: 'block1_conv1/kernel', shape: [3, 3, 3, 8], dtype: 'float32' },
        { name: 'block1_conv1/bias', shape: [8], dtype: 'float32' },
      ]);
      expect(
        topologyLayers(json.modelTopology)
          .map((l) => `${l.className}:${l.name}`)
          .slice(0, 5),
      ).toEqual(['InputLayer:input_1', 'Conv2D:block1_conv1', 'Conv2D:block1_conv2', 'MaxPooling2D:block1_pool', 'Conv2D:block2_conv1']);
      expectSameWeights(await readTfjsLayersVgg16Weights(modelJsonPath, NARROW), weights);
    });
  });

  it("reads tensorflowjs_converter's Keras layout too: model_config wrapper, prefixed names with :0", () => {
    const converted = withModelJson((json) => {
      json.modelTopology = { keras_version: '2.13.1', backend: 'tensorflow', model_config: json.modelTopology };
      for (const w of json.weightsManifest[0]!.weights) w.name = `vgg16/${w.name}:0`;
    });
    expectSameWeights(tfjsLayersVgg16Weights(converted, NARROW), weights);
  });

  it('also reads a model nested in a Sequential', () => {
    const nested = withModelJson((json) => {
      json.modelTopology = { class_name: 'Sequential', config: { name: 'outer', layers: [json.modelTopology] } };
    });
    expectSameWeights(tfjsLayersVgg16Weights(nested, NARROW), weights);
  });
});

describe('TF.js weight decoding', () => {
  it('dequantises uint8, uint16 and float16 exactly as tf.io.decodeWeights', () => {
    const values = weights.get('block2_conv1')!.kernel;
    const min = Math.min(...values);
    const max = Math.max(...values);
    const specs: TfjsWeightSpec[] = [];
    const parts: Uint8Array[] = [];
    for (const dtype of ['uint8', 'uint16'] as const) {
      const levels = dtype === 'uint8' ? 255 : 65535;
      const scale = (max - min) / levels;
      const q = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
      values.forEach((v, i) => (q[i] = Math.round((v - min) / scale)));
      specs.push({ name: `${dtype}/kernel`, shape: [values.length], dtype: 'float32', quantization: { dtype, scale, min } });
      parts.push(new Uint8Array(q.buffer));
    }
    // float16: encode a few values by hand (incl. a subnormal, -0, infinities) plus the layer's kernel.
    const halves = [0x0000, 0x8000, 0x3c00, 0xc000, 0x0001, 0x03ff, 0x7bff, 0x7c00, 0xfc00, 0x3555];
    expect(halves.slice(0, 9).map(float16ToFloat32)).toEqual([0, -0, 1, -2, 2 ** -24, 1023 * 2 ** -24, 65504, Infinity, -Infinity]);
    specs.push({ name: 'f16/kernel', shape: [halves.length], dtype: 'float32', quantization: { dtype: 'float16' } });
    parts.push(new Uint8Array(new Uint16Array(halves).buffer));
    const data = Buffer.concat(parts);
    const ours = locateTfjsWeights({
      modelJson: { weightsManifest: [{ paths: ['a.bin'], weights: specs }] },
      shards: new Map([['a.bin', new Uint8Array(data)]]),
    }).map((w) => w.read());
    const theirs = tf.io.decodeWeights(
      data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
      specs as tf.io.WeightsManifestEntry[],
    );
    specs.forEach((spec, i) => {
      expect(bytesOf(ours[i]!).equals(bytesOf(theirs[spec.name]!.dataSync() as Float32Array)), spec.name).toBe(true);
    });
    // And they are close to the originals.
    expect(Math.max(...ours[0]!.map((v, i) => Math.abs(v - values[i]!)))).toBeLessThanOrEqual((max - min) / 255);
  });
});

describe('TF.js layers model errors', () => {
  it('refuses a conv that is not 3x3 same ReLU, a pool that is not 2x2, and a graph model', async () => {
    const relu = withModelJson((json) => {
      const layers = (json.modelTopology as { config: { layers: { name: string; config: Record<string, unknown> }[] } }).config.layers;
      const conv = layers.find((l) => l.name === 'block2_conv1')!;
      conv.config['activation'] = 'linear';
      conv.config['padding'] = 'valid';
    });
    expect(await failure(() => tfjsLayersVgg16Weights(relu, NARROW))).toBe(
      `model.json: layer block2_conv1 is not VGG16's 3x3 'same' ReLU Conv2D: padding "valid", activation "linear"`,
    );
    const pool = withModelJson((json) => {
      const layers = (json.modelTopology as { config: { layers: { name: string; config: Record<string, unknown> }[] } }).config.layers;
      layers.find((l) => l.name === 'block3_pool')!.config['pool_size'] = [3, 3];
    });
    expect(await failure(() => tfjsLayersVgg16Weights(pool, NARROW))).toMatch(/block3_pool is not a 2x2\/2 'valid' MaxPooling2D/);
    const graph = withModelJson((json) => void (json.format = 'graph-model'));
    expect(await failure(() => tfjsLayersVgg16Weights(graph, NARROW))).toMatch(/a TF\.js graph model/);
  });

  it('refuses wrong widths, missing and short shards', async () => {
    expect(await failure(() => tfjsLayersVgg16Weights(artifacts, VGG16_CONFIG))).toMatch(
      /layer block1_conv1: kernel block1_conv1\/kernel has shape \(3, 3, 3, 8\), expected \(3, 3, 3, 64\)/,
    );
    await withTempDir(async (dir) => {
      const path = await writeTfjsLayersModel(join(dir, 'm'), artifacts);
      const [first, second] = [...artifacts.shards.keys()];
      await writeFile(join(dir, 'm', second!), new Uint8Array(10));
      expect(await failure(() => readTfjsLayersVgg16Weights(path, NARROW))).toMatch(
        /weight group 1 \(15 shards, group1-shard1of15\.bin \.\.\. group1-shard15of15\.bin\) holds \d+ bytes, but its manifest needs \d+ by block\d_conv\d\/kernel: a shard is short/,
      );
      await rm(join(dir, 'm', first!));
      expect(await failure(() => readTfjsLayersVgg16Weights(path, NARROW))).toMatch(new RegExp(`weight shard ${first} is missing`));
      await mkdir(join(dir, 'n'));
      await writeFile(join(dir, 'n', 'model.json'), '{"modelTopology": {}, "weightsManifest": [{"paths": ["../m/x.bin"], "weights": []}]}');
      expect(await failure(() => readTfjsLayersVgg16Weights(join(dir, 'n', 'model.json'), NARROW))).toMatch(/leaves the model's folder/);
    });
  });
});
