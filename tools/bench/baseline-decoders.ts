/**
 * @module The image path before streaming decoding (issue #11), kept for `npm run bench:images` to time
 * before and after in one run: MozJPEG (@jsquash/jpeg) and the Rust png crate (@jsquash/png) decode the
 * whole image to RGBA inside their wasm memory, the RGBA is copied out, made RGB, then resized. The two
 * packages are devDependencies for this baseline alone; the product does not load them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import mozjpegFactory from '@jsquash/jpeg/codec/dec/mozjpeg_dec.js';
import { decode as pngDecode, initSync as pngInit } from '@jsquash/png/codec/pkg/squoosh_png.js';
import { resizeRgb } from '../../src/core/image/resize.ts';
import type { ResampleMode, RgbImage } from '../../src/core/image/types.ts';
import { initNodeCodecs } from '../../src/runtime/node.ts';

const require = createRequire(import.meta.url);
const compile = (specifier: string) => new WebAssembly.Module(readFileSync(require.resolve(specifier)));

interface RgbaImage {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}
interface MozJpeg {
  decode(data: Uint8Array, preserveOrientation: boolean): RgbaImage | null;
  readonly HEAPU8: Uint8Array;
}

/** Decodes and resizes one image as the service did before; `wasmBytes` is the decoder's memory after. */
export type BaselineDecode = (bytes: Uint8Array, mode: ResampleMode) => { rgb: RgbImage; wasmBytes: number };

function rgbaToRgb({ data, width, height }: RgbaImage): RgbImage {
  const out = new Uint8Array(width * height * 3);
  for (let s = 0, o = 0; o < out.length; s += 4, o += 3) {
    out[o] = data[s]!;
    out[o + 1] = data[s + 1]!;
    out[o + 2] = data[s + 2]!;
  }
  return { width, height, data: out };
}

let modules: { jpeg: WebAssembly.Module; png: WebAssembly.Module } | undefined;

/**
 * A baseline decoder for one image, instantiated before the call so a timing covers the decode alone (the
 * service kept an instance warm between small images and dropped it after a large one).
 */
export async function baselineDecoder(format: 'jpeg' | 'png'): Promise<BaselineDecode> {
  initNodeCodecs(); // the emscripten codecs construct ImageData, which initCodecs provides outside browsers
  modules ??= { jpeg: compile('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'), png: compile('@jsquash/png/codec/pkg/squoosh_png_bg.wasm') };
  const finish = (rgba: RgbaImage | null, wasmBytes: number, mode: ResampleMode) => {
    if (!rgba) throw new Error(`baseline ${format} decoder returned no image`);
    return { rgb: resizeRgb(rgbaToRgb(rgba), 224, 224, mode), wasmBytes };
  };
  if (format === 'png') {
    // wasm-bindgen keeps one instance per process: its memory is the high-water mark of all PNGs so far.
    const exports = pngInit(modules.png) as { memory: WebAssembly.Memory };
    return (bytes, mode) => {
      const rgba = pngDecode(bytes) as RgbaImage | undefined;
      return finish(rgba ?? null, exports.memory.buffer.byteLength, mode);
    };
  }
  const jpegModule = modules.jpeg;
  const factory = mozjpegFactory as unknown as (options: object) => Promise<MozJpeg>;
  const jpeg = await factory({
    noInitialRun: true,
    instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance) => void) {
      const instance = new WebAssembly.Instance(jpegModule, imports);
      receive(instance);
      return instance.exports;
    },
  });
  return (bytes, mode) => {
    const rgba = jpeg.decode(bytes, false);
    return finish(rgba, jpeg.HEAPU8.buffer.byteLength, mode);
  };
}
