/**
 * @module The calibration images that ship with the repository (`models/calibration/`): 224x224x3 uint8 RGB
 * arrays, raw row-major HWC bytes, exactly what Keras `load_img(path, target_size=(224, 224))` gives for a
 * handful of CC0 / public-domain photos (see models/calibration/README.md). Stored decoded, so building a
 * quantised model needs no image decoder; `manifest.json` beside them pins each file's sha256.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from './files.ts';

export const CALIBRATION_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models', 'calibration');

/** Keras "caffe" mean, in BGR order. */
export const CAFFE_MEAN_BGR: readonly [number, number, number] = [103.939, 116.779, 123.68];

export interface CalibrationImage {
  /** The source photo's file name, e.g. `chelsea.png`. */
  readonly name: string;
  readonly height: number;
  readonly width: number;
  /** RGB, row-major HWC, height * width * 3 bytes. */
  readonly rgb: Uint8Array;
}

interface CalibrationManifest {
  readonly height: number;
  readonly width: number;
  readonly images: readonly { readonly name: string; readonly file: string; readonly sha256: string }[];
}

/** Reads every image `manifest.json` lists, in its order, refusing a file whose size or sha256 differs. */
export async function loadCalibrationSet(dir = CALIBRATION_DIR): Promise<CalibrationImage[]> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as CalibrationManifest;
  const { height, width } = manifest;
  return Promise.all(
    manifest.images.map(async (entry) => {
      const rgb = new Uint8Array(await readFile(join(dir, entry.file)));
      if (rgb.byteLength !== height * width * 3) {
        throw new Error(`${entry.file}: ${rgb.byteLength} bytes, expected ${height}x${width}x3`);
      }
      const sha = sha256Hex(rgb);
      if (sha !== entry.sha256) throw new Error(`${entry.file}: sha256 ${sha}, manifest.json says ${entry.sha256}`);
      return { name: entry.name, height, width, rgb };
    }),
  );
}

/**
 * Keras `vgg16.preprocess_input` ("caffe"): RGB -> BGR, minus the ImageNet mean, no scaling, NHWC float32
 * (the [1, height, width, 3] tensor the VGG16 graph takes).
 */
export function caffeTensor(image: CalibrationImage): Float32Array {
  const { rgb } = image;
  const out = new Float32Array(rgb.length);
  for (let p = 0; p < rgb.length; p += 3) {
    out[p] = rgb[p + 2]! - CAFFE_MEAN_BGR[0];
    out[p + 1] = rgb[p + 1]! - CAFFE_MEAN_BGR[1];
    out[p + 2] = rgb[p]! - CAFFE_MEAN_BGR[2];
  }
  return out;
}

/** The range every caffe-preprocessed input lies in: [0 - max mean, 255 - min mean]. */
export function caffeInputRange(mean: readonly number[] = CAFFE_MEAN_BGR): [number, number] {
  return [-Math.max(...mean), 255 - Math.min(...mean)];
}
