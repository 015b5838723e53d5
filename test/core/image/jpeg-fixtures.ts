/** @module Test helper: the JPEG layout fixtures (test/fixtures/jpeg-layouts) and a synthetic large JPEG. */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const DIR = new URL('../../fixtures/jpeg-layouts/', import.meta.url);

/** One fixture as tools/codecs/jpeg/make-fixtures.py describes it, with PIL 9.4's references. */
export interface LayoutFixture {
  readonly source: string;
  readonly command: string;
  readonly pil_mode: string;
  readonly size: readonly [number, number];
  readonly sof: string;
  readonly components: number;
  readonly sampling: readonly string[];
  readonly bytes: number;
  /** sha256 of PIL's `Image.open(f).convert('RGB')` bytes. */
  readonly rgb_sha256: string;
  /** sha256 of that image after `resize((224, 224), Image.NEAREST)` (Keras load_img). */
  readonly keras224_sha256: string;
}

export function layoutFixtures(): Record<string, LayoutFixture> {
  const manifest = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as Record<string, unknown>;
  delete manifest._;
  return manifest as Record<string, LayoutFixture>;
}

export function layoutBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, DIR)));
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A valid baseline JPEG of any size whose every block is flat mid-grey (all coefficients 0), written with
 * one-symbol Huffman tables so each block costs 2 bits: 12 MP is 71 KB, 48 MP 281 KB. Three components are
 * 4:2:0 and decode to RGB (128, 128, 128) everywhere; other counts (1 to 4) are unsubsampled.
 */
export function flatGreyJpeg(width: number, height: number, components = 3): Uint8Array {
  const mcuSize = components === 3 ? 16 : 8;
  const blocksPerMcu = components === 3 ? 6 : components;
  const mcus = Math.ceil(width / mcuSize) * Math.ceil(height / mcuSize);
  const entropyBytes = Math.ceil((mcus * blocksPerMcu * 2) / 8);
  const ids = Array.from({ length: components }, (_, c) => c + 1);
  const sof = ids.flatMap((id) => [id, components === 3 && id === 1 ? 0x22 : 0x11, 0]);
  const header = [
    [0xff, 0xd8], // SOI
    [0xff, 0xdb, 0, 67, 0, ...new Array<number>(64).fill(1)], // DQT 0
    [0xff, 0xc0, 0, 8 + 3 * components, 8, height >> 8, height & 255, width >> 8, width & 255, components, ...sof], // SOF0
    [0xff, 0xc4, 0, 20, 0x00, 1, ...new Array<number>(15).fill(0), 0], // DHT DC 0: one symbol (0), code "0"
    [0xff, 0xc4, 0, 20, 0x10, 1, ...new Array<number>(15).fill(0), 0], // DHT AC 0: one symbol (EOB), code "0"
    [0xff, 0xda, 0, 6 + 2 * components, components, ...ids.flatMap((id) => [id, 0x00]), 0, 63, 0], // SOS
  ].flat();
  const out = new Uint8Array(header.length + entropyBytes + 2);
  out.set(header);
  out.set([0xff, 0xd9], header.length + entropyBytes); // EOI; the entropy-coded data is all zero bits
  return out;
}
