/**
 * The narrow synthetic model runs in onnxruntime-node (native) and in onnxruntime-web (wasm, in Node) with
 * its external data, and the two agree. onnxruntime-web gets the data the way the Worker will pass it:
 * `externalData: [{ path, data: Uint8Array }]`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel, writeModel } from '../../tools/model/model-manifest.ts';
import { findRecipe } from '../../tools/model/recipes.ts';
import { syntheticCaffeInput } from '../../tools/model/synthetic.ts';
import { fp32Tolerance, maxAbs, maxAbsDiff, runOrtNode, runOrtWeb, withTempDir } from './helpers.ts';

const SHAPE = [1, 224, 224, 3] as const;

describe('vgg16-narrow-synthetic in onnxruntime', () => {
  it('gives a finite [1, 64] vector in ort-node and ort-web, and they agree', async () => {
    const built = buildModel(findRecipe('vgg16-narrow-synthetic'));
    const input = syntheticCaffeInput(224, 224);
    const [nodeOut, webOut] = await withTempDir(async (dir) => {
      await writeModel(dir, built);
      return [await runOrtNode(join(dir, 'model.onnx'), input, SHAPE), await runOrtWeb(dir, built.manifest, input, SHAPE)];
    });
    for (const out of [nodeOut, webOut]) {
      expect(out.dims).toEqual([1, 64]);
      expect(out.type).toBe('float32');
      const data = out.data as Float32Array;
      expect(data.every(Number.isFinite)).toBe(true);
      expect(data.filter((v) => v > 0).length).toBeGreaterThan(32); // alive, not a vector of zeros
    }
    const a = nodeOut.data as Float32Array;
    const b = webOut.data as Float32Array;
    const diff = maxAbsDiff(a, b);
    console.log(`narrow: max |node - web| = ${diff.toExponential(2)}, max |y| = ${maxAbs(a).toFixed(3)}`);
    expect(diff).toBeLessThan(fp32Tolerance(maxAbs(a)));
    // ... and the output depends on the input.
    const other = syntheticCaffeInput(224, 224, 2);
    const otherOut = await withTempDir(async (dir) => {
      await writeModel(dir, built);
      return runOrtNode(join(dir, 'model.onnx'), other, SHAPE);
    });
    expect(maxAbsDiff(otherOut.data as Float32Array, a)).toBeGreaterThan(1e-2);
  });

  it('reads data split over several files identically (both engines)', async () => {
    const recipe = findRecipe('vgg16-narrow-synthetic');
    const single = buildModel(recipe);
    const split = buildModel(recipe, { maxFileBytes: 256 * 1024 });
    expect(split.manifest.externalData.length).toBeGreaterThanOrEqual(4);
    const input = syntheticCaffeInput(224, 224);
    const results = await withTempDir(async (dir) => {
      const a = join(dir, 'single');
      const b = join(dir, 'split');
      await writeModel(a, single);
      await writeModel(b, split);
      return Promise.all([
        runOrtNode(join(a, 'model.onnx'), input, SHAPE),
        runOrtNode(join(b, 'model.onnx'), input, SHAPE),
        runOrtWeb(a, single.manifest, input, SHAPE),
        runOrtWeb(b, split.manifest, input, SHAPE),
      ]);
    });
    const [nodeSingle, nodeSplit, webSingle, webSplit] = results.map((t) => Array.from(t.data as Float32Array));
    expect(nodeSplit).toEqual(nodeSingle); // bit-identical: only the storage changed
    expect(webSplit).toEqual(webSingle);
  });
});
