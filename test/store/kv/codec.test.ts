import { describe, expect, it } from 'vitest';
import { encodeBase64 } from '../../../src/core/util/base64.ts';
import { score, type Metric } from '../../../src/core/vector/metrics.ts';
import {
  KV_METADATA_LIMIT,
  codeDot,
  codeParts,
  decodeFloat32,
  decodeValue,
  encodeFloat32,
  encodeValue,
  listEntries,
  listMetadata,
  prepareQuery,
  quantize,
  scoreBounds,
} from '../../../src/store/kv/codec.ts';
import { goodness } from '../../../src/store/rank.ts';
import { random, randomVector } from '../../support/store-contract.ts';

describe('KV item encoding', () => {
  it('round-trips float32 vectors bit for bit', () => {
    const v = Float32Array.from([0, -0, 1.5, -3.25e-12, 3.4e38, Number.MIN_VALUE, 0.1]);
    const back = decodeFloat32(encodeFloat32(v), v.length);
    expect(Array.from(back)).toEqual(Array.from(v));
    expect(() => decodeFloat32(encodeFloat32(v), v.length + 1)).toThrow();
    // Little-endian float32 in standard base64: 1.0 is 00 00 80 3f.
    expect(encodeFloat32(Float32Array.of(1))).toBe('AACAPw==');
  });

  it('reads back the values it writes, and nothing else', () => {
    const v = Float32Array.from([1, 2, 3]);
    const value = JSON.parse(JSON.stringify(encodeValue('tok', v, { a: 1 }))) as unknown;
    expect(decodeValue(value, 3)).toEqual({ token: 'tok', vector: v, metadata: { a: 1 }, contentHash: undefined });
    const hashed = JSON.parse(JSON.stringify(encodeValue('tok', v, {}, 'ab'.repeat(32)))) as unknown;
    expect(decodeValue(hashed, 3)).toEqual({ token: 'tok', vector: v, metadata: {}, contentHash: 'ab'.repeat(32) });
    for (const other of [null, 'text', { f: 2, t: 'tok', v: '', m: {} }, { f: 1, v: 'AACAPw==' }]) expect(decodeValue(other, 1)).toBeNull();
    expect(() => decodeValue(value, 4)).toThrow(/not 4 float32/);
  });

  it('quantises to int8 with the stated error norm', () => {
    const next = random(2);
    const v = randomVector(512, next);
    const { scale, code, errorNorm } = quantize(v);
    let err2 = 0;
    v.forEach((x, i) => (err2 += (x - scale * code[i]!) ** 2));
    expect(errorNorm).toBeCloseTo(Math.sqrt(err2), 12);
    expect(Math.max(...Array.from(code, Math.abs))).toBe(127);
    expect(errorNorm / Math.hypot(...v)).toBeLessThan(0.01);
    expect(quantize(new Float32Array(4))).toEqual({ scale: 0, code: new Int8Array(4), errorNorm: 0 });
  });

  it('keeps list metadata within 1024 bytes, preferring the code over user metadata', () => {
    const v512 = randomVector(512, random(3));
    const small = listMetadata('t', v512, { a: 1 });
    expect(small.q).toBeDefined();
    expect(small.m).toEqual({ a: 1 });
    const big = listMetadata('t', v512, { text: 'x'.repeat(400) });
    expect(big).toMatchObject({ x: 1 });
    expect(big.q).toBeDefined();
    const v1792 = randomVector(1792, random(4));
    const wide = listEntries('t', v1792, { a: 1 });
    expect(wide.item.q).toBeUndefined();
    expect(wide.item).toMatchObject({ p: 3, m: { a: 1 } });
    expect(wide.parts).toHaveLength(3);
    // The parts' base64 strings concatenate to the code of the whole vector.
    const { code } = quantize(v1792);
    expect(wide.parts.map((p) => p.q).join('')).toBe(encodeBase64(new Uint8Array(code.buffer)));
    expect(codeParts(512)).toBe(0);
    expect(codeParts(600)).toBe(0);
    expect(codeParts(601)).toBe(1);
    expect(codeParts(1792)).toBe(3);
    for (const md of [small, big, wide.item, ...wide.parts]) {
      expect(new TextEncoder().encode(JSON.stringify(md)).byteLength).toBeLessThanOrEqual(KV_METADATA_LIMIT);
    }
    const v600 = Float32Array.from({ length: 600 }, () => -3.4e38 * Math.random());
    expect(new TextEncoder().encode(JSON.stringify(listMetadata('2147483647999.abcdefghijkl', v600, {}))).byteLength).toBeLessThanOrEqual(
      KV_METADATA_LIMIT,
    );
  });

  for (const metric of ['cosine', 'euclidean', 'dot'] as Metric[]) {
    it(`bounds the exact ${metric} score for every item (random, clustered, near-identical, zero)`, () => {
      const next = random(metric.length * 7);
      for (let trial = 0; trial < 400; trial++) {
        const dims = [8, 64, 512][trial % 3]!;
        const x = trial % 50 === 0 ? new Float32Array(dims) : randomVector(dims, next, trial % 2 === 0);
        const q =
          trial % 5 === 0
            ? Float32Array.from(x, (v) => v + (next() - 0.5) * 1e-6)
            : trial % 7 === 0
              ? Float32Array.from(x)
              : randomVector(dims, next, trial % 3 === 0);
        const md = listMetadata('t', x, {});
        const bounds = scoreBounds(prepareQuery(q, metric), md)!;
        const exact = goodness(metric, score(metric, q, x));
        expect(bounds[0], `${trial}`).toBeLessThanOrEqual(exact);
        expect(bounds[1], `${trial}`).toBeGreaterThanOrEqual(exact);
        if (metric === 'cosine' && dims === 512 && Math.hypot(...x) > 0) expect(bounds[1] - bounds[0]).toBeLessThan(0.05);
      }
    });
  }
});

