/** @module Test helper: the shared fixture images and their Keras 224x224 references. */

import { readFileSync } from 'node:fs';

const SHARED = new URL('../../../../shared/fixtures/', import.meta.url);

export interface ReferenceEntry {
  readonly reference: string;
  readonly source_mode: string;
  readonly source_size: readonly [number, number];
  readonly sha256: string;
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`images/${name}`, SHARED)));
}

export function referenceManifest(): Record<string, ReferenceEntry> {
  return JSON.parse(readFileSync(new URL('keras224/manifest.json', SHARED), 'utf8')) as Record<string, ReferenceEntry>;
}

export function referenceRgb(entry: ReferenceEntry): Uint8Array {
  return new Uint8Array(readFileSync(new URL(entry.reference, SHARED)));
}

export interface Diff {
  readonly max: number;
  readonly mean: number;
}

export function absDiff(a: Uint8Array, b: Uint8Array): Diff {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    if (d > max) max = d;
  }
  return { max, mean: sum / a.length };
}
