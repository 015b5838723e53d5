/**
 * @module Metadata filters: one schema (what a request may send) and one evaluator (what matches),
 * shared by the memory and KV stores and the Vectorize contract fake, so all three agree.
 *
 * The language is Vectorize's: `{ field: value }` (implicit `$eq`) or `{ field: { $op: value } }`,
 * several fields = AND, a dotted field reaches into one level of nesting (`"author.name"`).
 * Operators: `$eq $ne` (string, number, boolean or null), `$in $nin` (a list of those), and the
 * range operators `$lt $lte $gt $gte` (string or number); one upper and one lower bound may be
 * combined, no other operators may.
 *
 * What matches (Vectorize filters through per-property indexes, so a vector without a value for a
 * property is simply absent from that index):
 * - a missing field (or one holding a list or object, which are not filterable) satisfies only the
 *   explicit null probes `$eq: null` (or `field: null`) and `$in` lists containing null; `$ne` and
 *   `$nin` need the field present (`$ne: null` = "has a value"); it never satisfies a range;
 * - values of different types are never equal and never in range of each other;
 * - strings compare by UTF-16 code units (numbers numerically).
 */
import * as z from 'zod';

export type FilterScalar = string | number | boolean | null;
export type RangeOperator = '$lt' | '$lte' | '$gt' | '$gte';
export type FieldCondition =
  | FilterScalar
  | { readonly $eq: FilterScalar }
  | { readonly $ne: FilterScalar }
  | { readonly $in: readonly FilterScalar[] }
  | { readonly $nin: readonly FilterScalar[] }
  | { readonly [op in RangeOperator]?: string | number };
export type MetadataFilter = { readonly [field: string]: FieldCondition };

/** Vectorize: the compact JSON of a filter must be under 2048 bytes. */
export const MAX_FILTER_BYTES = 2048;

const scalar = z.union([z.string(), z.number().refine(Number.isFinite, 'must be finite'), z.boolean(), z.null()]);
const rangeValue = z.union([z.string(), z.number().refine(Number.isFinite, 'must be finite')]);
const list = z.array(scalar).min(1, 'must list at least one value');

const operatorObject = z
  .strictObject({
    $eq: scalar.optional(),
    $ne: scalar.optional(),
    $in: list.optional(),
    $nin: list.optional(),
    $lt: rangeValue.optional(),
    $lte: rangeValue.optional(),
    $gt: rangeValue.optional(),
    $gte: rangeValue.optional(),
  })
  .superRefine((ops, ctx) => {
    const present = Object.keys(ops).filter((k) => ops[k as keyof typeof ops] !== undefined);
    if (present.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'needs an operator ($eq $ne $in $nin $lt $lte $gt $gte)' });
      return;
    }
    const single = present.filter((k) => ['$eq', '$ne', '$in', '$nin'].includes(k));
    const lower = present.filter((k) => k === '$gt' || k === '$gte');
    const upper = present.filter((k) => k === '$lt' || k === '$lte');
    const ok = single.length > 0 ? present.length === 1 : lower.length <= 1 && upper.length <= 1;
    if (!ok) {
      ctx.addIssue({
        code: 'custom',
        message: `operators ${present.join(', ')} cannot be combined (only one lower and one upper bound may)`,
      });
    }
  });

const fieldName = z
  .string()
  .min(1)
  .max(512)
  .refine((k) => !k.includes('"'), "field names must not contain '\"'")
  .refine((k) => k.split('.').every((part) => part.length > 0), 'field names must not have empty parts')
  .refine((k) => k.split('.').every((part) => !part.startsWith('$') && !part.startsWith('_')), {
    message: 'field names must not start with "$" or "_"',
  });

/** What a request may send as `filter` (HTTP validates with this and answers 422). */
export const filterSchema = z.record(z.string(), z.union([scalar, operatorObject])).superRefine((filter, ctx) => {
  const keys = Object.keys(filter);
  if (keys.length === 0) ctx.addIssue({ code: 'custom', message: 'must name at least one field' });
  for (const key of keys) {
    const result = fieldName.safeParse(key);
    if (!result.success) ctx.addIssue({ code: 'custom', message: `"${key}": ${result.error.issues[0]!.message}`, path: [key] });
  }
  const bytes = new TextEncoder().encode(JSON.stringify(filter)).byteLength;
  if (bytes >= MAX_FILTER_BYTES) ctx.addIssue({ code: 'custom', message: `is ${bytes} bytes of JSON; must be under ${MAX_FILTER_BYTES}` });
}) as unknown as z.ZodType<MetadataFilter>;

/** The value at a dotted path, or undefined. */
function lookup(metadata: unknown, path: string): unknown {
  let value: unknown = metadata;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export interface EvaluateOptions {
  /** Vectorize indexes the first 64 bytes of a string: the fake passes 64. */
  readonly truncateStringsTo?: number;
}

function normalise(value: unknown, options: EvaluateOptions): FilterScalar {
  if (typeof value === 'string') return options.truncateStringsTo ? truncateUtf8(value, options.truncateStringsTo) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return null; // missing, null, lists and objects are not filterable values
}

const same = (a: FilterScalar, b: FilterScalar) => a === b;

function inRange(value: FilterScalar, op: RangeOperator, bound: string | number): boolean {
  if (value === null || typeof value !== typeof bound) return false;
  const v = value as string | number;
  switch (op) {
    case '$lt':
      return v < bound;
    case '$lte':
      return v <= bound;
    case '$gt':
      return v > bound;
    case '$gte':
      return v >= bound;
  }
}

function matchesCondition(value: FilterScalar, condition: FieldCondition): boolean {
  if (condition === null || typeof condition !== 'object') return same(value, condition);
  const ops = condition as Record<string, unknown>;
  if ('$eq' in ops) return same(value, ops.$eq as FilterScalar);
  if ('$ne' in ops) return value !== null && !same(value, ops.$ne as FilterScalar);
  if ('$in' in ops) return (ops.$in as FilterScalar[]).some((v) => same(value, v));
  if ('$nin' in ops) return value !== null && !(ops.$nin as FilterScalar[]).some((v) => same(value, v));
  for (const op of ['$lt', '$lte', '$gt', '$gte'] as const) {
    if (ops[op] !== undefined && !inRange(value, op, ops[op] as string | number)) return false;
  }
  return true;
}

/** True when the metadata satisfies every field of the filter (an absent filter matches everything). */
export function matchesFilter(metadata: unknown, filter: MetadataFilter | undefined, options: EvaluateOptions = {}): boolean {
  if (!filter) return true;
  for (const [path, condition] of Object.entries(filter)) {
    if (!matchesCondition(normalise(lookup(metadata, path), options), condition)) return false;
  }
  return true;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The longest well-formed UTF-8 prefix of at most `bytes` bytes. */
export function truncateUtf8(value: string, bytes: number): string {
  const encoded = encoder.encode(value);
  if (encoded.byteLength <= bytes) return value;
  let end = bytes;
  while (end > 0 && (encoded[end]! & 0xc0) === 0x80) end--; // do not cut a character
  return decoder.decode(encoded.subarray(0, end));
}
