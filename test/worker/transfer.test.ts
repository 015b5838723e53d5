/**
 * GET /v1/export and POST /v1/import inside workerd against the Worker and its local KV: a round trip is
 * bit-exact (values and metadata), another model is refused, a malformed line is reported with its number and
 * the items before it stay written, and the limits answer problems.
 */
import { describe, expect, it } from 'vitest';
import { float32ArrayText, itemLine } from '../../src/core/util/ndjson.ts';
import { anonymous, bearer, call, expectProblem, TEST_READ_KEY } from './helpers.ts';

const MODEL = { id: 'vgg16-narrow-synthetic', version: '1' };
const DIMS = 64;
const NDJSON = 'application/x-ndjson';

interface Line {
  id: string;
  values: number[];
  metadata: Record<string, unknown>;
}

let seed = 7;
/** Deterministic float32s of every kind: ordinary, tiny, huge, subnormal, both zeros, ±1. */
function vector(): Float32Array {
  const bits = new Uint32Array(DIMS);
  for (let i = 0; i < DIMS; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    bits[i] = seed;
    // Exponent 255 is NaN/Infinity, which no vector holds: clear its top bit.
    if (((bits[i]! >>> 23) & 0xff) === 0xff) bits[i]! &= ~(1 << 30);
  }
  const out = new Float32Array(bits.buffer);
  out.set([0, -0, 1, -1, 1e-45, -3.4028234663852886e38, 0.1, 1 / 3], 0);
  return out;
}

/** Metadata of every kind the store takes: string, number, boolean, string list, and one level of nesting. */
function metadata(i: number): Record<string, unknown> {
  return {
    name: `photo ${i} — ünïcödé "quoted" \\ back`,
    size: i * 1234.5678,
    ratio: 0.1 + i / 7,
    negative: -i - 0.25,
    big: 2 ** 53 - i,
    ok: i % 2 === 0,
    tags: ['a', `t${i}`, ''],
    nested: { depth: 1, label: 'x', flag: false, list: ['p', 'q'] },
  };
}

const exportOf = (namespace: string, init?: RequestInit) => call(`/v1/export?namespace=${namespace}`, init);

async function exportLines(namespace: string): Promise<Line[]> {
  const response = await exportOf(namespace);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe(NDJSON);
  expect(response.headers.get('x-model-id')).toBe(MODEL.id);
  expect(response.headers.get('x-model-version')).toBe(MODEL.version);
  expect(response.headers.get('x-vector-dims')).toBe(String(DIMS));
  const text = new TextDecoder().decode(await response.arrayBuffer());
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Line)
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

const importInto = (
  namespace: string,
  body: BodyInit,
  model: Record<string, string> = { 'x-model-id': MODEL.id, 'x-model-version': MODEL.version },
) => call(`/v1/import?namespace=${namespace}`, { method: 'POST', body, headers: { 'content-type': NDJSON, ...model } });

