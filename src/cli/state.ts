/**
 * @module What `index` has done, so that a second run does only the rest: an append-only NDJSON log, one line
 * `{"id","sha256"}` per item stored, written as each item is stored (a run killed midway keeps what it did).
 * An item is skipped when its id was stored with the same content hash; a changed file is stored again.
 * One log per service URL, namespace and model (a file name from their hash), under `.edge-features/`.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sha256Hex } from '../core/util/sha256.ts';

export class IndexState {
  readonly path: string;
  readonly #done: Map<string, string>;

  private constructor(path: string, done: Map<string, string>) {
    this.path = path;
    this.#done = done;
  }

  /** The default log of a service, namespace and model, in `dir`. */
  static async defaultPath(dir: string, url: string, namespace: string, model: string): Promise<string> {
    return join(dir, '.edge-features', `index-${(await sha256Hex(`${url}\n${namespace}\n${model}`)).slice(0, 16)}.ndjson`);
  }

  static async open(path: string): Promise<IndexState> {
    const done = new Map<string, string>();
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as { id?: unknown; sha256?: unknown };
        if (typeof entry.id === 'string' && typeof entry.sha256 === 'string') done.set(entry.id, entry.sha256);
      } catch {
        // A line cut by a killed run: that item is simply done again.
      }
    }
    await mkdir(dirname(path), { recursive: true });
    return new IndexState(path, done);
  }

  has(id: string, sha256: string): boolean {
    return this.#done.get(id) === sha256;
  }

  async record(id: string, sha256: string): Promise<void> {
    this.#done.set(id, sha256);
    await appendFile(this.path, `${JSON.stringify({ id, sha256 })}\n`);
  }

  forget(id: string): void {
    this.#done.delete(id);
  }
}
