/** @module SHA-256 through Web Crypto (workerd, browsers and Node alike), as bytes or lower-case hex. */

const encoder = new TextEncoder();

/** Lower-case hex of the bytes. */
export function toHex(bytes: Uint8Array | ArrayBuffer): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = '';
  for (const byte of view) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** The digest of the bytes, or of a string's UTF-8. */
export async function sha256(data: Uint8Array | string): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  // Web Crypto takes no view of a SharedArrayBuffer: copy the rare one.
  const input = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
  return new Uint8Array(await crypto.subtle.digest('SHA-256', input));
}

/** The digest as 64 lower-case hex characters (the form model manifests carry). */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  return toHex(await sha256(data));
}
