/**
 * `npm run model:report`: the fidelity of the model pipeline, as a Markdown report (the table in docs/models.md).
 *
 *   node tools/model/report.ts [--images DIR] [--no-tfjs]
 *
 * 1. Converter parity: the fp32 VGG16 ONNX graph against an independent implementation of the same Keras
 *    model (TF.js layers, CPU backend) on the same weights — Keras's real .h5 when `npm run model:fetch`
 *    has put it in models/weights/, else a generated file with the real layout (synthetic weights).
 * 2. int8 against fp32 on real photos: cosine per image (mean, min) and agreement of nearest-neighbour
 *    sets (top-1 and top-3 among the other photos) — for the real VGG16 when built, else the synthetic one.
 * 3. The MobileNetV2 (real weights): whether each variant of a photo finds its original first.
 *
 * Photos are decoded and preprocessed by the product's own core (src/core/image), as the Worker does.
 * The default photo folder is the repository's ../shared/fixtures/images (development material).
 */
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { decodeImage, toTensor } from '../../src/core/image/index.ts';
import type { ModelManifest } from '../../src/core/model/manifest.ts';
import { cosine } from '../../src/core/vector/metrics.ts';
import { findModel } from '../../src/models.ts';
import { initNodeCodecs } from '../../src/runtime/node.ts';
import { readKerasVgg16Weights } from '../convert/keras-h5.ts';
import { writeKerasVgg16H5 } from '../convert/keras-h5-fixture.ts';
import { compareOnnxAndTfjs } from '../convert/keras-parity.ts';
import { SERVED_MODELS_DIR } from '../prepare-models.ts';
import { KERAS_VGG16_WEIGHTS_FILE } from './recipes.ts';
import { VGG16_CONFIG } from './vgg16.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: resolve(REPO_ROOT, '..', 'shared', 'fixtures', 'images') },
    'no-tfjs': { type: 'boolean', default: false },
  },
});

initNodeCodecs();
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
const fmt = (x: number, digits = 4) => x.toFixed(digits);

interface Photo {
  readonly name: string;
  readonly bytes: Uint8Array;
}

async function loadPhotos(dir: string): Promise<Photo[]> {
  const names = (await readdir(dir)).filter((n) => /\.(png|jpe?g|webp|gif|bmp)$/i.test(n)).sort();
  return Promise.all(names.map(async (name) => ({ name, bytes: new Uint8Array(await readFile(join(dir, name))) })));
}

async function embedAll(manifest: ModelManifest, photos: readonly Photo[]): Promise<Float32Array[]> {
  const dir = join(SERVED_MODELS_DIR, manifest.id);
  const session = await ort.InferenceSession.create(join(dir, manifest.graph.path), { intraOpNumThreads: 1 });
  const vectors: Float32Array[] = [];
  for (const photo of photos) {
    const rgb = await decodeImage(photo.bytes, { maxPixels: 50_000_000, orientation: 'apply' });
    const input = new ort.Tensor('float32', toTensor(rgb, manifest.preprocess), manifest.input.shape);
    const out = await session.run({ [manifest.input.name]: input });
    vectors.push((out[manifest.output.name]!.data as Float32Array).slice());
  }
  await session.release();
  return vectors;
}

/** Indices of the k nearest other photos by cosine, best first (ties by index). */
function nearest(vectors: readonly Float32Array[], i: number, k: number): number[] {
  return vectors
    .map((v, j) => ({ j, s: j === i ? -Infinity : cosine(vectors[i]!, v) }))
    .sort((a, b) => b.s - a.s || a.j - b.j)
    .slice(0, k)
    .map((x) => x.j);
}

