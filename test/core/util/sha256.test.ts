import { describe, expect, it } from 'vitest';
import { sha256, sha256Hex, toHex } from '../../../src/core/util/sha256.ts';

describe('sha256', () => {
  it('matches the FIPS 180-2 test vectors, for bytes and for text', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256Hex(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('hashes a string as its UTF-8', async () => {
    expect(await sha256Hex('é')).toBe(await sha256Hex(new Uint8Array([0xc3, 0xa9])));
  });

  it('hashes only the view it is given, not its whole buffer', async () => {
    const framed = new TextEncoder().encode('xabcx');
    expect(await sha256Hex(framed.subarray(1, 4))).toBe(await sha256Hex('abc'));
  });

  it('gives the raw 32 bytes', async () => {
    const digest = await sha256('abc');
    expect(digest.byteLength).toBe(32);
    expect(toHex(digest)).toBe(await sha256Hex('abc'));
  });

  it('writes hex two lower-case digits a byte', () => {
    expect(toHex(new Uint8Array([0, 9, 10, 255]))).toBe('00090aff');
    expect(toHex(new Uint8Array([1, 2]).buffer)).toBe('0102');
  });
});
