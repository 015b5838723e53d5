/**
 * @module The images a folder or glob holds, and the item id each gets: found recursively, kept only when their
 * first bytes are an image format the service decodes (sniffed, not guessed from the extension).
 *
 * Ids come from the path relative to the folder (a glob: to the glob's fixed leading folder): `/` becomes `:`,
 * any character ids cannot hold becomes `_`, a leading `.` gets a `_` before it, and a path longer than 64
 * characters keeps its first 55 and `~` plus 8 hex of the whole path's sha256. So `trips/2024/IMG 1.jpg` is
 * `trips:2024:IMG_1.jpg`: stable across runs and machines, readable, and the extension keeps `a.png` and
 * `a.webp` apart. Two paths that still map to one id are both reported, neither indexed.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { glob } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { sniffFormat } from '../core/image/sniff.ts';
import { sha256Hex } from '../core/util/sha256.ts';
import { ID_PATTERN } from '../store/validate.ts';

export interface FoundImage {
  readonly id: string;
  readonly path: string;
  /** Relative to the root, with `/`. */
  readonly relative: string;
}

export interface Found {
  readonly images: FoundImage[];
  /** Files whose bytes are no image format the service reads. */
  readonly skipped: string[];
  /** Paths that map to an id another path maps to. */
  readonly collisions: Array<{ readonly id: string; readonly paths: string[] }>;
}

const GLOB_CHARS = /[*?[\]{}]/;
/** Enough bytes for every format sniffFormat knows. */
const SNIFF_BYTES = 32;

export async function idOf(relativePath: string): Promise<string> {
  let id = relativePath
    .split(/[\\/]+/)
    .join(':')
    .replace(/[^A-Za-z0-9._~:-]/g, '_');
  if (id.startsWith('.')) id = `_${id}`;
  if (id.length > 64) id = `${id.slice(0, 55)}~${(await sha256Hex(relativePath)).slice(0, 8)}`;
  if (!ID_PATTERN.test(id)) throw new Error(`no id for ${relativePath}`);
  return id;
}

async function isImage(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0);
    return sniffFormat(head.subarray(0, bytesRead)) !== undefined;
  } finally {
    await handle.close();
  }
}

/** The files under a folder (recursively) or matching a glob, with the folder ids are relative to. */
async function listFiles(target: string): Promise<{ root: string; files: string[] }> {
  if (!GLOB_CHARS.test(target)) {
    const root = resolve(target);
    if (!(await stat(root)).isDirectory()) return { root: resolve(root, '..'), files: [root] };
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    return { root, files: entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)) };
  }
  const fixed = target.split(/[\\/]/);
  const at = fixed.findIndex((part) => GLOB_CHARS.test(part));
  const root = resolve(fixed.slice(0, at).join(sep) || '.');
  const files: string[] = [];
  for await (const path of glob(target)) {
    const absolute = resolve(path);
    if ((await stat(absolute)).isFile()) files.push(absolute);
  }
  return { root, files };
}

export async function findImages(target: string): Promise<Found> {
  const { root, files } = await listFiles(target);
  files.sort();
  const skipped: string[] = [];
  const byId = new Map<string, FoundImage[]>();
  for (const path of files) {
    const rel = relative(root, path).split(sep).join('/');
    if (rel.split('/').some((part) => part.startsWith('.edge-features'))) continue;
    if (!(await isImage(path))) {
      skipped.push(rel);
      continue;
    }
    const id = await idOf(rel);
    byId.set(id, [...(byId.get(id) ?? []), { id, path, relative: rel }]);
  }
  const images: FoundImage[] = [];
  const collisions: Found['collisions'] = [];
  for (const [id, list] of byId) {
    if (list.length === 1) images.push(list[0]!);
    else collisions.push({ id, paths: list.map((f) => f.relative) });
  }
  return { images, skipped, collisions };
}
