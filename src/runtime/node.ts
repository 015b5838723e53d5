/**
 * @module The Node runtime (tools, tests, benchmarks): the same codec `.wasm` files the Worker imports,
 * compiled from their files, since Node may compile WebAssembly at run time.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { initCodecs, type CodecModules } from '../core/image/codecs.ts';

const require = createRequire(import.meta.url);

/**
 * Every codec `.wasm` the Worker imports, as a path: the JPEG decoder is built in this repository
 * (tools/codecs/jpeg/build.sh, committed beside its binding), the others come from node_modules.
 */
export const CODEC_WASM_FILES: Readonly<Record<keyof CodecModules, string>> = {
  jpeg: fileURLToPath(new URL('../core/image/jpeg/libjpeg-turbo.wasm', import.meta.url)),
  webp: require.resolve('@jsquash/webp/codec/dec/webp_dec.wasm'),
  avif: require.resolve('@jsquash/avif/codec/dec/avif_dec.wasm'),
  heic: require.resolve('libheif-js/libheif-wasm/libheif.wasm'),
};

let modules: CodecModules | undefined;

export function nodeCodecModules(): CodecModules {
  const compile = (key: keyof CodecModules) => new WebAssembly.Module(readFileSync(CODEC_WASM_FILES[key]));
  modules ??= { jpeg: compile('jpeg'), webp: compile('webp'), avif: compile('avif'), heic: compile('heic') };
  return modules;
}

/** Makes `decodeImage` usable in this process. */
export function initNodeCodecs(): void {
  initCodecs(nodeCodecModules());
}
