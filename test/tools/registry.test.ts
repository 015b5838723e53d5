import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AUTO_PREFERENCE, chooseModel, MODELS } from '../../src/models.ts';
import { readManifests, REGISTRY_FILE, registryJson } from '../../tools/model/registry.ts';

const MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));

describe('models/index.json', () => {
  it('is exactly the manifests in models/, in recipe order (the builder rewrites it)', async () => {
    const committed = await readFile(`${MODELS_DIR}${REGISTRY_FILE}`, 'utf8');
    expect(committed).toBe(registryJson(await readManifests(MODELS_DIR)));
  });

  it('holds a real-weights MobileNet and the synthetic VGG16s, with unique ids', () => {
    const ids = MODELS.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(MODELS.find((m) => m.id.includes('mobilenet'))).toMatchObject({ weights: 'imagenet', dims: 1792 });
    expect(ids).toEqual(expect.arrayContaining(['vgg16-synthetic', 'vgg16-synthetic-int8', 'vgg16-narrow-synthetic']));
  });
});

describe('chooseModel', () => {
  it('auto serves the first preferred model this build knows, and says why', () => {
    const expected = AUTO_PREFERENCE.find((id) => MODELS.some((m) => m.id === id));
    const choice = chooseModel('auto');
    expect(choice.model.id).toBe(expected);
    expect(chooseModel(undefined).model.id).toBe(expected);
    expect(choice.reason).toMatch(/MODEL_ID=auto/);
    if (expected === 'mobilenet-v2-1.4-nsfwjs') expect(choice.reason).toMatch(/no VGG16 ImageNet weights/);
  });

  it('an explicit id serves that model; an unknown one is a clear error naming the known ids', () => {
    expect(chooseModel('vgg16-synthetic-int8').model.quantization).toBe('int8');
    expect(() => chooseModel('vgg17')).toThrow(/MODEL_ID "vgg17" is not one of: .*vgg16-synthetic/);
  });
});
