/**
 * Static int8 quantisation (tools/model/quantize.ts) on the narrow synthetic VGG16: the int8 model builds
 * deterministically to its committed manifest, really stores int8 weights, is ~1/4 of the fp32 files, runs
 * in onnxruntime-node and onnxruntime-web close to the fp32 model on the calibration images, and its
 * strip-mined blocks give bit-identical outputs to the plain int8 graph.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelManifest } from '../../src/core/model/manifest.ts';
import { cosine } from '../../src/core/vector/metrics.ts';
import { ceilToSignificantBits } from '../../tools/model/calibrate.ts';
import { caffeInputRange, caffeTensor, loadCalibrationSet } from '../../tools/model/calibration-set.ts';
import { buildModel, buildModelAsync, readManifest, type BuiltModel } from '../../tools/model/model-manifest.ts';
import { decodeModel, serializeModel } from '../../tools/model/onnx-writer.ts';
import { openSession } from '../../tools/model/ort-sessions.ts';
import {
  activationQuant,
  planStrips,
  QUANT_SERIALIZE_OPTIONS,
  quantizeBias,
  quantizeKernel,
  quantizedVgg16Spec,
  quantizeVgg16,
  RECOMMENDED_INT8,
  roundHalfEven,
} from '../../tools/model/quantize.ts';
import { findRecipe, findSyntheticVgg16 } from '../../tools/model/recipes.ts';
import { syntheticCaffeInput, syntheticVgg16Weights } from '../../tools/model/synthetic.ts';
import { narrowBlocks, type Vgg16Config } from '../../tools/model/vgg16.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const NARROW = 'vgg16-narrow-synthetic';
const NARROW_INT8 = 'vgg16-narrow-synthetic-int8';
const SHAPE = [1, 224, 224, 3] as const;
const TENSOR = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;

async function committed(id: string): Promise<ModelManifest> {
  const manifest = await readManifest(join(ROOT, 'models', `${id}.json`));
  if (manifest === undefined) throw new Error(`models/${id}.json is missing`);
  return manifest;
}

const totalBytes = (m: ModelManifest): number => [m.graph, ...m.externalData].reduce((s, f) => s + f.bytes, 0);

describe('quantisation arithmetic', () => {
  it('rounds half to even, as ONNX QuantizeLinear does', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, -3]);
  });

  it('quantises kernels per output channel, symmetric, in [-127, 127]', () => {
    // OIHW, 2 output channels of 4 values with very different scales.
    const w = new Float32Array([0.5, -1, 0.25, 0.001, 100, -50, 25, 0]);
    const { data, scales } = quantizeKernel(w, 2);
    expect(scales[0]).toBe(Math.fround(1 / 127));
    expect(scales[1]).toBe(Math.fround(100 / 127));
    expect(Array.from(data)).toEqual([64, -127, 32, 0, 127, -64, 32, 0]);
    for (let i = 0; i < w.length; i++) {
      const s = scales[Math.floor(i / 4)]!;
      expect(Math.abs(data[i]! * s - w[i]!)).toBeLessThanOrEqual(s / 2 + 1e-9);
    }
  });

  it('quantises biases to int32 at input scale x weight scale', () => {
    const { data, scales } = quantizeBias(new Float32Array([0.1, -0.2]), 0.5, new Float32Array([0.01, 0.02]));
    expect(Array.from(scales)).toEqual([Math.fround(0.005), Math.fround(0.01)]);
    expect(Array.from(data)).toEqual([20, -20]);
  });

  it('puts a ReLU output range [0, hi] at the type minimum, and keeps 0 exact for the input', () => {
    expect(activationQuant(0, 510, 'uint8')).toEqual({ scale: 2, zeroPoint: 0, type: 'uint8' });
    expect(activationQuant(0, 510, 'int8')).toEqual({ scale: 2, zeroPoint: -128, type: 'int8' });
    const [lo, hi] = caffeInputRange();
    expect([lo, hi]).toEqual([-123.68, 255 - 103.939]);
    const q = activationQuant(lo, hi, 'uint8');
    expect(q.zeroPoint).toBe(115);
    expect(Math.round(lo / q.scale) + q.zeroPoint).toBe(0);
    expect(Math.round(hi / q.scale) + q.zeroPoint).toBe(255);
  });

  it('rounds calibrated ranges up to a coarse grid', () => {
    expect(ceilToSignificantBits(407.2033882141113, 6)).toBe(408);
    expect(ceilToSignificantBits(282.59, 6)).toBe(288);
    expect(ceilToSignificantBits(256, 6)).toBe(256);
    expect(ceilToSignificantBits(0.1, 6)).toBeCloseTo(0.1015625, 12);
    // A ~1e-6 wobble of the raw value almost never moves the rounded one.
    expect(ceilToSignificantBits(407.2033882141113 * (1 + 1e-6), 6)).toBe(408);
  });

  it('plans strips that cover the pooled output once, with halos and edge-only padding', () => {
    for (const [height, convs, strips] of [
      [224, 2, 8],
      [112, 2, 4],
      [56, 3, 4],
      [7, 1, 3],
    ] as const) {
      const plan = planStrips(height, convs, strips);
      expect(plan[0]!.out[0]).toBe(0);
      expect(plan[plan.length - 1]!.out[1]).toBe(Math.floor(height / 2));
      plan.forEach((p, k) => {
        if (k > 0) expect(p.out[0]).toBe(plan[k - 1]!.out[1]);
        // Each conv produces exactly the rows the next one (or the pool) reads.
        p.convs.forEach((c, j) => {
          const produced = c.rows[1] - c.rows[0] + c.pads[0] + c.pads[1] - 2;
          const next = p.convs[j + 1];
          const wanted = next === undefined ? 2 * (p.out[1] - p.out[0]) : next.rows[1] - next.rows[0];
          expect(produced).toBe(wanted);
          expect(c.pads[0] === 1).toBe(c.rows[0] === 0 && (j === 0 || p.convs[j - 1]!.pads[0] === 1));
        });
      });
    }
    expect(() => planStrips(224, 2, 113)).toThrow(/cannot split/);
  });
});

describe(`${NARROW_INT8}`, () => {
  let built: BuiltModel;
  let fp32: BuiltModel;
  let inputs: Float32Array[];
  let names: string[];

  beforeAll(async () => {
    built = await buildModelAsync(findRecipe(NARROW_INT8));
    fp32 = buildModel(findRecipe(NARROW));
    const images = await loadCalibrationSet();
    names = images.map((i) => i.name);
    inputs = images.map(caffeTensor);
  });

  it('builds deterministically: exactly the committed manifest, twice', async () => {
    expect(built.manifest).toEqual(await committed(NARROW_INT8));
    const again = await buildModelAsync(findRecipe(NARROW_INT8));
    expect(again.manifest).toEqual(built.manifest);
    expect(again.ranges).toEqual(built.ranges);
  });

  it('the build CLI reproduces the committed manifest (--check)', async () => {
    const cli = join(ROOT, 'tools', 'model', 'build.ts');
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, '--model', NARROW_INT8, '--check']);
    expect(JSON.parse(stdout)).toEqual(await committed(NARROW_INT8));
    expect(stderr).toMatch(/int8 \(percentile 99\.999[^)]*\)[\s\S]*OK matches/);
  });

  it('declares int8 and is about a quarter of the fp32 files (narrow and full)', async () => {
    expect(built.manifest).toMatchObject({ quantization: 'int8', dims: 64, weights: 'synthetic' });
    expect(totalBytes(built.manifest) / totalBytes(fp32.manifest)).toBeLessThan(0.3);
    const full = await committed('vgg16-synthetic');
    const fullInt8 = await committed('vgg16-synthetic-int8');
    expect(fullInt8).toMatchObject({ quantization: 'int8', dims: 512, macs: full.macs });
    const ratio = totalBytes(fullInt8) / totalBytes(full);
    expect(ratio).toBeGreaterThan(0.24);
    expect(ratio).toBeLessThan(0.26);
  });

  it('stores int8 weights and int32 biases, and has no fp32 conv left', () => {
    const graph = decodeModel(built.serialized.model).graph!;
    const inits = new Map((graph.initializer ?? []).map((t) => [t.name!, t]));
    const kernels = [...inits.values()].filter((t) => t.name!.endsWith('/kernel_quantized'));
    expect(kernels).toHaveLength(13);
    for (const k of kernels) {
      expect(k.dataType).toBe(TENSOR.INT8);
      const count = (k.dims ?? []).map(Number).reduce((a, b) => a * b, 1);
      // One byte per weight: in external data, or inline when tiny (block1_conv1 of the narrow model).
      if (count > QUANT_SERIALIZE_OPTIONS.inlineMaxBytes!) {
        expect(k.dataLocation).toBe(1); // EXTERNAL
        expect(Number(k.externalData!.find((e) => e.key === 'length')!.value)).toBe(count);
      } else {
        expect(k.rawData!.length).toBe(count);
      }
    }
    const biases = [...inits.values()].filter((t) => t.name!.endsWith('/bias_quantized'));
    expect(biases).toHaveLength(13);
    for (const b of biases) expect(b.dataType).toBe(TENSOR.INT32);
    // The only float initializers are scales (scalars or one per output channel).
    for (const t of inits.values()) {
      if (t.dataType === TENSOR.FLOAT) {
        expect(t.name).toMatch(/scale$/);
        expect((t.dims ?? []).map(Number).reduce((a, b) => a * b, 1)).toBeLessThanOrEqual(64);
      }
    }
    const nodes = graph.node ?? [];
    const ops = new Set(nodes.map((n) => n.opType));
    expect(ops.has('Conv')).toBe(false);
    const convs = nodes.filter((n) => n.opType === 'QLinearConv');
    // Blocks 1-3 strip-mined (8, 4, 4 strips), blocks 4-5 whole.
    expect(convs).toHaveLength(2 * 8 + 2 * 4 + 3 * 4 + 3 + 3);
    for (const c of convs) expect(inits.get(c.input![3]!)?.dataType).toBe(TENSOR.INT8);
    for (const c of convs) expect(inits.get(c.input![8]!)?.dataType).toBe(TENSOR.INT32);
    // Activations are uint8: every zero point is.
    for (const t of inits.values()) {
      if (t.name!.endsWith('/zero_point')) expect(t.dataType).toBe(TENSOR.UINT8);
    }
  });

  it('runs in onnxruntime-node and -web with cosine >= 0.99 to fp32 on every calibration image', async () => {
    const fp32Session = await openSession('node', fp32.serialized);
    const refs: Float32Array[] = [];
    for (const x of inputs) refs.push((await fp32Session.run(x, SHAPE))['features'] as Float32Array);
    await fp32Session.release();
    const results: Record<string, number[]> = {};
    const outputs: Record<string, Float32Array[]> = {};
    for (const engine of ['node', 'web'] as const) {
      const session = await openSession(engine, built.serialized);
      outputs[engine] = [];
      for (const x of inputs) outputs[engine].push((await session.run(x, SHAPE))['features'] as Float32Array);
      await session.release();
      results[engine] = refs.map((r, i) => cosine(r, outputs[engine]![i]!));
    }
    for (const [engine, cos] of Object.entries(results)) {
      console.log(
        `${NARROW_INT8} (${engine}) cosine vs fp32: mean ${(cos.reduce((a, b) => a + b) / cos.length).toFixed(6)}, ` +
          `min ${Math.min(...cos).toFixed(6)} (${names[cos.indexOf(Math.min(...cos))]})`,
      );
      for (const c of cos) expect(c).toBeGreaterThanOrEqual(0.99);
    }
    // Raw cosines of VGG features are ~0.98 even between unrelated images (a quantiser with every layer's
    // channel scales reversed still scores 0.9997), so also demand a small relative L2 error (measured
    // <= 0.011), a high cosine after removing the images' mean fp32 vector (measured >= 0.993), and that each
    // output is nearer its own fp32 vector than any other image's.
    const centre = refs[0]!.map((_, k) => refs.reduce((sum, r) => sum + r[k]!, 0) / refs.length);
    const centred = (v: Float32Array): number[] => Array.from(v, (x, k) => x - centre[k]!);
    for (let i = 0; i < inputs.length; i++) {
      const out = outputs['web']![i]!;
      let err = 0;
      let norm = 0;
      for (let k = 0; k < out.length; k++) {
        err += (out[k]! - refs[i]![k]!) ** 2;
        norm += refs[i]![k]! ** 2;
      }
      expect(Math.sqrt(err / norm)).toBeLessThan(0.02);
      expect(cosine(centred(refs[i]!), centred(out))).toBeGreaterThan(0.98);
      const own = cosine(refs[i]!, out);
      for (let j = 0; j < inputs.length; j++) if (j !== i) expect(own).toBeGreaterThan(cosine(refs[j]!, out));
      expect(out.length).toBe(64);
      expect(out.every(Number.isFinite)).toBe(true);
      // Native and wasm int8 kernels agree: exactly on AVX-512 VNNI machines; without VNNI AVX2's u8*s8 pairs
      // saturate (0.99980 at worst on an AMD EPYC here).
      expect(cosine(outputs['node']![i]!, out)).toBeGreaterThan(0.999);
    }
  });

  it('strip-mining changes no bit: the same weights and ranges without strips give identical outputs', async () => {
    const recipe = findSyntheticVgg16(NARROW_INT8);
    const weights = syntheticVgg16Weights(recipe.config, recipe.weights.seed);
    const plain = serializeModel(
      quantizedVgg16Spec(recipe.config, weights, built.ranges!, { ...recipe.quantization!.graph, strips: {} }),
      QUANT_SERIALIZE_OPTIONS,
    );
    expect(decodeModel(plain.model).graph!.node!.filter((n) => n.opType === 'QLinearConv')).toHaveLength(13);
    for (const engine of ['web', 'node'] as const) {
      const stripped = await openSession(engine, built.serialized);
      const whole = await openSession(engine, plain);
      for (const x of inputs.slice(0, 3)) {
        const a = (await stripped.run(x, SHAPE))['features'] as Float32Array;
        const b = (await whole.run(x, SHAPE))['features'] as Float32Array;
        expect(Array.from(a)).toEqual(Array.from(b));
      }
      await stripped.release();
      await whole.release();
    }
  });
});

describe('quantizeVgg16 (the entry point for real weights)', () => {
  it('defaults to the recommended settings, fitting the strips to a small input', async () => {
    // Three narrow blocks on 8x12 pixels: the pools give 4, 2 and 1 rows.
    const config: Vgg16Config = { blocks: narrowBlocks(8).slice(0, 3), height: 8, width: 12 };
    const weights = syntheticVgg16Weights(config, 7);
    const inputs = [1, 2, 3].map((seed) => syntheticCaffeInput(8, 12, seed));
    const { spec, ranges } = await quantizeVgg16(weights, inputs, { config });
    expect(ranges.method).toBe('percentile 99.999, ceil to 6 significant bits');
    expect(spec.metadata).toMatchObject({
      quantization: 'int8',
      'quantization.form': RECOMMENDED_INT8.graph.form,
      'quantization.activations': 'uint8',
      // 8 and 4 strips asked for blocks 1 and 2, capped at their 4 and 2 pooled rows; block 3 pools to 1 row.
      'quantization.strips': 'block1:4,block2:2',
    });
    const plain = quantizedVgg16Spec(config, weights, ranges, { strips: {} });
    const a = await openSession('web', serializeModel(spec, QUANT_SERIALIZE_OPTIONS));
    const b = await openSession('web', serializeModel(plain, QUANT_SERIALIZE_OPTIONS));
    const x = syntheticCaffeInput(8, 12, 9);
    const ya = (await a.run(x, [1, 8, 12, 3]))['features'] as Float32Array;
    const yb = (await b.run(x, [1, 8, 12, 3]))['features'] as Float32Array;
    expect(ya.length).toBe(32);
    expect(ya.some((v) => v > 0)).toBe(true);
    expect(Array.from(ya)).toEqual(Array.from(yb));
    await a.release();
    await b.release();
  });
});
