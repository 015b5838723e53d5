/**
 * @module The Node runtime (tools, tests, benchmarks): the same codec `.wasm` files the Worker imports,
 * compiled from node_modules, since Node may compile WebAssembly at run time.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initCodecs, type CodecModules } from '../core/image/codecs.ts';

const require = createRequire(import.meta.url);

function compile(specifier: string): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(require.resolve(specifier)));
}

/** The JPEG decoder this project builds (tools/codecs/jpeg/build.sh), committed beside its binding. */
export const LIBJPEG_WASM_URL = new URL('../core/image/jpeg/libjpeg-turbo.wasm', import.meta.url);

let modules: CodecModules | undefined;

export function nodeCodecModules(): CodecModules {
  modules ??= {
    jpeg: new WebAssembly.Module(readFileSync(LIBJPEG_WASM_URL)),
    webp: compile('@jsquash/webp/codec/dec/webp_dec.wasm'),
    avif: compile('@jsquash/avif/codec/dec/avif_dec.wasm'),
    heic: compile('libheif-js/libheif-wasm/libheif.wasm'),
  };
  return modules;
}

/** Makes `decodeImage` usable in this process. */
export function initNodeCodecs(): void {
  initCodecs(nodeCodecModules());
}