describe('codeDot (the fused decode-and-multiply of the search loop)', () => {
  it('equals decoding then multiplying, for every length mod 3, and refuses non-codes', () => {
    const next = random(21);
    for (const dims of [1, 2, 3, 4, 5, 63, 64, 512, 1000]) {
      const code = Int8Array.from({ length: dims }, () => Math.floor(next() * 255) - 127);
      const values = Float64Array.from({ length: dims }, () => next() * 2 - 1);
      const text = encodeBase64(new Uint8Array(code.buffer));
      let expected = 0;
      code.forEach((c, i) => (expected += values[i]! * c));
      expect(codeDot(values, text)).toBeCloseTo(expected, 9);
      expect(codeDot(values, text.slice(0, -4))).toBeNaN();
      expect(codeDot(values, `é${text.slice(1)}`)).toBeNaN();
      expect(codeDot(values, `$${text.slice(1)}`)).toBeNaN();
    }
  });

  it('keeps the content hash in the list metadata within 1024 bytes (512-d, 600-d, 1792-d), user metadata after it', () => {
    const next = random(44);
    const hash = 'ab'.repeat(32);
    const bytes = (m: unknown) => new TextEncoder().encode(JSON.stringify(m)).byteLength;
    const long = { label: 'cat', title: 'x'.repeat(300), tags: ['a', 'b', 'c'] };
    for (const dims of [512, 600, 1792]) {
      for (let round = 0; round < 50; round++) {
        // Wide-ranging values: the longest numbers JSON writes for n, s and e.
        const v = Float32Array.from({ length: dims }, () => (next() * 2 - 1) * 10 ** ((round % 7) - 3));
        const bare = listEntries(newTokenLike(), v, {}, hash);
        expect(bare.item.h, `${dims}`).toBe(hash);
        expect(bare.item.x, `${dims}`).toBeUndefined();
        expect(bytes(bare.item)).toBeLessThanOrEqual(KV_METADATA_LIMIT);
        const withLong = listEntries(newTokenLike(), v, long, hash);
        expect(withLong.item.h).toBe(hash);
        expect(bytes(withLong.item)).toBeLessThanOrEqual(KV_METADATA_LIMIT);
        for (const part of withLong.parts) expect(bytes(part)).toBeLessThanOrEqual(KV_METADATA_LIMIT);
        // 300 characters of metadata fit beside the code parts' count, not beside an inline 512-d code.
        expect(withLong.item.m === undefined, `${dims}`).toBe(dims <= 600);
        expect(withLong.item.x === 1, `${dims}`).toBe(dims <= 600);
        const short = listEntries(newTokenLike(), v, { label: 'cat' }, hash);
        expect(short.item.m, `${dims}`).toEqual({ label: 'cat' });
      }
    }
  });
});

/** A write token as long as newToken's (8 + 1 + 12 characters). */
function newTokenLike(): string {
  return `${'z'.repeat(8)}.${'0'.repeat(12)}`;
}