async function converterParity(lines: string[]): Promise<void> {
  const realFile = join(REPO_ROOT, KERAS_VGG16_WEIGHTS_FILE);
  const real = await exists(realFile);
  let file = realFile;
  let tmp: string | undefined;
  if (!real) {
    tmp = await mkdtemp(join(tmpdir(), 'report-'));
    file = join(tmp, 'vgg16_generated.h5');
    await writeKerasVgg16H5(file);
  }
  try {
    const weights = await readKerasVgg16Weights(file);
    const chelsea = (await loadPhotos(values.images!)).find((p) => p.name === 'chelsea.png');
    if (!chelsea) throw new Error(`chelsea.png not found in ${values.images}`);
    const rgb = await decodeImage(chelsea.bytes, { maxPixels: 50_000_000, orientation: 'ignore' });
    const caffe = findModel('vgg16-synthetic')!.preprocess;
    const result = await compareOnnxAndTfjs(VGG16_CONFIG, weights, toTensor(rgb, caffe));
    lines.push(
      `| converter parity: fp32 ONNX (onnxruntime-node) vs TF.js layers (CPU), ${real ? 'Keras ImageNet weights' : 'generated .h5 with the real layout (synthetic weights)'}, chelsea.png | max abs diff ${result.maxAbsDiff.toExponential(2)} (max \\|y\\| ${fmt(result.maxAbs, 2)}), cosine ${result.cosine.toFixed(9)} |`,
    );
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

async function quantisationFidelity(lines: string[], photos: readonly Photo[]): Promise<void> {
  const pair =
    findModel('vgg16-imagenet-int8') && findModel('vgg16-imagenet')
      ? ['vgg16-imagenet', 'vgg16-imagenet-int8']
      : ['vgg16-synthetic', 'vgg16-synthetic-int8'];
  const [fp32, int8] = [findModel(pair[0]!)!, findModel(pair[1]!)!];
  const [a, b] = [await embedAll(fp32, photos), await embedAll(int8, photos)];
  const cosines = a.map((v, i) => cosine(v, b[i]!));
  let top1 = 0;
  let top3 = 0;
  for (let i = 0; i < photos.length; i++) {
    if (nearest(a, i, 1)[0] === nearest(b, i, 1)[0]) top1++;
    const [sa, sb] = [new Set(nearest(a, i, 3)), nearest(b, i, 3)];
    top3 += sb.filter((j) => sa.has(j)).length / 3;
  }
  const mean = cosines.reduce((s, c) => s + c, 0) / cosines.length;
  lines.push(
    `| ${int8.id} vs ${fp32.id}, ${photos.length} photos | cosine mean ${fmt(mean, 6)}, min ${fmt(Math.min(...cosines), 6)}; same nearest neighbour ${top1}/${photos.length}; top-3 overlap ${fmt((100 * top3) / photos.length, 1)}% |`,
  );
}

async function mobilenetRetrieval(lines: string[], photos: readonly Photo[]): Promise<void> {
  const model = findModel('mobilenet-v2-1.4-nsfwjs');
  if (!model) return;
  const vectors = await embedAll(model, photos);
  const original = photos.findIndex((p) => p.name === 'chelsea.png');
  const variants = photos.map((p, i) => ({ p, i })).filter(({ p, i }) => p.name.startsWith('chelsea') && i !== original);
  const found = variants.filter(({ i }) => {
    const others = vectors
      .map((v, j) => ({ j, s: cosine(vectors[i]!, v) }))
      .filter(({ j }) => !photos[j]!.name.startsWith('chelsea') || j === original);
    return others.sort((x, y) => y.s - x.s)[0]!.j === original;
  });
  lines.push(
    `| ${model.id}: each chelsea variant (JPEG q90/progressive/4:2:0/CMYK/gray/EXIF, WebP, GIF, BMP, RGBA, 16-bit…) vs the other photos | finds chelsea.png first: ${found.length}/${variants.length} |`,
  );
}

const photos = await loadPhotos(values.images!);
const lines = ['| check | result |', '|---|---|'];
if (!values['no-tfjs']) await converterParity(lines);
await quantisationFidelity(lines, photos);
await mobilenetRetrieval(lines, photos);
console.log(`Model fidelity report — ${new Date().toISOString().slice(0, 10)}, photos from ${values.images}\n`);
console.log(lines.join('\n'));
