/**
 * Import and export limits over the plain app (memory store): an import is capped by IMPORT_MAX_BYTES, not by
 * MAX_BODY_BYTES (it is streamed, never held whole); past IMPORT_MAX_BYTES the lines before the limit stay
 * written and the 413 says how many. A store that cannot scan answers export with 501 before any byte is sent.
 */
import { describe, expect, it } from 'vitest';
import { itemLine } from '../../src/core/util/ndjson.ts';
import { createApp } from '../../src/http/app.ts';
import { MODELS } from '../../src/models.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { StoreError, type VectorStore } from '../../src/store/types.ts';
import { keyed, testAuth } from '../support/auth.ts';

const model = MODELS.find((m) => m.id === 'vgg16-narrow-synthetic')!;
const storeModel = { id: model.id, version: model.version, dims: model.dims };
const LIMITS = { maxBodyBytes: 16 * 1024, maxPixels: 1_000_000, maxBatch: 2, importMaxBytes: 256 * 1024, importMaxItems: 1000 };

function appOver(store: VectorStore) {
  return keyed(
    createApp({
      model,
      models: MODELS,
      extractor: async () => {
        throw new Error('no embeds here');
      },
      limits: LIMITS,
      store,
      auth: testAuth(),
    }),
  );
}

const lines = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) =>
    itemLine(`i${from + i}`, new Float32Array(model.dims).fill((from + i) / 7), { n: from + i }),
  ).join('');
const importInit = (body: string) => ({
  method: 'POST',
  body,
  headers: { 'content-type': 'application/x-ndjson', 'x-model-id': model.id, 'x-model-version': model.version },
});

describe('import and export limits', () => {
  it('an import over MAX_BODY_BYTES (16 KiB here) but within IMPORT_MAX_BYTES is read and written whole', async () => {
    const store = new MemoryStore(storeModel);
    const body = lines(0, 120);
    expect(body.length).toBeGreaterThan(4 * LIMITS.maxBodyBytes);
    const answer = await appOver(store).request('/v1/import?namespace=big', importInit(body));
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ written: 120, lines: 120 });
    expect((await store.get('i119', { namespace: 'big' }))?.metadata).toEqual({ n: 119 });
  });

  it('past IMPORT_MAX_BYTES: 413 body-too-large, the whole lines before the limit written', async () => {
    const store = new MemoryStore(storeModel);
    const body = lines(0, 400);
    expect(body.length).toBeGreaterThan(LIMITS.importMaxBytes);
    const answer = await appOver(store).request('/v1/import?namespace=over', {
      ...importInit(body),
      // Streamed without a length, so the limit is met while reading.
      body: new Blob([body]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(answer.status).toBe(413);
    const problem = (await answer.json()) as { type: string; written: number; limit: number };
    expect(problem.type).toMatch(/body-too-large$/);
    expect(problem.limit).toBe(LIMITS.importMaxBytes);
    // Every whole line within the first IMPORT_MAX_BYTES bytes (the body is ASCII).
    expect(problem.written).toBe(body.slice(0, LIMITS.importMaxBytes).split('\n').length - 1);
    expect(await store.get(`i${problem.written - 1}`, { namespace: 'over' })).not.toBeNull();
    expect(await store.get(`i${problem.written}`, { namespace: 'over' })).toBeNull();
  });

  it('a line that is not UTF-8: 400 malformed-ndjson naming it, the lines before written', async () => {
    const store = new MemoryStore(storeModel);
    const body = new Uint8Array([...new TextEncoder().encode(lines(0, 2)), 0x7b, 0xff, 0xfe, 0x7d, 0x0a]);
    const answer = await appOver(store).request('/v1/import?namespace=utf', { ...importInit(''), body });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ line: 3, written: 2 });
    expect(await store.get('i1', { namespace: 'utf' })).not.toBeNull();
  });

  it('a declared Content-Length over IMPORT_MAX_BYTES is refused before reading', async () => {
    const answer = await appOver(new MemoryStore(storeModel)).request('/v1/import', {
      ...importInit('x'),
      headers: { ...importInit('x').headers, 'content-length': String(LIMITS.importMaxBytes + 1) },
    });
    expect(answer.status).toBe(413);
  });

  it('an export whose store fails after the first page breaks the transfer (the body errors), never a short file that looks whole', async () => {
    const memory = new MemoryStore(storeModel);
    const failing: VectorStore = Object.assign(Object.create(memory) as VectorStore, {
      async *scan() {
        yield { ids: ['a'], metadata: [{}], contentHashes: [undefined], dims: model.dims, vectors: new Float32Array(model.dims) };
        throw new StoreError('capacity', 'out of KV operations');
      },
    });
    const answer = await appOver(failing).request('/v1/export');
    expect(answer.status).toBe(200);
    await expect(answer.text()).rejects.toThrow();
  });

  it('export from a store that cannot scan: 501 not-supported, a problem, not a broken stream', async () => {
    const memory = new MemoryStore(storeModel);
    const noScan: VectorStore = Object.assign(Object.create(memory) as VectorStore, {
      // biome-ignore lint/correctness/useYield: refuses on the first page, as Vectorize does
      async *scan() {
        throw new StoreError('unsupported', 'this store cannot list');
      },
    });
    const answer = await appOver(noScan).request('/v1/export');
    expect(answer.status).toBe(501);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
  });
});
