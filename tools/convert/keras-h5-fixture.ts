/**
 * @module Writes stand-ins for Keras's VGG16 weight file: the real file's layer names, attributes, dataset
 * names and shapes, filled with deterministic synthetic weights (tools/model/synthetic.ts), at full size or
 * with narrower widths for fast tests.
 *
 * Flavours:
 * - `keras1`: the layout of `vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5` (Keras 1 via h5py, 2016):
 *   root attribute `layer_names` only; datasets `<layer>_W_1:0` / `<layer>_b_1:0` directly in each layer's
 *   group; string lists as fixed-length ASCII strings; `weight_names` of a layer without weights is an
 *   empty float64 array, which is what h5py writes for `[]`.
 * - `keras2`: `save_weights` of Keras 2 / tf.keras: root attributes `layer_names`, `backend`,
 *   `keras_version`; datasets in a subgroup, `<layer>/<layer>/kernel:0` listed as `<layer>/kernel:0`;
 *   fixed-length UTF-8 strings.
 * - `keras2-model`: `model.save('x.h5')` of Keras 2: the same under `/model_weights`, plus a
 *   `model_config` attribute at the root.
 *
 *   npx node tools/convert/keras-h5-fixture.ts OUT.h5 [--flavor keras1|keras2|keras2-model] [--narrow N] [--seed S]
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { syntheticVgg16Weights } from '../model/synthetic.ts';
import { hwioToOihw, narrowBlocks, VGG16_CONFIG, vgg16Layers, type KerasConvWeights, type Vgg16Config } from '../model/vgg16.ts';
import { loadH5wasm } from './keras-h5.ts';

export type KerasH5Flavor = 'keras1' | 'keras2' | 'keras2-model';
export const KERAS_H5_FLAVORS: readonly KerasH5Flavor[] = ['keras1', 'keras2', 'keras2-model'];

/** Seed of the fixtures' synthetic weights (any seed works; this one is the default). */
export const FIXTURE_SEED = 20160807;

export interface KerasH5FixtureOptions {
  /** Widths (and so shapes) of the conv layers; VGG16 itself by default. Height and width are unused. */
  readonly config?: Vgg16Config;
  /** The weights to store; synthetic ones from `seed` by default. */
  readonly weights?: ReadonlyMap<string, KerasConvWeights>;
  readonly seed?: number;
  readonly flavor?: KerasH5Flavor;
  /** Test hooks: leave layers out entirely, store kernels as Theano (out, in, h, w), or as float64. */
  readonly omitLayers?: readonly string[];
  readonly kernelLayout?: 'hwio' | 'oihw';
  readonly dtype?: 'float32' | 'float64';
}

/** Keras's layer list for the conv base: input_1, then each block's convs and pool. */
export function kerasVgg16LayerNames(config: Vgg16Config = VGG16_CONFIG): string[] {
  const names = ['input_1'];
  const layers = vgg16Layers(config);
  layers.forEach((layer, i) => {
    names.push(layer.name);
    if (layers[i + 1]?.block !== layer.block) names.push(`block${layer.block}_pool`);
  });
  return names;
}

/** Writes the fixture; returns the weights it holds (HWIO, as read back by readKerasVgg16Weights). */
export async function writeKerasVgg16H5(path: string, options: KerasH5FixtureOptions = {}): Promise<Map<string, KerasConvWeights>> {
  const h5 = await loadH5wasm();
  const config = options.config ?? VGG16_CONFIG;
  const flavor = options.flavor ?? 'keras1';
  const weights = new Map(options.weights ?? syntheticVgg16Weights(config, options.seed ?? FIXTURE_SEED));
  const omit = new Set(options.omitLayers ?? []);
  const layerNames = kerasVgg16LayerNames(config).filter((n) => !omit.has(n));
  const shapes = new Map(vgg16Layers(config).map((l) => [l.name, l]));
  const fixed = flavor === 'keras1' ? 'A' : 'S'; // ASCII like h5py's numpy bytes in 2016; UTF-8 otherwise
  const strings = (values: readonly string[]): [string[], string] => [
    [...values],
    `${fixed}${Math.max(1, ...values.map((v) => new TextEncoder().encode(v).length))}`,
  ];

  await mkdir(dirname(resolve(path)), { recursive: true });
  const file = new h5.File(resolve(path), 'w');
  try {
    let root: InstanceType<typeof h5.Group> = file;
    if (flavor === 'keras2-model') {
      file.create_attribute('keras_version', '2.13.1');
      file.create_attribute('backend', 'tensorflow');
      file.create_attribute('model_config', JSON.stringify({ class_name: 'Functional', config: { name: 'vgg16' } }));
      root = file.create_group('model_weights');
    }
    const [names, namesType] = strings(layerNames);
    root.create_attribute('layer_names', names, [names.length], namesType);
    if (flavor !== 'keras1') {
      root.create_attribute('backend', 'tensorflow', null, 'S10');
      root.create_attribute('keras_version', '2.13.1', null, 'S6');
    }
    for (const name of layerNames) {
      const group = root.create_group(name);
      const layer = shapes.get(name);
      const w = weights.get(name);
      if (layer === undefined || w === undefined) {
        // Input and pooling layers: h5py stores an empty list as an empty float64 array.
        group.create_attribute('weight_names', new Float64Array(0), [0], '<d');
        continue;
      }
      const [kernelName, biasName] = flavor === 'keras1' ? [`${name}_W_1:0`, `${name}_b_1:0`] : [`${name}/kernel:0`, `${name}/bias:0`];
      const [wn, wnType] = strings([kernelName, biasName]);
      group.create_attribute('weight_names', wn, [2], wnType);
      const { inChannels: cin, outChannels: cout } = layer;
      const oihw = options.kernelLayout === 'oihw';
      const kernel = oihw ? hwioToOihw(w.kernel, 3, 3, cin, cout) : w.kernel;
      const dtype = options.dtype === 'float64' ? '<d' : '<f';
      const data = (a: Float32Array) => (options.dtype === 'float64' ? Float64Array.from(a) : a);
      // Keras 2 names are paths inside the layer's group (`block1_conv1/kernel:0`): make the subgroup.
      const holder = flavor === 'keras1' ? group : group.create_group(name);
      const leaf = (n: string) => n.slice(n.lastIndexOf('/') + 1);
      holder.create_dataset({ name: leaf(kernelName), data: data(kernel), shape: oihw ? [cout, cin, 3, 3] : [3, 3, cin, cout], dtype });
      holder.create_dataset({ name: leaf(biasName), data: data(w.bias), shape: [cout], dtype });
    }
  } finally {
    file.close();
  }
  for (const name of omit) weights.delete(name);
  return weights;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      flavor: { type: 'string', default: 'keras1' },
      narrow: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const out = positionals[0];
  const flavor = values.flavor as KerasH5Flavor;
  if (out === undefined || !KERAS_H5_FLAVORS.includes(flavor)) {
    console.error(
      `usage: npx node tools/convert/keras-h5-fixture.ts OUT.h5 [--flavor ${KERAS_H5_FLAVORS.join('|')}] [--narrow N] [--seed S]`,
    );
    process.exit(2);
  }
  const config = values.narrow === undefined ? VGG16_CONFIG : { ...VGG16_CONFIG, blocks: narrowBlocks(Number(values.narrow)) };
  await writeKerasVgg16H5(out, { config, flavor, ...(values.seed === undefined ? {} : { seed: Number(values.seed) }) });
  console.log(`wrote ${out} (${flavor}${values.narrow === undefined ? '' : `, widths / ${values.narrow}`})`);
}
