/**
 * @module How the KV store writes an item, and the score bounds its search uses.
 *
 * Each item is one KV key whose
 * - VALUE is JSON text (bulk `get` of 100 keys only returns text/JSON): the vector as base64
 *   float32 little-endian, the metadata and a write token;
 * - KV METADATA (<= 1024 bytes of JSON, returned by `list()` with the key at no extra cost) holds the
 *   write token, the vector's norm, an int8 code of the vector (per-vector scale) with the exact
 *   norm of its quantisation error, the content hash (sha256 of the image, when there is one) and the
 *   user metadata when it fits. Code first, then the hash, then the metadata: whatever does not fit
 *   is left to the value and `x: 1` says so.
 * - Vectors wider than {@link INLINE_CODE_MAX_DIMS} (MobileNetV2's 1792) have a code too large for
 *   1024 bytes: it is split over "code part" keys `<item key>/<j>` (j = 0..p-1; ids cannot contain
 *   "/"), each holding ~700 code bytes in its KV metadata and the item's write token. They are the
 *   item's own keys, written with it and deleted with it; a search uses them only when every part
 *   carries the item's current token (else it reads the value, so a half-written item is still
 *   ranked exactly).
 *
 * The int8 code makes search exact without reading every value: for a query q and an item x with
 * code c and scale s, x = s·c + e with ‖e‖ known, so q·x lies within s(q·c) ± min(‖q‖‖e‖, ‖q‖₁·s/2).
 * Items whose upper bound cannot reach the k-th best lower bound are provably outside the top k;
 * only the rest have their float32 values read and scored exactly.
 */
import { BASE64_DIGITS, decodeBase64Into, encodeBase64 } from '../../core/util/base64.ts';
import { bytesToFloat32, float32ToBytes } from '../../core/util/float32-bytes.ts';
import { norm, type Metric } from '../../core/vector/metrics.ts';
import { quantize } from '../int8-code.ts';
import type { Metadata } from '../types.ts';
import { utf8Length } from '../validate.ts';

export const KV_METADATA_LIMIT = 1024;

/** What `list()` returns beside each key (short names: every byte counts against 1024). */
export interface KvListMetadata {
  /** Write token: changes on every write, so a cached vector is known current when it matches. */
  readonly t: string;
  /** ‖x‖ of the float32 vector, computed in float64. */
  readonly n: number;
  /** int8 code scale (max |x_i| / 127), its error norm ‖x − s·c‖ and the code as base64. */
  readonly s?: number;
  readonly e?: number;
  readonly q?: string;
  /** The content hash (64 hex), when the item has one and it fits (it always does up to 600 dims: see codec.test.ts). */
  readonly h?: string;
  /** The user metadata, when it fits. */
  readonly m?: Metadata;
  /** Something is only in the value: the user metadata (absent `m`) and the hash, if any (absent `h`). */
  readonly x?: 1;
  /** Number of code part keys (wide vectors): the code `q` is their parts, concatenated. */
  readonly p?: number;
}

/** The KV metadata of a code part key. */
export interface KvPartMetadata {
  readonly t: string;
  readonly q: string;
}

/** Widest vector whose int8 code (base64) stays in the item key's own metadata. */
export const INLINE_CODE_MAX_DIMS = 600;
/** Code bytes per part key: a multiple of 3, so the parts' base64 strings concatenate. */
export const PART_CODE_BYTES = 699;

/** How many code part keys an item of `dims` dimensions has (0: the code is inline). */
export function codeParts(dims: number): number {
  return dims <= INLINE_CODE_MAX_DIMS ? 0 : Math.ceil(dims / PART_CODE_BYTES);
}

/** The value, as JSON text. */
export interface KvValue {
  /** Format version. */
  readonly f: 1;
  readonly t: string;
  /** base64 float32 little-endian. */
  readonly v: string;
  readonly m: Metadata;
  /** The content hash, when the item has one. */
  readonly h?: string;
}

// ---- values ----

