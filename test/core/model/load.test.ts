import { describe, expect, it } from 'vitest';
import { loadModelFiles, ModelLoadError } from '../../../src/core/model/load.ts';
import { sha256Hex } from '../../../src/core/util/sha256.ts';
import { parseManifest, type ModelManifest } from '../../../src/core/model/manifest.ts';
import { MODELS } from '../../../src/models.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

async function manifestFor(files: Record<string, Uint8Array<ArrayBuffer>>): Promise<ModelManifest> {
  const entry = async (path: string) => ({ path, bytes: files[path]!.byteLength, sha256: await sha256Hex(files[path]!) });
  return { ...MODELS[0]!, graph: await entry('model.onnx'), externalData: [await entry('model.data.0')] };
}

describe('loadModelFiles', () => {
  const files = { 'model.onnx': bytes('graph'), 'model.data.0': bytes('weights') };
  const source = async (path: string) => files[path as keyof typeof files];

  it('returns the graph and external data when every hash matches', async () => {
    const loaded = await loadModelFiles(await manifestFor(files), source);
    expect(new TextDecoder().decode(loaded.graph)).toBe('graph');
    expect(loaded.externalData.map((f) => f.path)).toEqual(['model.data.0']);
  });

  it('refuses a tampered file, naming it and both hashes', async () => {
    const manifest = await manifestFor(files);
    const tampered = async (path: string) => (path === 'model.data.0' ? bytes('weightz') : files[path as keyof typeof files]);
    const error = await loadModelFiles(manifest, tampered).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toMatch(/model\.data\.0 has sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}/);
  });

  it('refuses a file of the wrong size and a missing file', async () => {
    const manifest = await manifestFor(files);
    await expect(loadModelFiles(manifest, async () => bytes('x'))).rejects.toThrow(/has 1 bytes, the manifest says/);
    await expect(
      loadModelFiles(manifest, async () => {
        throw new Error('404');
      }),
    ).rejects.toThrow(/cannot read model.onnx/);
  });
});

describe('parseManifest', () => {
  it('accepts the committed manifests', () => {
    expect(MODELS.length).toBeGreaterThanOrEqual(2);
  });

  it('names every bad field', () => {
    const bad = { ...MODELS[0]!, dims: -1, graph: { ...MODELS[0]!.graph, sha256: 'XYZ' } };
    expect(() => parseManifest(bad, 'x.json')).toThrow(/x\.json: .*dims.*graph\.sha256/);
  });
});
