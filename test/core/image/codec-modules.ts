/** @module Test helper: compiles the codec modules from node_modules, as a runtime adapter would import them. */

import { readFileSync } from 'node:fs';
import type { CodecModules } from '../../../src/core/image/codecs.ts';

function compile(path: string): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(new URL(`../../../node_modules/${path}`, import.meta.url)));
}

let modules: CodecModules | undefined;

export function nodeCodecModules(): CodecModules {
  modules ??= {
    jpeg: compile('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'),
    png: compile('@jsquash/png/codec/pkg/squoosh_png_bg.wasm'),
    webp: compile('@jsquash/webp/codec/dec/webp_dec.wasm'),
  };
  return modules;
}
