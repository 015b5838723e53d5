/**
 * @module Times reading every row of a PNG with `openPngRows` against PIL 9.4 (open + convert('RGB') + resize
 * NEAREST 224, the Keras path), interleaved, and prints what the decoder held. Not run in CI.
 *
 * Usage: node tools/codecs/png/bench.ts <file.png> [rounds=9]
 * A 12 MP input: /usr/bin/python3 -c "from PIL import Image; Image.open('../shared/fixtures/images/astronaut.png')
 *   .convert('RGB').resize((4032, 3024), Image.BICUBIC).save('/tmp/astro12.png')"
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { openPngRows, pngRowStats, type PngRowStats } from '../../../src/core/image/png/index.ts';

const PIL_SCRIPT = `
import io, sys, time
from PIL import Image
data = open(sys.argv[1], 'rb').read()
t = time.perf_counter()
Image.open(io.BytesIO(data)).convert('RGB').resize((224, 224), Image.NEAREST)
print((time.perf_counter() - t) * 1000)
`;

function summary(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return `median ${Math.round(sorted[sorted.length >> 1]!)} ms, min ${Math.round(sorted[0]!)} ms (${ms.map(Math.round).join(' ')})`;
}

const [file, roundsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: node tools/codecs/png/bench.ts <file.png> [rounds]');
const bytes = new Uint8Array(readFileSync(file));
const rounds = Number(roundsArg ?? 9);
const rows: number[] = [];
const pil: number[] = [];
let stats: PngRowStats | undefined;
for (let r = 0; r < rounds; r++) {
  const started = performance.now();
  const source = openPngRows(bytes);
  const row = new Uint8Array(source.width * 3);
  for (let y = 0; y < source.height; y++) source.readRow(row);
  source.finish();
  rows.push(performance.now() - started);
  stats = pngRowStats(source);
  pil.push(Number(execFileSync('/usr/bin/python3', ['-c', PIL_SCRIPT, file], { encoding: 'utf8' })));
}
console.log(`openPngRows, every row: ${summary(rows)}`);
console.log(`PIL open + convert + resize 224: ${summary(pil)}`);
console.log(`held: ${JSON.stringify(stats)}`);
