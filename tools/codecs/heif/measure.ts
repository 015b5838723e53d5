/**
 * @module Report-only measurement: AVIF/HEIC decode time and the codec's WebAssembly memory high-water mark,
 * in this Node process, for the files given (e.g. 12 MP photos made with avifenc / heif-enc; not in CI).
 *
 * Usage: node tools/codecs/heif/measure.ts <file.avif|file.heic> [runs]
 * Run one file per process: wasm memory never shrinks. The decoders are the ones the core uses, instantiated
 * here directly so that the per-format limits (and libheif's security limit, set to HEIC_MAX_PIXELS in the
 * core) can be lifted: the point is to measure above them. One instance serves every run (as a warm Worker
 * would, below the recycling threshold).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import avifFactory from '@jsquash/avif/codec/dec/avif_dec.js';
import { readHeifHeader } from '../../../src/core/image/isobmff.ts';
import { decodeHeifPrimary, type LibheifModule } from '../../../src/core/image/libheif.ts';
import libheifFactory from '../../../src/core/image/vendor/libheif/libheif-glue.js';

const require = createRequire(import.meta.url);
const [file, runsArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node tools/codecs/heif/measure.ts <file.avif|file.heic> [runs]');
  process.exit(2);
}
const runs = Number(runsArg ?? 3);
const bytes = new Uint8Array(readFileSync(file));
const { format, width, height } = readHeifHeader(bytes);

interface Instance {
  readonly HEAPU8: Uint8Array;
  decode?(data: Uint8Array, bitDepth: 8): { width: number; height: number } | null;
}
type Factory = (options: object) => Promise<Instance>;

const wasm = new WebAssembly.Module(
  readFileSync(require.resolve(format === 'avif' ? '@jsquash/avif/codec/dec/avif_dec.wasm' : 'libheif-js/libheif-wasm/libheif.wasm')),
);
const factory = (format === 'avif' ? avifFactory : libheifFactory) as unknown as Factory;
const mod = await factory({
  noInitialRun: true,
  instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance) => void) {
    const instance = new WebAssembly.Instance(wasm, imports);
    receive(instance);
    return instance.exports;
  },
  print: () => {},
  printErr: () => {},
});
const mib = (n: number) => (n / 2 ** 20).toFixed(1);
const initial = mod.HEAPU8.buffer.byteLength;
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  const out = format === 'avif' ? mod.decode!(bytes, 8) : decodeHeifPrimary(mod as unknown as LibheifModule, bytes, 0xffff_ffff);
  times.push(performance.now() - started);
  if (!out || out.width !== width || out.height !== height) throw new Error(`decode failed or gave the wrong size`);
}
console.log(`${file}: ${format} ${width}x${height} (${bytes.length} bytes)`);
console.log(`decode ms: ${times.map((t) => t.toFixed(0)).join(', ')}`);
console.log(`wasm memory: ${mib(initial)} MiB at start, ${mib(mod.HEAPU8.buffer.byteLength)} MiB high-water`);
