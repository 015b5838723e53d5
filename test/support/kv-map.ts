/**
 * @module A Map-backed stand-in for the KV binding, for fast Node tests of the KV store's search
 * (the store's workerd tests run against miniflare's real KV). It keeps KV's documented shapes:
 * `list` sorted by key, at most 1000 keys a page with an opaque cursor and each key's metadata;
 * bulk `get` of at most 100 keys, text/json only; metadata <= 1024 bytes of JSON; keys <= 512 bytes.
 * It counts calls so tests can check the operations a search spends.
 */
import { decodeBase64Text, encodeBase64Text } from '../../src/core/util/base64.ts';
import type { KvBinding } from '../../src/store/kv.ts';

const bytes = (s: string) => new TextEncoder().encode(s).byteLength;

export class KvMap {
  readonly entries = new Map<string, { value: string; metadata: unknown }>();
  readonly calls = { get: 0, list: 0, put: 0, delete: 0 };

  binding(): KvBinding {
    return this as unknown as KvBinding;
  }

  async put(key: string, value: string, options: { metadata?: unknown } = {}): Promise<void> {
    this.calls.put++;
    if (bytes(key) > 512) throw new Error(`KV PUT failed: 414 key over 512 bytes`);
    if (typeof value !== 'string') throw new Error('KvMap stores text values only');
    if (options.metadata !== undefined && bytes(JSON.stringify(options.metadata)) > 1024) {
      throw new Error('KV PUT failed: 413 metadata over 1024 bytes');
    }
    this.entries.set(key, { value, metadata: options.metadata === undefined ? undefined : structuredClone(options.metadata) });
  }

  async delete(key: string): Promise<void> {
    this.calls.delete++;
    this.entries.delete(key);
  }

  async get(key: string | string[], type: 'text' | 'json' = 'text'): Promise<unknown> {
    this.calls.get++;
    const read = (k: string) => {
      const entry = this.entries.get(k);
      if (!entry) return null;
      return type === 'json' ? JSON.parse(entry.value) : entry.value;
    };
    if (Array.isArray(key)) {
      if (key.length > 100) throw new Error('KV GET failed: at most 100 keys');
      return new Map(key.map((k) => [k, read(k)]));
    }
    return read(key);
  }

  async getWithMetadata(key: string, type: 'text' | 'json' = 'text'): Promise<unknown> {
    this.calls.get++;
    const entry = this.entries.get(key);
    if (!entry) return { value: null, metadata: null, cacheStatus: null };
    return { value: type === 'json' ? JSON.parse(entry.value) : entry.value, metadata: entry.metadata ?? null, cacheStatus: null };
  }

  async list(options: { prefix?: string | null; limit?: number; cursor?: string | null } = {}): Promise<unknown> {
    this.calls.list++;
    const limit = Math.min(options.limit ?? 1000, 1000);
    const keys = [...this.entries.keys()].filter((k) => k.startsWith(options.prefix ?? '')).sort();
    const start = options.cursor ? keys.findIndex((k) => k > decodeBase64Text(options.cursor!)) : 0;
    const page = start < 0 ? [] : keys.slice(start, start + limit);
    const complete = start < 0 || start + limit >= keys.length;
    const listed = page.map((name) => {
      const metadata = this.entries.get(name)!.metadata;
      return metadata === undefined ? { name } : { name, metadata: structuredClone(metadata) };
    });
    return complete
      ? { keys: listed, list_complete: true, cacheStatus: null }
      : { keys: listed, list_complete: false, cursor: encodeBase64Text(page[page.length - 1]!), cacheStatus: null };
  }
}