/** An item as its value holds it. */
export interface StoredItem {
  readonly token: string;
  readonly vector: Float32Array;
  readonly metadata: Metadata;
  readonly contentHash: string | undefined;
}

export function encodeValue(token: string, vector: Float32Array, metadata: Metadata, contentHash?: string): KvValue {
  return { f: 1, t: token, v: encodeFloat32(vector), m: metadata, ...(contentHash !== undefined && { h: contentHash }) };
}

/** A value read back, or null when it is not one this store wrote. */
export function decodeValue(value: unknown, dims: number): StoredItem | null {
  if (value === null || typeof value !== 'object') return null;
  const v = value as KvValue;
  if (v.f !== 1 || typeof v.v !== 'string' || typeof v.t !== 'string') return null;
  return { token: v.t, vector: decodeFloat32(v.v, dims), metadata: v.m ?? {}, contentHash: typeof v.h === 'string' ? v.h : undefined };
}

export function encodeFloat32(vector: Float32Array): string {
  return encodeBase64(float32ToBytes(vector));
}

export function decodeFloat32(text: string, dims: number): Float32Array {
  const bytes = new Uint8Array(dims * 4);
  if (decodeBase64Into(text, bytes) !== dims * 4) throw new Error(`stored vector is not ${dims} float32 values`);
  return bytesToFloat32(bytes);
}

// ---- int8 codes ----

export { quantize, type Int8Code } from '../int8-code.ts';

/** What an item writes to KV besides its value: its own key's metadata and its code parts'. */
export interface KvListEntries {
  readonly item: KvListMetadata;
  readonly parts: KvPartMetadata[];
}

/**
 * The list metadata for an item: the code inline (up to 600 dims) or in part keys (wider), then the
 * content hash and the user metadata while they still fit in 1024 bytes (else `x: 1`: read from the value).
 */
export function listEntries(token: string, vector: Float32Array, metadata: Metadata, contentHash?: string): KvListEntries {
  const length = norm(vector);
  const { scale, code, errorNorm } = quantize(vector);
  const bytes = new Uint8Array(code.buffer, code.byteOffset, code.byteLength);
  const fits = (m: KvListMetadata) => utf8Length(JSON.stringify(m)) <= KV_METADATA_LIMIT;
  const hasMetadata = Object.keys(metadata).length > 0;
  const p = codeParts(vector.length);
  const parts: KvPartMetadata[] = [];
  for (let j = 0; j < p; j++) parts.push({ t: token, q: encodeBase64(bytes.subarray(j * PART_CODE_BYTES, (j + 1) * PART_CODE_BYTES)) });
  const coded: KvListMetadata =
    p === 0 ? { t: token, n: length, s: scale, e: errorNorm, q: encodeBase64(bytes) } : { t: token, n: length, s: scale, e: errorNorm, p };
  const hashed: KvListMetadata = contentHash === undefined ? coded : { ...coded, h: contentHash };
  if (!fits(hashed)) return { item: { ...coded, x: 1 }, parts };
  if (!hasMetadata) return { item: hashed, parts };
  const withMetadata = { ...hashed, m: metadata };
  return { item: fits(withMetadata) ? withMetadata : { ...hashed, x: 1 }, parts };
}

/** The item key's list metadata alone (see {@link listEntries}). */
export function listMetadata(token: string, vector: Float32Array, metadata: Metadata, contentHash?: string): KvListMetadata {
  return listEntries(token, vector, metadata, contentHash).item;
}

export function newToken(): string {
  const random = new Uint8Array(6);
  crypto.getRandomValues(random);
  return `${Date.now().toString(36)}.${Array.from(random, (b) => b.toString(36).padStart(2, '0')).join('')}`;
}

// ---- the query side ----

/** A query prepared once for the whole scan. */
export interface PreparedQuery {
  readonly metric: Metric;
  readonly values: Float64Array;
  readonly norm: number;
  readonly l1: number;
}

export function prepareQuery(vector: Float32Array, metric: Metric): PreparedQuery {
  const values = Float64Array.from(vector);
  let l1 = 0;
  for (const v of values) l1 += Math.abs(v);
  return { metric, values, norm: norm(values), l1 };
}

