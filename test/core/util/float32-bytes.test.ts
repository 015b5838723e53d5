import { describe, expect, it } from 'vitest';
import { bytesToFloat32, float32ListToBytes, float32ToBytes } from '../../../src/core/util/float32-bytes.ts';

describe('float32 <-> little-endian bytes', () => {
  it('writes IEEE-754 single precision, least significant byte first', () => {
    // 1.0 = 0x3f800000, -2.5 = 0xc0200000
    expect(Array.from(float32ToBytes([1, -2.5]))).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0]);
  });

  it('round-trips every value, including the special ones', () => {
    const values = Float32Array.from([0, -0, 1e-45, 3.4028234663852886e38, -Infinity, Infinity, Math.PI]);
    const back = bytesToFloat32(float32ToBytes(values));
    expect(Array.from(back)).toEqual(Array.from(values));
    expect(Object.is(back[1], -0)).toBe(true);
    expect(Number.isNaN(bytesToFloat32(float32ToBytes([NaN]))[0])).toBe(true);
  });

  it('reads bytes at an offset that is not a multiple of 4, and from an ArrayBuffer', () => {
    const framed = new Uint8Array(9);
    framed.set(float32ToBytes([0.5, 7]), 1);
    expect(Array.from(bytesToFloat32(framed.subarray(1)))).toEqual([0.5, 7]);
    expect(Array.from(bytesToFloat32(float32ToBytes([0.25]).buffer))).toEqual([0.25]);
  });

  it('returns a copy, not a view of the input', () => {
    const bytes = float32ToBytes([1]);
    const values = bytesToFloat32(bytes);
    bytes.fill(0);
    expect(values[0]).toBe(1);
  });

  it('refuses a length that is not a whole number of values', () => {
    expect(() => bytesToFloat32(new Uint8Array(6))).toThrow(RangeError);
  });

  it('concatenates several vectors in order', () => {
    const bytes = float32ListToBytes([[1, 2], [], [3]]);
    expect(bytes.byteLength).toBe(12);
    expect(Array.from(bytesToFloat32(bytes))).toEqual([1, 2, 3]);
  });
});