async function putVector(namespace: string, id: string, values: Float32Array, md: Record<string, unknown>) {
  const response = await call(`/v1/items/${id}?namespace=${namespace}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    // Written with float32ArrayText so that -0 reaches the store as -0 (JSON.stringify writes it as 0).
    body: `{"vector":${float32ArrayText(values)},"model":${JSON.stringify(MODEL)},"metadata":${JSON.stringify(md)}}`,
  });
  expect(response.status).toBe(200);
}

const bitsOf = (values: number[]) => Array.from(new Uint32Array(Float32Array.from(values).buffer));

describe('export and import (NDJSON)', () => {
  it('an empty namespace exports as an empty body, with the model in the headers', async () => {
    expect(await exportLines('transfer-empty')).toEqual([]);
  });

  it('export -> import into a fresh namespace -> export again is bit-exact, values and metadata', async () => {
    const stored = new Map<string, { values: Float32Array; metadata: Record<string, unknown> }>();
    for (let i = 0; i < 12; i++) {
      const entry = { values: vector(), metadata: metadata(i) };
      stored.set(`item-${i}`, entry);
      await putVector('transfer-a', `item-${i}`, entry.values, entry.metadata);
    }
    const first = await exportLines('transfer-a');
    expect(first.map((l) => l.id)).toEqual([...stored.keys()].sort());
    for (const line of first) {
      const original = stored.get(line.id)!;
      // The float64s written are exactly the stored float32s (no rounding on the way out), -0 included.
      expect(bitsOf(line.values)).toEqual(Array.from(new Uint32Array(original.values.buffer)));
      expect(line.values.every((v, j) => Object.is(v, original.values[j]))).toBe(true);
      expect(line.metadata).toEqual(original.metadata);
    }

    const body = first.map((line) => itemLine(line.id, line.values, line.metadata)).join('');
    const imported = await importInto('transfer-b', body);
    expect(imported.status).toBe(200);
    expect(await imported.json()).toEqual({ namespace: 'transfer-b', model: MODEL, dims: DIMS, written: 12, lines: 12 });

    const second = await exportLines('transfer-b');
    expect(second.length).toBe(first.length);
    second.forEach((line, i) => {
      expect(line.id).toBe(first[i]!.id);
      expect(bitsOf(line.values)).toEqual(bitsOf(first[i]!.values));
      expect(line.values.every((v, j) => Object.is(v, first[i]!.values[j]))).toBe(true);
      expect(line.metadata).toEqual(first[i]!.metadata);
    });
    // The raw export text itself round-trips: the second export's bytes, line by line, equal the first's.
    const raw = async (ns: string) =>
      new TextDecoder()
        .decode(await (await exportOf(ns)).arrayBuffer())
        .split('\n')
        .filter(Boolean)
        .sort();
    expect(await raw('transfer-b')).toEqual(await raw('transfer-a'));
  });

  it('a streamed export body imports as it is (more than one write batch), and item GETs read the same vectors', async () => {
    for (let i = 0; i < 130; i++) await putVector('transfer-c', `n${String(i).padStart(3, '0')}`, vector(), { i });
    const exported = await exportOf('transfer-c');
    const imported = await importInto('transfer-d', exported.body!);
    expect(imported.status).toBe(200);
    expect(((await imported.json()) as { written: number }).written).toBe(130);
    const a = await (await call('/v1/items/n077?namespace=transfer-c&vector=true')).json();
    const b = await (await call('/v1/items/n077?namespace=transfer-d&vector=true')).json();
    expect((b as { vector: number[] }).vector).toEqual((a as { vector: number[] }).vector);
    expect((b as { metadata: unknown }).metadata).toEqual({ i: 77 });
  });

  it('an import for another model, version or width is refused before any line is written', async () => {
    const line = `${JSON.stringify({ id: 'x', values: Array.from(vector()), metadata: {} })}\n`;
    const other = await expectProblem(
      await importInto('transfer-e', line, { 'x-model-id': 'mobilenet-v2-1.4-nsfwjs', 'x-model-version': '1' }),
      422,
    );
    expect(other.type).toMatch(/model-mismatch$/);
    expect(other.expected).toEqual({ ...MODEL, dims: DIMS });
    const version = await expectProblem(await importInto('transfer-e', line, { 'x-model-id': MODEL.id, 'x-model-version': '2' }), 422);
    expect(version.type).toMatch(/model-mismatch$/);
    const dims = await expectProblem(
      await importInto('transfer-e', line, { 'x-model-id': MODEL.id, 'x-model-version': MODEL.version, 'x-vector-dims': '512' }),
      422,
    );
    expect(dims.type).toMatch(/dims-mismatch$/);
    const missing = await expectProblem(await importInto('transfer-e', line, {}), 422);
    expect(missing.type).toMatch(/invalid-field$/);
    expect(await exportLines('transfer-e')).toEqual([]);
  });

  it('malformed line N: 400 naming N and how many items were written; the items before it are there, none after', async () => {
    const lines = Array.from({ length: 6 }, (_, i) => JSON.stringify({ id: `m${i}`, values: Array.from(vector()), metadata: { i } }));
    lines.splice(4, 0, '{"id": "broken", "values": [1, 2,'); // line 5
    const body = `${lines.join('\n')}\n`;
    const problem = await expectProblem(await importInto('transfer-f', body), 400);
    expect(problem.type).toMatch(/malformed-ndjson$/);
    expect(problem.line).toBe(5);
    expect(problem.written).toBe(4);
    expect(problem.detail).toMatch(/Line 5/);
    expect((await exportLines('transfer-f')).map((l) => l.id)).toEqual(['m0', 'm1', 'm2', 'm3']);

    // JSON, but not an item: wrong width, a bad id.
    const narrow = `${lines[0]}\n${JSON.stringify({ id: 'short', values: [1, 2, 3] })}\n`;
    const short = await expectProblem(await importInto('transfer-g', narrow), 400);
    expect([short.line, short.written]).toEqual([2, 1]);
    expect(short.detail).toMatch(/3 numbers/);
    const badId = await expectProblem(
      await importInto('transfer-g', `${JSON.stringify({ id: '../x', values: Array.from(vector()) })}\n`),
      400,
    );
    expect([badId.line, badId.written]).toEqual([1, 0]);
  });

  it('blank lines and CRLF endings are read; a repeated id keeps its last line', async () => {
    const a = vector();
    const b = vector();
    const body = `${itemLine('r', a, { v: 1 }).trim()}\r\n\r\n${itemLine('r', b, { v: 2 }).trim()}`;
    const answer = await importInto('transfer-h', body);
    expect(await answer.json()).toMatchObject({ written: 2, lines: 3 });
    const [only] = await exportLines('transfer-h');
    expect(only!.metadata).toEqual({ v: 2 });
    expect(bitsOf(only!.values)).toEqual(Array.from(new Uint32Array(b.buffer)));
  });

  it('past IMPORT_MAX_ITEMS (150 here): 413 naming the line, the first 150 written', async () => {
    const body = `${Array.from({ length: 160 }, (_, i) => JSON.stringify({ id: `l${i}`, values: Array.from(vector()) })).join('\n')}\n`;
    const problem = await expectProblem(await importInto('transfer-i', body), 413);
    expect(problem.type).toMatch(/batch-too-large$/);
    expect([problem.line, problem.written, problem.limit]).toEqual([151, 150, 150]);
    expect((await exportLines('transfer-i')).length).toBe(150);
  });

  it('import needs the write scope and application/x-ndjson; export takes the read scope', async () => {
    const line = `${JSON.stringify({ id: 'w', values: Array.from(vector()) })}\n`;
    const headers = { 'content-type': NDJSON, 'x-model-id': MODEL.id, 'x-model-version': MODEL.version };
    await expectProblem(await anonymous('/v1/import?namespace=transfer-j', { method: 'POST', body: line, headers }), 401);
    await expectProblem(
      await anonymous('/v1/import?namespace=transfer-j', { method: 'POST', body: line, headers: { ...headers, ...bearer(TEST_READ_KEY) } }),
      403,
    );
    const typed = await expectProblem(
      await importInto('transfer-j', line, {
        'content-type': 'application/json',
        'x-model-id': MODEL.id,
        'x-model-version': MODEL.version,
      }),
      415,
    );
    expect(typed.accepted).toEqual([NDJSON]);
    expect((await anonymous('/v1/export?namespace=transfer-a', { headers: bearer(TEST_READ_KEY) })).status).toBe(200);
  });
});
