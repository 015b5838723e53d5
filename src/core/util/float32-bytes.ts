/**
 * @module Float32 values <-> little-endian bytes, whatever the platform's byte order: the layout of the
 * API's `application/octet-stream` vectors, the embedding cache and the KV store's values.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The values as float32, little-endian, back to back (a new buffer). */
export function float32ToBytes(values: ArrayLike<number>): Uint8Array<ArrayBuffer> {
  if (LITTLE_ENDIAN) return new Uint8Array(Float32Array.from(values).buffer);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

/** Several vectors as float32, little-endian, one after another. */
export function float32ListToBytes(vectors: readonly ArrayLike<number>[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(vectors.reduce((n, v) => n + v.length * 4, 0));
  let offset = 0;
  for (const vector of vectors) {
    out.set(float32ToBytes(vector), offset);
    offset += vector.length * 4;
  }
  return out;
}

/** Little-endian float32 bytes back to values (a copy; the input may sit at any offset). */
export function bytesToFloat32(bytes: Uint8Array | ArrayBuffer): Float32Array<ArrayBuffer> {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (view.byteLength % 4 !== 0) throw new RangeError(`${view.byteLength} bytes are not a whole number of float32 values`);
  if (LITTLE_ENDIAN) return new Float32Array(view.slice().buffer);
  const data = new DataView(view.buffer, view.byteOffset, view.byteLength);
  return Float32Array.from({ length: view.byteLength / 4 }, (_, i) => data.getFloat32(i * 4, true));
}
