/**
 * tools/convert/keras-h5.ts against generated files with the layout of Keras's VGG16 weight file
 * (tools/convert/keras-h5-fixture.ts): the full-size Keras-1 file once, narrow files in every flavour,
 * h5py's string encodings, and the errors a user can meet.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_SEED, KERAS_H5_FLAVORS, kerasVgg16LayerNames, writeKerasVgg16H5 } from '../../tools/convert/keras-h5-fixture.ts';
import { attributeStrings, inspectKerasH5, KerasWeightsError, loadH5wasm, readKerasVgg16Weights } from '../../tools/convert/keras-h5.ts';
import { syntheticVgg16Weights } from '../../tools/model/synthetic.ts';
import {
  narrowBlocks,
  VGG16_CONFIG,
  vgg16Layers,
  vgg16ParamCount,
  type KerasConvWeights,
  type Vgg16Config,
} from '../../tools/model/vgg16.ts';
import { withTempDir } from './helpers.ts';

const NARROW: Vgg16Config = { ...VGG16_CONFIG, blocks: narrowBlocks(8) };

function expectSameWeights(actual: ReadonlyMap<string, KerasConvWeights>, expected: ReadonlyMap<string, KerasConvWeights>): void {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [name, w] of expected) {
    const a = actual.get(name)!;
    // Bit-exact: compare the bytes, not the floats.
    expect(
      Buffer.compare(
        Buffer.from(a.kernel.buffer, a.kernel.byteOffset, a.kernel.byteLength),
        Buffer.from(w.kernel.buffer, w.kernel.byteOffset, w.kernel.byteLength),
      ),
      name,
    ).toBe(0);
    expect(
      Buffer.compare(
        Buffer.from(a.bias.buffer, a.bias.byteOffset, a.bias.byteLength),
        Buffer.from(w.bias.buffer, w.bias.byteOffset, w.bias.byteLength),
      ),
      name,
    ).toBe(0);
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KerasWeightsError);
  return error as Error;
}

describe('readKerasVgg16Weights: the full-size Keras-1 file', () => {
  it('writes a 58.9 MB file with the real layout and reads back every weight bit-exactly', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5');
      const written = await writeKerasVgg16H5(path);
      const bytes = (await readFile(path)).byteLength;
      const floats = vgg16ParamCount(VGG16_CONFIG);
      expect(floats).toBe(14_714_688);
      expect(bytes).toBeGreaterThan(floats * 4);
      expect(bytes).toBeLessThan(floats * 4 + 100_000); // contiguous float32 plus HDF5 headers (real file: 58.9 MB)

      const weights = await readKerasVgg16Weights(path);
      expectSameWeights(weights, syntheticVgg16Weights(VGG16_CONFIG, FIXTURE_SEED));
      expectSameWeights(weights, written);
      for (const layer of vgg16Layers(VGG16_CONFIG)) {
        expect(weights.get(layer.name)!.kernel.length).toBe(9 * layer.inChannels * layer.outChannels);
      }

      const info = await inspectKerasH5(path);
      expect(info.root).toBe('/');
      expect(info.kerasVersion).toBeUndefined(); // Keras 1 wrote only layer_names at the root
      expect(info.layers.map((l) => l.name)).toEqual([
        'input_1',
        'block1_conv1',
        'block1_conv2',
        'block1_pool',
        'block2_conv1',
        'block2_conv2',
        'block2_pool',
        'block3_conv1',
        'block3_conv2',
        'block3_conv3',
        'block3_pool',
        'block4_conv1',
        'block4_conv2',
        'block4_conv3',
        'block4_pool',
        'block5_conv1',
        'block5_conv2',
        'block5_conv3',
        'block5_pool',
      ]);
      expect(info.layers[1]!.weights).toEqual([
        { name: 'block1_conv1_W_1:0', shape: [3, 3, 3, 64], dtype: '<f' },
        { name: 'block1_conv1_b_1:0', shape: [64], dtype: '<f' },
      ]);
      expect(info.layers.find((l) => l.name === 'block5_conv3')!.weights[0]!.shape).toEqual([3, 3, 512, 512]);
      expect(info.layers.find((l) => l.name === 'block3_pool')!.weights).toEqual([]);
    });
  });
});

describe('readKerasVgg16Weights: narrow files', () => {
  const expected = syntheticVgg16Weights(NARROW, FIXTURE_SEED);

  for (const flavor of KERAS_H5_FLAVORS) {
    it(`${flavor}: reads the weights from a path and from bytes`, async () => {
      await withTempDir(async (dir) => {
        const path = join(dir, `${flavor}.h5`);
        await writeKerasVgg16H5(path, { config: NARROW, flavor });
        expectSameWeights(await readKerasVgg16Weights(path, NARROW), expected);
        expectSameWeights(await readKerasVgg16Weights(new Uint8Array(await readFile(path)), NARROW), expected);
        const info = await inspectKerasH5(path);
        expect(info.root).toBe(flavor === 'keras2-model' ? '/model_weights' : '/');
        expect(info.layers[1]!.weights.map((w) => w.name)).toEqual(
          flavor === 'keras1' ? ['block1_conv1_W_1:0', 'block1_conv1_b_1:0'] : ['block1_conv1/kernel:0', 'block1_conv1/bias:0'],
        );
        if (flavor !== 'keras1') expect([info.kerasVersion, info.backend]).toEqual(['2.13.1', 'tensorflow']);
      });
    });
  }

  it('stores strings the way h5py does, and the reader takes every encoding', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'k1.h5');
      await writeKerasVgg16H5(path, { config: NARROW });
      const h5 = await loadH5wasm();
      const file = new h5.File(path, 'r');
      try {
        const names = file.attrs['layer_names']!;
        // Fixed-length (not variable-length) ASCII byte strings, as numpy 'S' arrays are stored.
        expect(names.metadata).toMatchObject({ type: 3, vlen: false, cset: 0, size: 12 });
        const pool = (file.get('block1_pool') as InstanceType<typeof h5.Group>).attrs['weight_names']!;
        // An empty list: h5py writes np.array([]), an empty float64 array.
        expect(pool.metadata).toMatchObject({ type: 1, size: 8 });
        expect(pool.shape).toEqual([0]);
      } finally {
        file.close();
      }
    });
    expect(attributeStrings(['input_1\0\0\0\0\0', 'block1_conv1'])).toEqual(['input_1', 'block1_conv1']);
    expect(attributeStrings(new TextEncoder().encode('block1_conv1_W_1:0\0\0'))).toEqual(['block1_conv1_W_1:0']);
    expect(attributeStrings([new TextEncoder().encode('a'), ['b', ['c  ']]])).toEqual(['a', 'b', 'c']);
    expect(attributeStrings(new Float64Array(0))).toEqual([]);
    expect(attributeStrings(null)).toEqual([]);
    expect(() => attributeStrings(new Float64Array([1]))).toThrow(/strings/);
  });

  it("reads Keras 2's chunked attributes (layer_names0, layer_names1, ...) and ignores non-conv layers (fc1, ...)", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'k2.h5');
      await writeKerasVgg16H5(path, { config: NARROW, flavor: 'keras2' });
      const h5 = await loadH5wasm();
      const file = new h5.File(path, 'a');
      try {
        const names = [...kerasVgg16LayerNames(NARROW), 'flatten', 'fc1'];
        file.delete_attribute('layer_names');
        file.create_attribute('layer_names0', names.slice(0, 10), [10], 'S12');
        file.create_attribute('layer_names1', names.slice(10), [names.length - 10], 'S12');
        file.create_group('flatten').create_attribute('weight_names', new Float64Array(0), [0], '<d');
        const fc1 = file.create_group('fc1');
        fc1.create_attribute('weight_names', ['fc1/kernel:0', 'fc1/bias:0'], [2], 'S12');
        const sub = fc1.create_group('fc1');
        sub.create_dataset({ name: 'kernel:0', data: new Float32Array(64 * 10), shape: [64, 10], dtype: '<f' });
        sub.create_dataset({ name: 'bias:0', data: new Float32Array(10), shape: [10], dtype: '<f' });
      } finally {
        file.close();
      }
      expectSameWeights(await readKerasVgg16Weights(path, NARROW), expected);
      const info = await inspectKerasH5(path);
      expect(info.layers.at(-1)).toEqual({
        name: 'fc1',
        weights: [
          { name: 'fc1/kernel:0', shape: [64, 10], dtype: '<f' },
          { name: 'fc1/bias:0', shape: [10], dtype: '<f' },
        ],
      });
    });
  });

  it('converts float64 weights to float32', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'f64.h5');
      await writeKerasVgg16H5(path, { config: NARROW, dtype: 'float64' });
      expectSameWeights(await readKerasVgg16Weights(path, NARROW), expected); // float32 -> float64 -> float32 is exact
    });
  });
});

describe('readKerasVgg16Weights: errors', () => {
  let dir: string;
  let narrowFile: string;
  beforeAll(async () => {
    // One narrow file shared by the error cases (the temp dir lives for this describe block only).
    dir = await mkdtemp(join(tmpdir(), 'keras-h5-errors-'));
    narrowFile = join(dir, 'narrow.h5');
    await writeKerasVgg16H5(narrowFile, { config: NARROW });
    return () => rm(dir, { recursive: true, force: true });
  });

  it('a missing file', async () => {
    expect((await rejection(readKerasVgg16Weights(join(dir, 'nope.h5')))).message).toBe(`${join(dir, 'nope.h5')}: no such file`);
  });

  it('not an HDF5 file, with a guess at what it is', async () => {
    const html = join(dir, 'page.h5');
    await writeFile(html, '<!DOCTYPE html><html><body>Access denied</body></html>');
    expect((await rejection(readKerasVgg16Weights(html))).message).toMatch(/page\.h5: not an HDF5 file \(54 bytes, it looks like HTML/);
    const lfs = join(dir, 'lfs.h5');
    await writeFile(lfs, 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 58889256\n');
    expect((await rejection(readKerasVgg16Weights(lfs))).message).toMatch(/Git LFS pointer/);
    expect(await rejection(readKerasVgg16Weights(new Uint8Array(100)))).toHaveProperty(
      'message',
      '<100 bytes>: not an HDF5 file (100 bytes)',
    );
  });

  it('a truncated file (an interrupted download)', async () => {
    const bytes = await readFile(narrowFile);
    const cut = join(dir, 'cut.h5');
    await writeFile(cut, bytes.subarray(0, 400_000));
    expect((await rejection(readKerasVgg16Weights(cut, NARROW))).message).toBe(
      `${cut}: HDF5 cannot open it: truncated: 400000 of ${bytes.byteLength} bytes (an interrupted download?)`,
    );
  });

  it('an HDF5 file that is not Keras weights', async () => {
    const other = join(dir, 'other.h5');
    const h5 = await loadH5wasm();
    const file = new h5.File(other, 'w');
    file.create_dataset({ name: 'data', data: new Float32Array(4) });
    file.close();
    expect((await rejection(readKerasVgg16Weights(other))).message).toBe(
      `${other}: an HDF5 file, but not Keras weights: no layer_names attribute at / or /model_weights (root holds: data)`,
    );
  });

  it('a missing layer', async () => {
    const path = join(dir, 'missing-layer.h5');
    await writeKerasVgg16H5(path, { config: NARROW, omitLayers: ['block3_conv2', 'block5_conv3'] });
    expect((await rejection(readKerasVgg16Weights(path, NARROW))).message).toMatch(
      /missing-layer\.h5: missing VGG16 layers block3_conv2, block5_conv3 \(the source lists: input_1, block1_conv1, .*block5_pool\)$/,
    );
  });

  it('a wrong shape: a narrow file read as VGG16', async () => {
    expect((await rejection(readKerasVgg16Weights(narrowFile))).message).toBe(
      `${narrowFile}: layer block1_conv1: kernel block1_conv1_W_1:0 has shape (3, 3, 3, 8), expected (3, 3, 3, 64) (HWIO): ` +
        'not the VGG16 conv base (or a different width)',
    );
  });

  it('Theano kernel ordering is recognised', async () => {
    const path = join(dir, 'th.h5');
    await writeKerasVgg16H5(path, { config: NARROW, kernelLayout: 'oihw' });
    expect((await rejection(readKerasVgg16Weights(path, NARROW))).message).toMatch(
      /block1_conv1_W_1:0 has shape \(8, 3, 3, 3\), expected \(3, 3, 3, 8\) \(HWIO\): this is Theano ordering/,
    );
  });
});
