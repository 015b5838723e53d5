/**
 * @module The evaluation's images: the labelled photos (../shared/fixtures/labelled/<category>/*) and
 * near-duplicate sets described by a manifest.json (test/fixtures/near-duplicates, or a larger set the
 * generator writes), as file lists with their ground truth.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LabelledPhoto {
  readonly path: string;
  /** `<category>/<file>`: unique, stable across machines. */
  readonly id: string;
  readonly label: string;
}

/** Every file under root/<category>/, categories and files in sorted order. */
export async function labelledPhotos(root: string): Promise<LabelledPhoto[]> {
  const out: LabelledPhoto[] = [];
  for (const label of (await readdir(root)).sort()) {
    const files = (await readdir(join(root, label), { withFileTypes: true })).filter((f) => f.isFile()).map((f) => f.name);
    for (const name of files.sort()) out.push({ path: join(root, label, name), id: `${label}/${name}`, label });
  }
  return out;
}

export interface DuplicateFile {
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
  /** Files of one group are copies of one photo; a distinct photo is a group of one. */
  readonly group: string;
  readonly source: string;
  readonly transform: string;
  readonly params: Record<string, unknown>;
}

export interface DuplicateManifest {
  readonly seed: number;
  readonly maxSide: number;
  readonly sources: number;
  readonly variants: number;
  readonly distinct: number;
  readonly files: DuplicateFile[];
  readonly groups: Record<string, string[]>;
}

export async function readDuplicateManifest(dir: string): Promise<DuplicateManifest> {
  return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as DuplicateManifest;
}