/**
 * q·c for an int8 code given as base64, decoded on the fly (4 characters = 3 codes), without a
 * buffer: the inner loop of every search. NaN when the text is not a code of q's length.
 */
export function codeDot(values: Float64Array, text: string): number {
  const dims = values.length;
  const groups = Math.floor(dims / 3);
  const rest = dims - groups * 3;
  if (text.length !== Math.ceil(dims / 3) * 4) return Number.NaN;
  let acc = 0;
  let chars = 0; // OR of every char code: > 127 means non-ASCII
  let sextets = 0; // OR of every lookup: >= 64 means not base64
  let t = 0;
  let i = 0;
  for (let g = 0; g < groups; g++, t += 4, i += 3) {
    const c0 = text.charCodeAt(t);
    const c1 = text.charCodeAt(t + 1);
    const c2 = text.charCodeAt(t + 2);
    const c3 = text.charCodeAt(t + 3);
    chars |= c0 | c1 | c2 | c3;
    const l0 = BASE64_DIGITS[c0 & 127]!;
    const l1 = BASE64_DIGITS[c1 & 127]!;
    const l2 = BASE64_DIGITS[c2 & 127]!;
    const l3 = BASE64_DIGITS[c3 & 127]!;
    sextets |= l0 | l1 | l2 | l3;
    const n = (l0 << 18) | (l1 << 12) | (l2 << 6) | l3;
    acc += values[i]! * ((n << 8) >> 24) + values[i + 1]! * ((n << 16) >> 24) + values[i + 2]! * ((n << 24) >> 24);
  }
  if (rest > 0) {
    const c0 = text.charCodeAt(t);
    const c1 = text.charCodeAt(t + 1);
    const c2 = rest === 2 ? text.charCodeAt(t + 2) : 65; // 'A' stands in for padding
    chars |= c0 | c1 | c2;
    const l0 = BASE64_DIGITS[c0 & 127]!;
    const l1 = BASE64_DIGITS[c1 & 127]!;
    const l2 = BASE64_DIGITS[c2 & 127]!;
    sextets |= l0 | l1 | l2;
    const n = (l0 << 18) | (l1 << 12) | (l2 << 6);
    acc += values[i]! * ((n << 8) >> 24);
    if (rest === 2) acc += values[i + 1]! * ((n << 16) >> 24);
  }
  return chars > 127 || sextets > 63 ? Number.NaN : acc;
}

/** [lo, hi] of an item's goodness (larger is nearer; euclidean distances negated), or null if the code is unusable. */
export function scoreBounds(query: PreparedQuery, md: KvListMetadata): [number, number] | null {
  const { q, s, e } = md;
  if (q === undefined || s === undefined || e === undefined || typeof md.n !== 'number') return null;
  const acc = codeDot(query.values, q);
  if (Number.isNaN(acc)) return null;
  const approx = s * acc;
  // Floating-point slack: the exact score is itself computed in float64 from float32 values.
  const slack = 1e-9 * (query.norm * md.n + 1);
  const delta = Math.min(query.norm * e, query.l1 * s * 0.5) + slack;
  const dotLo = approx - delta;
  const dotHi = approx + delta;
  switch (query.metric) {
    case 'dot':
      return [dotLo, dotHi];
    case 'cosine': {
      const denominator = query.norm * md.n;
      if (denominator === 0) return [0, 0];
      return [Math.max(-1, dotLo / denominator) - 1e-12, Math.min(1, dotHi / denominator) + 1e-12];
    }
    case 'euclidean': {
      // ‖q − x‖² = ‖q‖² + ‖x‖² − 2q·x; the expansion cancels badly near 0, hence the relative slack.
      const base = query.norm * query.norm + md.n * md.n;
      const slack2 = 1e-9 * base + 1e-12;
      const far = Math.sqrt(Math.max(0, base - 2 * dotLo + slack2));
      const near = Math.sqrt(Math.max(0, base - 2 * dotHi - slack2));
      return [-far, -near];
    }
  }
}
