/**
 * @module Report-only measurement: AVIF/HEIC decode time and the codec's WebAssembly memory high-water mark,
 * in this Node process, for the files given (e.g. 12 MP photos made with avifenc / heif-enc; not in CI).
 *
 * Usage: node tools/codecs/heif/measure.ts <file.avif|file.heic> [runs]
 * Run one file per process: wasm memory never shrinks, so a second file would inherit the first's mark.
 * The per-format limits are lifted here (the point is to measure above them).
 */
import { readFileSync } from 'node:fs';
import { CodecFailure, codecMemoryStats, decodeAvifRgba, decodeHeicRgb, initCodecs } from '../../../src/core/image/codecs.ts';
import { readHeifHeader } from '../../../src/core/image/isobmff.ts';
import { nodeCodecModules } from '../../../src/runtime/node.ts';

const [file, runsArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node tools/codecs/heif/measure.ts <file.avif|file.heic> [runs]');
  process.exit(2);
}
const runs = Number(runsArg ?? 3);
const bytes = new Uint8Array(readFileSync(file));
const header = readHeifHeader(bytes);
initCodecs(nodeCodecModules());

const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  try {
    const result = header.format === 'avif' ? await decodeAvifRgba(bytes) : await decodeHeicRgb(bytes);
    times.push(performance.now() - started);
    if (i === 0) console.log(`${file}: ${header.format} ${result.pixels.width}x${result.pixels.height} (${bytes.length} bytes)`);
  } catch (error) {
    if (error instanceof CodecFailure) console.error(error.message, error.messages);
    throw error;
  }
}
const mib = (n: number) => (n / 2 ** 20).toFixed(1);
console.log(`decode ms (first includes instantiation): ${times.map((t) => t.toFixed(0)).join(', ')}`);
console.log(`codec wasm memory high-water: ${mib(codecMemoryStats().peakBytes)} MiB`);
