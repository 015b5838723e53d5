/** The CLI's pieces without a service: ids from relative paths, image sniffing, the resume log, the engine choice. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findImages, idOf } from '../../src/cli/files.ts';
import { engineFor } from '../../src/cli/local.ts';
import { IndexState } from '../../src/cli/state.ts';
import { MODELS } from '../../src/models.ts';
import { ID_PATTERN } from '../../src/store/validate.ts';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edge-features-files-'));
  await mkdir(join(dir, 'a/b'), { recursive: true });
  await writeFile(join(dir, 'a/b/photo 1.png'), PNG);
  await writeFile(join(dir, 'a/b/photo_1.png'), PNG); // the same id as "photo 1.png"
  await writeFile(join(dir, 'top.bin'), PNG); // an image, whatever the extension
  await writeFile(join(dir, 'notes.png'), 'text, whatever the extension');
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('CLI files and state', () => {
  it('ids: "/" -> ":", other characters -> "_", a leading dot guarded, long paths shortened with a hash; all valid ids', async () => {
    expect(await idOf('trips/2024/IMG 1.jpg')).toBe('trips:2024:IMG_1.jpg');
    expect(await idOf('.hidden.png')).toBe('_.hidden.png');
    const long = await idOf(`${'x'.repeat(80)}/é.png`);
    expect(long).toMatch(/^x{55}~[0-9a-f]{8}$/);
    expect(await idOf(`${'x'.repeat(80)}/f.png`)).not.toBe(long);
    for (const id of [long, await idOf('ü/ß/😀.webp')]) expect(ID_PATTERN.test(id)).toBe(true);
  });

  it('finds images by their bytes, recursively; colliding ids are reported, not indexed', async () => {
    const found = await findImages(dir);
    expect(found.images.map((i) => [i.id, i.relative])).toEqual([['top.bin', 'top.bin']]);
    expect(found.skipped).toEqual(['notes.png']);
    expect(found.collisions).toEqual([{ id: 'a:b:photo_1.png', paths: ['a/b/photo 1.png', 'a/b/photo_1.png'] }]);
    const globbed = await findImages(join(dir, '**/*.png'));
    expect(globbed.collisions.map((c) => c.id)).toEqual(['a:b:photo_1.png']);
    expect(globbed.images).toEqual([]);
  });

  it('the resume log keeps id + content hash across opens; a changed hash is not done; a cut line is ignored', async () => {
    const path = join(dir, '.edge-features/state.ndjson');
    const state = await IndexState.open(path);
    await state.record('a', 'h1');
    await writeFile(path, `${JSON.stringify({ id: 'a', sha256: 'h1' })}\n{"id":"b","sha`, { flag: 'w' });
    const again = await IndexState.open(path);
    expect(again.has('a', 'h1')).toBe(true);
    expect(again.has('a', 'h2')).toBe(false);
    expect(again.has('b', 'h1')).toBe(false);
  });

  it('engine auto: native for fp32 models, wasm for int8 (native int8 kernels round differently)', () => {
    for (const model of MODELS) expect(engineFor(model, 'auto')).toBe(model.quantization === 'fp32' ? 'native' : 'wasm');
    expect(engineFor(MODELS[0]!, 'wasm')).toBe('wasm');
  });
});
