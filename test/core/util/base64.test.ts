import { describe, expect, it } from 'vitest';
import { decodeBase64, decodeBase64Into, decodeBase64Text, encodeBase64, encodeBase64Text } from '../../../src/core/util/base64.ts';
import { mulberry32 } from '../../../src/core/util/random.ts';

const bytes = (...values: number[]) => new Uint8Array(values);

describe('base64', () => {
  it('matches the RFC 4648 test vectors', () => {
    const vectors: Array<[string, string]> = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [text, encoded] of vectors) {
      expect(encodeBase64Text(text)).toBe(encoded);
      expect(decodeBase64Text(encoded)).toBe(text);
    }
  });

  it('agrees with btoa on random bytes of every length', () => {
    const rng = mulberry32(7);
    for (let n = 0; n < 70; n++) {
      const data = Uint8Array.from({ length: n }, () => rng.nextU32() & 255);
      const expected = btoa(String.fromCharCode(...data));
      expect(encodeBase64(data)).toBe(expected);
      expect(Array.from(decodeBase64(expected))).toEqual(Array.from(data));
    }
  });

  it('writes the URL-safe alphabet without padding unless asked', () => {
    const data = bytes(0xfb, 0xff, 0xbf, 0xfe);
    expect(encodeBase64(data)).toBe('+/+//g==');
    expect(encodeBase64(data, { urlSafe: true })).toBe('-_-__g');
    expect(encodeBase64(data, { urlSafe: true, pad: true })).toBe('-_-__g==');
    expect(encodeBase64(data, { pad: false })).toBe('+/+//g');
  });

  it('reads either alphabet, padded or not', () => {
    for (const text of ['+/+//g==', '-_-__g', '-_-__g==', '+/+//g'])
      expect(Array.from(decodeBase64(text))).toEqual([0xfb, 0xff, 0xbf, 0xfe]);
  });

  it('refuses malformed text', () => {
    for (const text of ['ab$d', 'abcde', 'ab===', 'Zg=\u0100', 'é']) expect(() => decodeBase64(text), text).toThrow(TypeError);
  });

  it('decodes into a buffer, and says when it is too small', () => {
    const out = new Uint8Array(4);
    expect(decodeBase64Into('Zm9v', out)).toBe(3);
    expect(Array.from(out.subarray(0, 3))).toEqual([0x66, 0x6f, 0x6f]);
    expect(decodeBase64Into('Zm9vYmFy', out)).toBe(-1);
  });

  it('carries text beyond Latin-1 as UTF-8', () => {
    const text = 'naïve 🐱';
    expect(decodeBase64Text(encodeBase64Text(text, { urlSafe: true }))).toBe(text);
    expect(() => decodeBase64Text(encodeBase64(bytes(0xff)))).toThrow(TypeError);
  });
});
