/**
 * @module Base64 (RFC 4648), standard and URL-safe, with no intermediate binary strings (so large inputs
 * cost no `btoa`/`atob` round trip) and the same in workerd, Node and browsers.
 */

const STANDARD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The 6-bit value of each character code below 256 in either alphabet (`+`/`-` are 62, `/`/`_` 63), 255
 * for anything else. Exported for decoders that read digits in a hot loop (the KV int8 dot product).
 */
export const BASE64_DIGITS: Uint8Array = (() => {
  const table = new Uint8Array(256).fill(255);
  for (let i = 0; i < 64; i++) {
    table[STANDARD.charCodeAt(i)] = i;
    table[URL_SAFE.charCodeAt(i)] = i;
  }
  return table;
})();

export interface Base64Options {
  /** `-` and `_` instead of `+` and `/` (RFC 4648 §5). Default false. */
  readonly urlSafe?: boolean;
  /** Trailing `=` to a multiple of 4 characters. Default: true for standard, false for URL-safe. */
  readonly pad?: boolean;
}

export function encodeBase64(bytes: Uint8Array, options: Base64Options = {}): string {
  const alphabet = options.urlSafe ? URL_SAFE : STANDARD;
  const pad = options.pad ?? !options.urlSafe;
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + alphabet[n & 63]!;
  }
  if (i < bytes.length) {
    const two = i + 1 < bytes.length;
    const n = (bytes[i]! << 16) | ((two ? bytes[i + 1]! : 0) << 8);
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + (two ? alphabet[(n >> 6) & 63]! : pad ? '=' : '') + (pad ? '=' : '');
  }
  return out;
}

/**
 * Decodes base64 in either alphabet, padded or not, into `out`; returns the byte count, or -1 when the
 * text is malformed (a character outside the alphabets, a dangling character) or `out` is too small.
 */
export function decodeBase64Into(text: string, out: Uint8Array): number {
  let length = text.length;
  while (length > 0 && text.charCodeAt(length - 1) === 61) length--; // '='
  if (text.length - length > 2 || length % 4 === 1) return -1;
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    const v = code > 255 ? 255 : BASE64_DIGITS[code]!;
    if (v === 255) return -1;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o >= out.length) return -1;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return o;
}

/** Decodes base64 in either alphabet, padded or not; throws a TypeError on malformed text. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  const n = decodeBase64Into(text, out);
  if (n < 0) throw new TypeError('malformed base64');
  return out.slice(0, n);
}

/** A string's UTF-8 as base64. */
export function encodeBase64Text(text: string, options: Base64Options = {}): string {
  return encodeBase64(new TextEncoder().encode(text), options);
}

/** Base64 of UTF-8 back to the string; throws a TypeError on malformed base64 or UTF-8. */
export function decodeBase64Text(text: string): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(decodeBase64(text));
}
