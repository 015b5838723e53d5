/**
 * @module Times the streaming JPEG decoder on files (not run in CI): every row, and only the rows a NEAREST
 * resize to 224x224 needs (the rest skipped), with the codec's wasm memory afterwards. One process per file
 * keeps the memory figure that file's own: wasm memory never shrinks.
 *
 *   node tools/codecs/jpeg/bench.ts FILE.jpg [runs=5]
 *   prints: file, size, mode, median ms, min ms, codec wasm bytes after
 */
import { readFileSync } from 'node:fs';
import { codecMemoryStats } from '../../../src/core/image/codecs.ts';
import { openJpegRows } from '../../../src/core/image/jpeg/rows.ts';
import { initNodeCodecs } from '../../../src/runtime/node.ts';

const [file, runsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: node tools/codecs/jpeg/bench.ts FILE.jpg [runs]');
const runs = Number(runsArg ?? 5);
const bytes = new Uint8Array(readFileSync(file));
initNodeCodecs();

/** PIL NEAREST's source rows for `outSize` output rows (as resize.ts computes them). */
function nearestRows(inSize: number, outSize: number): number[] {
  const rows: number[] = [];
  const scale = inSize / outSize;
  for (let i = 0, pos = scale * 0.5; i < outSize; i++, pos += scale) rows.push(Math.min(Math.trunc(pos), inSize - 1));
  return rows;
}

async function decode(mode: 'all rows' | 'nearest-224 (skip)'): Promise<{ width: number; height: number }> {
  const source = await openJpegRows(bytes, { maxPixels: 100_000_000 });
  const row = new Uint8Array(source.width * 3);
  if (mode === 'all rows') {
    for (let y = 0; y < source.height; y++) source.readRow(row);
  } else {
    let next = 0;
    for (const y of new Set(nearestRows(source.height, 224))) {
      source.skipRows(y - next);
      source.readRow(row);
      next = y + 1;
    }
    source.skipRows(source.height - next);
  }
  source.finish();
  source.close();
  return { width: source.width, height: source.height };
}

for (const mode of ['nearest-224 (skip)', 'all rows'] as const) {
  const times: number[] = [];
  let size = { width: 0, height: 0 };
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    size = await decode(mode);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const median = times[times.length >> 1]!;
  console.log(
    [
      file,
      `${size.width}x${size.height}`,
      mode,
      `median ${median.toFixed(0)} ms`,
      `min ${times[0]!.toFixed(0)} ms`,
      `codec wasm ${codecMemoryStats().peakBytes} bytes`,
    ].join('\t'),
  );
}
