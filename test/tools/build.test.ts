/**
 * The builder is deterministic: the narrow model it writes hashes to exactly what models/<id>.json records,
 * and the CLI fails loudly when the committed manifest disagrees.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ModelManifest } from '../../src/core/model/manifest.ts';
import { sha256Hex } from '../../tools/model/files.ts';
import { buildModel, readManifest, writeModel } from '../../tools/model/model-manifest.ts';
import { decodeModel } from '../../tools/model/onnx-writer.ts';
import { findRecipe } from '../../tools/model/recipes.ts';
import { withTempDir } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const NARROW = 'vgg16-narrow-synthetic';
const run = promisify(execFile);

async function committed(id: string): Promise<ModelManifest> {
  const manifest = await readManifest(join(ROOT, 'models', `${id}.json`));
  if (manifest === undefined) throw new Error(`models/${id}.json is missing`);
  return manifest;
}

describe('deterministic build', () => {
  it('writes the narrow model with exactly the committed sha256 and sizes', async () => {
    const manifest = await committed(NARROW);
    await withTempDir(async (dir) => {
      const built = buildModel(findRecipe(NARROW));
      await writeModel(dir, built);
      for (const file of [manifest.graph, ...manifest.externalData]) {
        const bytes = await readFile(join(dir, file.path));
        expect({ path: file.path, bytes: bytes.byteLength, sha256: sha256Hex(bytes) }).toEqual(file);
      }
      expect(built.manifest).toEqual(manifest);
    });
  });

  it('the committed manifests describe the models as specified', async () => {
    for (const [id, dims, architecture] of [
      [NARROW, 64, 'vgg16-narrow8'],
      ['vgg16-synthetic', 512, 'vgg16'],
    ] as const) {
      const m = await committed(id);
      expect(m).toMatchObject({
        id,
        version: '1',
        architecture,
        weights: 'synthetic',
        quantization: 'fp32',
        dims,
        input: { name: 'input', shape: [1, 224, 224, 3] },
        output: { name: 'features' },
        preprocess: {
          height: 224,
          width: 224,
          resample: 'nearest',
          channelOrder: 'BGR',
          scale: 1,
          mean: [103.939, 116.779, 123.68],
          std: [1, 1, 1],
          layout: 'NHWC',
        },
        graph: { path: 'model.onnx' },
      });
      for (const f of m.externalData) expect(f.bytes).toBeLessThanOrEqual(24 * 1024 * 1024);
    }
    const full = await committed('vgg16-synthetic');
    expect(full.macs).toBe(15_346_630_656);
    expect(full.externalData.length).toBeGreaterThanOrEqual(3);
    expect(full.externalData.reduce((s, f) => s + f.bytes, 0)).toBeGreaterThanOrEqual(14_714_688 * 4);
  });

  it('the .onnx is opset 17 / IR 8 with every initializer in external data', () => {
    const built = buildModel(findRecipe(NARROW));
    const model = decodeModel(built.serialized.model);
    expect(Number(model.irVersion)).toBe(8);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    const graph = model.graph!;
    const inputs = graph.input ?? [];
    const outputs = graph.output ?? [];
    const nodes = graph.node ?? [];
    const initializers = graph.initializer ?? [];
    expect(inputs.map((i) => i.name)).toEqual(['input']);
    expect(inputs[0]!.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue))).toEqual([1, 224, 224, 3]);
    expect(outputs[0]!.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue))).toEqual([1, 64]);
    expect(nodes.filter((n) => n.opType === 'Conv')).toHaveLength(13);
    expect(nodes.filter((n) => n.opType === 'MaxPool')).toHaveLength(5);
    expect(initializers).toHaveLength(26);
    for (const t of initializers) {
      expect(t.dataLocation).toBe(1); // EXTERNAL
      expect(t.rawData?.length ?? 0).toBe(0);
      expect((t.externalData ?? []).map((e) => e.key)).toEqual(['location', 'offset', 'length']);
    }
    expect((initializers[0]!.dims ?? []).map(Number)).toEqual([8, 3, 3, 3]); // OIHW
  });
});

describe('build CLI', () => {
  const cli = join(ROOT, 'tools', 'model', 'build.ts');

  it('--check passes against the committed manifest, and fails loudly on a changed hash', async () => {
    const ok = await run(process.execPath, [cli, '--model', NARROW, '--check']);
    expect(JSON.parse(ok.stdout)).toEqual(await committed(NARROW));
    expect(ok.stderr).toMatch(/OK matches/);

    await withTempDir(async (dir) => {
      const manifests = join(dir, 'manifests');
      await mkdir(manifests);
      const tampered = JSON.parse(JSON.stringify(await committed(NARROW))) as { externalData: { sha256: string }[] };
      tampered.externalData[0]!.sha256 = '0'.repeat(64);
      await writeFile(join(manifests, `${NARROW}.json`), JSON.stringify(tampered));
      const failure = await run(process.execPath, [cli, '--model', NARROW, '--out', join(dir, 'out'), '--manifest-dir', manifests]).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toMatch(/FAIL[\s\S]*model\.data\.0: committed sha256 0{64}/);
      // The files were still written, and --write-manifest repairs the manifest.
      await run(process.execPath, [cli, '--model', NARROW, '--out', join(dir, 'out'), '--manifest-dir', manifests, '--write-manifest']);
      expect(await readManifest(join(manifests, `${NARROW}.json`))).toEqual(await committed(NARROW));
    });
  });

  it('rejects an unknown model with status 2', async () => {
    const failure = await run(process.execPath, [cli, '--model', 'nope', '--check']).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toMatch(/unknown model/);
  });
});
