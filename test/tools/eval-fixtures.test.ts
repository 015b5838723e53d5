/**
 * The committed near-duplicate fixtures (test/fixtures/near-duplicates) are what their manifest says: every
 * file listed with its size and sha256 and nothing else there, 4 sources x (original + 4 variants) plus 4
 * distinct photos, each group from one source photo, small enough for CI (<= 320 px, <= 400 KB in all).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { imageSize } from 'image-size';
import { describe, expect, it } from 'vitest';
import type { DuplicateManifest } from '../../tools/eval/dataset.ts';

const DIR = fileURLToPath(new URL('../fixtures/near-duplicates/', import.meta.url));
const manifest = JSON.parse(readFileSync(`${DIR}manifest.json`, 'utf8')) as DuplicateManifest;

describe('near-duplicate fixtures', () => {
  it('lists exactly the files in the folder, with their sizes and sha256', () => {
    const onDisk = readdirSync(DIR).filter((name) => name !== 'manifest.json' && name !== 'README.md');
    expect(onDisk.sort()).toEqual(manifest.files.map((f) => f.file).sort());
    for (const entry of manifest.files) {
      const bytes = readFileSync(`${DIR}${entry.file}`);
      expect(bytes.byteLength, entry.file).toBe(entry.bytes);
      expect(createHash('sha256').update(bytes).digest('hex'), entry.file).toBe(entry.sha256);
    }
  });

  it('has 4 planted groups of 5 copies of one photo and 4 distinct photos', () => {
    const groups = Object.entries(manifest.groups);
    const planted = groups.filter(([, files]) => files.length > 1);
    const single = groups.filter(([, files]) => files.length === 1);
    expect(planted.map(([, files]) => files.length)).toEqual([5, 5, 5, 5]);
    expect(single).toHaveLength(4);
    for (const [group, files] of groups) {
      const entries = manifest.files.filter((f) => f.group === group);
      expect(entries.map((f) => f.file)).toEqual(files);
      expect(new Set(entries.map((f) => f.source)).size).toBe(1);
    }
    // No two groups share a source photo: distinct means distinct.
    const sources = groups.map(([group]) => manifest.files.find((f) => f.group === group)!.source);
    expect(new Set(sources).size).toBe(groups.length);
    const variants = manifest.files.filter((f) => f.transform !== 'original');
    expect(variants).toHaveLength(16);
    expect(new Set(variants.map((f) => f.transform)).size).toBeGreaterThanOrEqual(5);
  });

  it('is small: JPEGs of at most 320 px, 400 KB in all', () => {
    let total = 0;
    for (const entry of manifest.files) {
      const bytes = readFileSync(`${DIR}${entry.file}`);
      const size = imageSize(bytes);
      expect(size.type, entry.file).toBe('jpg');
      expect(Math.max(size.width, size.height), entry.file).toBeLessThanOrEqual(manifest.maxSide);
      total += bytes.byteLength;
    }
    expect(manifest.maxSide).toBe(320);
    expect(total).toBeLessThanOrEqual(400 * 1024);
  });
});
