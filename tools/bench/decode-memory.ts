/**
 * @module Memory and time of decoding for the model (report only, not CI): `decodeForModel` (row sources +
 * streaming resize) against the old whole path (`decodeImage` + `resizeRgb`), and what a whole-image decode
 * holds per pixel, which sets WHOLE_IMAGE_MAX_PIXELS (src/core/image/limits.ts).
 *
 *   node --expose-gc tools/bench/decode-memory.ts IMAGE...     (e.g. 4000x3000 PNG, BMP, GIF, WebP, JPEG)
 *
 * Each measurement runs in a fresh child process: the peak is the process's resident high-water (getrusage
 * maxRSS) during the call minus its resident size just before (after a forced collection), so it counts
 * the codecs' WebAssembly memory, ArrayBuffers and the JS heap alike; the codecs' own memory high-water
 * (codecMemoryStats) is shown beside it. `new` is decodeForModel's steps (openRows + resizeRows) without its pixel limit. `stream` runs resizeRows over a procedural RowSource (no image anywhere) of the same size.
 */

import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { codecMemoryStats } from '../../src/core/image/codecs.ts';
import {
  applyOrientation,
  decodeImage,
  openRows,
  probeImage,
  type ResampleMode,
  resizeRgb,
  resizeRows,
  type RowSource,
} from '../../src/core/image/index.ts';
import { initNodeCodecs } from '../../src/runtime/node.ts';

const MiB = 2 ** 20;
const LIMIT = 100_000_000;
type Mode = 'whole' | 'old' | 'new' | 'stream';

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with node --expose-gc');
  collect();
  collect();
}

/** A RowSource that makes each row from its index: nothing but one row exists at a time. */
function proceduralRows(width: number, height: number): RowSource {
  let next = 0;
  return {
    width,
    height,
    readRow(out) {
      for (let i = 0; i < width * 3; i++) out[i] = (i * 7 + next * 13) & 0xff;
      next++;
    },
    skipRows(count) {
      next += count;
    },
    finish() {},
    close() {},
  };
}

function readHeader(file: string): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const head = new Uint8Array(256 * 1024);
    return head.subarray(0, readSync(fd, head, 0, head.length, 0));
  } finally {
    closeSync(fd);
  }
}

async function measure(file: string, mode: Mode, resample: ResampleMode): Promise<Record<string, number>> {
  initNodeCodecs();
  // `stream` decodes nothing: it reads only the header, so the file's bytes do not set the high-water mark.
  const bytes = mode === 'stream' ? readHeader(file) : new Uint8Array(readFileSync(file));
  const info = probeImage(bytes);
  const target = { width: 224, height: 224, resample };
  gc();
  const rssBefore = process.memoryUsage().rss;
  const maxBefore = process.resourceUsage().maxRSS * 1024;
  const run = async (): Promise<unknown> => {
    if (mode === 'whole') return openRows(bytes, info, { maxPixels: LIMIT });
    if (mode === 'old') {
      const img = await decodeImage(bytes, { maxPixels: LIMIT, orientation: 'ignore' });
      return resizeRgb(applyOrientation(img, info.orientation), 224, 224, resample);
    }
    if (mode === 'new') {
      // decodeForModel's steps, without its whole-image limit (to measure above it).
      return resizeRows(await openRows(bytes, info, { maxPixels: LIMIT }), { ...target, orientation: info.orientation });
    }
    return resizeRows(proceduralRows(info.width, info.height), { ...target, orientation: info.orientation });
  };
  const t0 = performance.now();
  const kept = await run();
  const ms = performance.now() - t0;
  const maxAfter = process.resourceUsage().maxRSS * 1024;
  if (kept === undefined) throw new Error('nothing decoded');
  // When the call did not raise the process's high-water mark, its peak is at most the old mark.
  const peak = Math.max(maxAfter, maxBefore) - rssBefore;
  const pixels = info.width * info.height;
  // Time again once warm (compiled code, codec instance kept): the median of 3.
  const warm: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await run();
    warm.push(performance.now() - t);
  }
  warm.sort((p, q) => p - q);
  return {
    pixels,
    ms_first: ms,
    ms_warm: warm[1]!,
    peak_rss_above_start_mib: peak / MiB,
    peak_is_upper_bound: maxAfter > maxBefore ? 0 : 1,
    codec_wasm_peak_mib: mode === 'stream' ? 0 : codecMemoryStats().peakBytes / MiB,
    bytes_per_pixel: peak / pixels,
  };
}

const [, , first, ...rest] = process.argv;
if (first === '--child') {
  const [file, mode, resample] = rest as [string, Mode, ResampleMode];
  console.log(JSON.stringify(await measure(file, mode, resample)));
} else {
  const files = [first, ...rest].filter((f): f is string => f !== undefined);
  if (files.length === 0) throw new Error('usage: node --expose-gc tools/bench/decode-memory.ts IMAGE...');
  const self = fileURLToPath(import.meta.url);
  const round = (v: number) => Math.round(v * 10) / 10;
  for (const file of files) {
    for (const [mode, resample] of [
      ['whole', 'nearest'],
      ['old', 'nearest'],
      ['new', 'nearest'],
      ['old', 'bilinear'],
      ['new', 'bilinear'],
      ['stream', 'nearest'],
      ['stream', 'bilinear'],
    ] as const) {
      const child = spawnSync(process.execPath, ['--expose-gc', self, '--child', file, mode, resample], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`${file} ${mode}: ${child.stderr}`);
      const r = JSON.parse(child.stdout) as Record<string, number>;
      const figures = Object.entries(r)
        .map(([k, v]) => `${k} ${round(v)}`)
        .join(', ');
      console.log(`${file.split('/').pop()} ${mode} ${resample}: ${figures}`);
    }
  }
}
