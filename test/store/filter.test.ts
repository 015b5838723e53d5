import { describe, expect, it } from 'vitest';
import { filterSchema, matchesFilter, truncateUtf8 } from '../../src/store/filter.ts';

describe('filter schema (what a request may send)', () => {
  const ok = (filter: unknown) => expect(filterSchema.safeParse(filter).success, JSON.stringify(filter)).toBe(true);
  const bad = (filter: unknown, message: RegExp) => {
    const result = filterSchema.safeParse(filter);
    expect(result.success, JSON.stringify(filter)).toBe(false);
    expect(result.error!.issues.map((i) => i.message).join('; ')).toMatch(message);
  };

  it('accepts every documented form', () => {
    ok({ kind: 'cat' });
    ok({ kind: null, n: 1, b: false });
    ok({ kind: { $eq: 'cat' } });
    ok({ kind: { $ne: null } });
    ok({ kind: { $in: ['a', 1, true, null] }, other: { $nin: ['x'] } });
    ok({ year: { $gte: 2000, $lt: 2010 } });
    ok({ name: { $gt: 'a', $lte: 'm' } });
    ok({ 'owner.name': 'ann' });
  });

  it('refuses what Vectorize refuses, saying why', () => {
    bad({}, /at least one field/);
    bad({ a: { $eq: 1, $ne: 2 } }, /cannot be combined/);
    bad({ a: { $gt: 1, $gte: 2 } }, /cannot be combined/);
    bad({ a: { $in: [] } }, /at least one value/);
    bad({ a: { $lt: true } }, /.+/);
    bad({ a: { $regex: 'x' } }, /.+/);
    bad({ a: {} }, /needs an operator/);
    bad({ $or: [1] }, /.+/);
    bad({ $x: 1 }, /must not start/);
    bad({ _id: 'x' }, /must not start/);
    bad({ 'a..b': 1 }, /empty parts/);
    bad({ 'a"b': 1 }, /must not contain/);
    bad({ a: 'x'.repeat(2100) }, /2048/);
    bad({ a: Number.NaN }, /.+/);
    bad({ a: [1, 2] }, /.+/);
  });
});

describe('filter evaluation', () => {
  const m = { kind: 'cat', year: 2020, ok: true, tags: ['a'], owner: { name: 'ann' } };

  it('compares within a type only, and strings by code units', () => {
    expect(matchesFilter(m, { year: 2020 })).toBe(true);
    expect(matchesFilter(m, { year: '2020' })).toBe(false);
    expect(matchesFilter(m, { year: { $ne: '2020' } })).toBe(true);
    expect(matchesFilter(m, { year: { $gt: '1' } })).toBe(false);
    expect(matchesFilter(m, { kind: { $gt: 'Cat' } })).toBe(true); // 'c' (0x63) > 'C' (0x43)
    expect(matchesFilter(m, { kind: { $gte: 'cat', $lte: 'cat' } })).toBe(true);
    expect(matchesFilter(m, { ok: { $in: [true] } })).toBe(true);
  });

  it('treats missing fields, lists and objects as absent: only null probes match them', () => {
    for (const field of ['missing', 'tags', 'owner']) {
      expect(matchesFilter(m, { [field]: null }), field).toBe(true);
      expect(matchesFilter(m, { [field]: { $in: ['x', null] } }), field).toBe(true);
      expect(matchesFilter(m, { [field]: { $ne: 'x' } }), field).toBe(false);
      expect(matchesFilter(m, { [field]: { $nin: ['x'] } }), field).toBe(false);
      expect(matchesFilter(m, { [field]: { $lt: 'z' } }), field).toBe(false);
    }
    expect(matchesFilter(m, { kind: { $ne: null } })).toBe(true);
    expect(matchesFilter(m, { kind: null })).toBe(false);
  });

  it('follows dotted paths one level into nested metadata, and ANDs fields', () => {
    expect(matchesFilter(m, { 'owner.name': 'ann' })).toBe(true);
    expect(matchesFilter(m, { 'owner.name': 'ann', kind: 'dog' })).toBe(false);
    expect(matchesFilter(m, { 'kind.x': null })).toBe(true);
    expect(matchesFilter(m, undefined)).toBe(true);
  });

  it('cuts strings on UTF-8 character boundaries when asked (Vectorize indexes 64 bytes)', () => {
    expect(truncateUtf8('é'.repeat(40), 64)).toBe('é'.repeat(32));
    expect(truncateUtf8(`a${'é'.repeat(40)}`, 64)).toBe(`a${'é'.repeat(31)}`);
    expect(matchesFilter({ s: 'x'.repeat(70) }, { s: 'x'.repeat(64) }, { truncateStringsTo: 64 })).toBe(true);
    expect(matchesFilter({ s: 'x'.repeat(70) }, { s: 'x'.repeat(64) })).toBe(false);
  });
});
