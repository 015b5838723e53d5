/**
 * @module Every `[vars]` value and secret the Worker reads, as one zod schema: what each accepts, its
 * default and what it does. An unset or blank variable takes its default. docs/configuration.md is
 * generated from {@link VARIABLES} (`npm run docs:config`).
 */
import * as z from 'zod';
import { METRICS } from '../core/vector/metrics.ts';
import { ApiKeys } from '../http/middleware/api-key-auth/index.ts';
import { parseCorsOrigins } from '../http/middleware/cors/index.ts';
import { chooseModel, MODELS } from '../models.ts';
import {
  DEFAULT_ANALYTICS_MAX_ITEMS,
  DEFAULT_CORS_ORIGINS,
  DEFAULT_EMBED_CACHE_MAX_BYTES,
  DEFAULT_FETCH_MAX_REDIRECTS,
  DEFAULT_FETCH_TIMEOUT_MS,
  DEFAULT_JOB_MAX_ITEMS,
  DEFAULT_JOB_RETRY_DELAY_SECONDS,
  DEFAULT_JOB_STALL_SECONDS,
  DEFAULT_KEEP_ORIGINALS,
  DEFAULT_ORIGINALS_EVENTS,
  DEFAULT_INFERENCE_CONCURRENCY,
  DEFAULT_INFERENCE_QUEUE,
  DEFAULT_MAX_BATCH,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_IMPORT_MAX_BYTES,
  DEFAULT_IMPORT_MAX_ITEMS,
  DEFAULT_MAX_PIXELS,
  DEFAULT_MODEL_ID,
  DEFAULT_READ_AUTH,
  DEFAULT_VECTOR_STORE,
  DEFAULT_VECTORIZE_METRIC,
} from './defaults.ts';

/** One variable: how its text is read, and what the docs and error messages say about it. */
export interface Variable<T> {
  /** Set with `wrangler secret put` (and .dev.vars locally), never in wrangler.toml; its value is never shown. */
  readonly secret: boolean;
  /** What an unset or blank variable means, written as the variable would be. */
  readonly default: string;
  /** What it accepts; completes "NAME must be …". */
  readonly accepts: string;
  readonly description: string;
  /** Reads a non-blank value. */
  readonly schema: z.ZodType<T, string>;
}

function variable<T>(spec: Omit<Variable<T>, 'secret'> & { readonly secret?: boolean }): Variable<T> {
  return { ...spec, secret: spec.secret ?? false };
}

/** Reads text with a parser that throws; its message (less a leading "NAME: ") is the issue's `params.detail`. */
function parsedBy<T>(name: string, parse: (value: string) => T): z.ZodType<T, string> {
  return z.string().transform((value, ctx) => {
    try {
      return parse(value);
    } catch (error) {
      const detail = (error instanceof Error ? error.message : String(error)).replace(`${name}: `, '');
      ctx.addIssue({ code: 'custom', message: detail, params: { detail } });
      return z.NEVER;
    }
  });
}

/** A safe integer at least `min`, as `Number()` reads it. */
function integer(min: 0 | 1): z.ZodType<number, string> {
  return z.string().transform((value, ctx) => {
    const n = Number(value);
    if (Number.isSafeInteger(n) && n >= min) return n;
    ctx.addIssue({ code: 'custom', message: `not an integer >= ${min}` });
    return z.NEVER;
  });
}

/** `"a", "b" or "c"`. */
function anyOf(values: readonly string[]): string {
  const quoted = values.map((value) => `"${value}"`);
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : (quoted[0] ?? '');
}

const MiB = 1024 * 1024;
const STORES = ['kv', 'vectorize'] as const;
const READ_AUTH = ['open', 'required'] as const;

export const VARIABLES = {
  MODEL_ID: variable({
    default: DEFAULT_MODEL_ID,
    accepts: '"auto" or a model id from models/index.json',
    description:
      'Which model serves; "auto" = the real VGG16 (vgg16-imagenet-int8) when it has been built, else mobilenet-v2-1.4-nsfwjs. Vectors carry the model id and version.',
    schema: parsedBy('MODEL_ID', (value) => {
      try {
        return chooseModel(value);
      } catch (error) {
        throw new Error(
          value === DEFAULT_MODEL_ID && error instanceof Error ? error.message : `this build knows ${MODELS.map((m) => m.id).join(', ')}`,
        );
      }
    }),
  }),
  MAX_BODY_BYTES: variable({
    default: String(DEFAULT_MAX_BODY_BYTES),
    accepts: 'a positive integer (bytes)',
    description: `Largest request body (${DEFAULT_MAX_BODY_BYTES / MiB} MiB by default); base64 JSON counts as sent. Larger bodies get 413.`,
    schema: integer(1),
  }),
  IMPORT_MAX_BYTES: variable({
    default: String(DEFAULT_IMPORT_MAX_BYTES),
    accepts: 'a positive integer (bytes)',
    description: `Largest NDJSON body of POST /v1/import (${DEFAULT_IMPORT_MAX_BYTES / MiB} MiB by default). Not MAX_BODY_BYTES: an import is streamed a line at a time, never held whole. Larger bodies get 413 after the items before the limit were written.`,
    schema: integer(1),
  }),
  IMPORT_MAX_ITEMS: variable({
    default: String(DEFAULT_IMPORT_MAX_ITEMS),
    accepts: 'a positive integer (items)',
    description:
      'Most items one POST /v1/import writes (each is a KV put, four at 1792-d; an invocation may make 1000 KV operations). Line IMPORT_MAX_ITEMS + 1 gets 413 batch-too-large naming how many were written; send the rest in another request.',
    schema: integer(1),
  }),
  MAX_PIXELS: variable({
    default: String(DEFAULT_MAX_PIXELS),
    accepts: 'a positive integer (pixels)',
    description:
      "Largest image, read from its header before decoding; larger images get 413. Formats decoded whole (not row by row) have a lower limit of their own that keeps the decode and int8 VGG16 inside one isolate's 128 MB (src/core/image/limits.ts).",
    schema: integer(1),
  }),
  MAX_BATCH: variable({
    default: String(DEFAULT_MAX_BATCH),
    accepts: 'a positive integer (images)',
    description: 'Most images in one batch request.',
    schema: integer(1),
  }),
  VECTOR_STORE: variable({
    default: DEFAULT_VECTOR_STORE,
    accepts: anyOf(STORES),
    description: 'Where items live: the ITEMS KV namespace, or the VECTORIZE index (which needs its binding).',
    schema: z.enum(STORES),
  }),
  VECTORIZE_METRIC: variable({
    default: DEFAULT_VECTORIZE_METRIC,
    accepts: anyOf(METRICS),
    description: 'The metric the Vectorize index was created with (a Vectorize index ranks by that one only).',
    schema: z.enum(METRICS),
  }),
  EMBED_CACHE_MAX_BYTES: variable({
    default: String(DEFAULT_EMBED_CACHE_MAX_BYTES),
    accepts: 'a non-negative integer (bytes; 0 turns the cache off)',
    description: `Largest image whose vector the embedding cache (Workers Cache API) keeps (${DEFAULT_EMBED_CACHE_MAX_BYTES / MiB} MiB by default).`,
    schema: integer(0),
  }),
  API_KEYS: variable({
    secret: true,
    default: '',
    accepts: 'comma-separated name:scope+scope:key entries (scopes: read, write; a key is at least 16 of A-Z a-z 0-9 - . _ ~ + /)',
    description: 'The API keys (a secret: `npx wrangler secret put API_KEYS`). None = every write is refused (401).',
    schema: parsedBy('API_KEYS', (value) => ApiKeys.parse(value)),
  }),
  READ_AUTH: variable({
    default: DEFAULT_READ_AUTH,
    accepts: anyOf(READ_AUTH),
    description: '"open": embed, search, compare and GETs need no key; "required": they need a key with the read scope.',
    schema: z.enum(READ_AUTH),
  }),
  CORS_ORIGINS: variable({
    default: DEFAULT_CORS_ORIGINS,
    accepts: 'comma-separated origins like https://app.example.com, or "*"',
    description: 'Origins whose pages may call the API from a browser (CORS); blank = none.',
    schema: parsedBy('CORS_ORIGINS', parseCorsOrigins),
  }),
  INFERENCE_CONCURRENCY: variable({
    default: String(DEFAULT_INFERENCE_CONCURRENCY),
    accepts: 'a positive integer (embeds)',
    description: 'Embeds (decode, preprocess, model) running at once per isolate; more gains no throughput and holds more memory.',
    schema: integer(1),
  }),
  INFERENCE_QUEUE: variable({
    default: String(DEFAULT_INFERENCE_QUEUE),
    accepts: 'a positive integer (embeds)',
    description: 'Embeds waiting for a slot per isolate; one more gets 503 with Retry-After.',
    schema: integer(1),
  }),
  ANALYTICS_MAX_ITEMS: variable({
    default: String(DEFAULT_ANALYTICS_MAX_ITEMS),
    accepts: 'a positive integer (items)',
    description:
      'Most items of a namespace that training, clustering, duplicate grouping and best-score recommend load in one request (as int8 codes); a larger namespace gets 413 namespace-too-large.',
    schema: integer(1),
  }),
  JOB_MAX_ITEMS: variable({
    default: String(DEFAULT_JOB_MAX_ITEMS),
    accepts: 'a positive integer (items)',
    description: 'Most items of one job (URLs, objects under an ORIGINALS prefix, items to re-index); a larger job gets 413 job-too-large.',
    schema: integer(1),
  }),
  KEEP_ORIGINALS: variable({
    default: DEFAULT_KEEP_ORIGINALS,
    accepts: '"true" or "false"',
    description:
      'Keep each image an item is embedded from in the ORIGINALS bucket by sha256 (one copy per content), so a re-index job can embed it with another model; deleting the last item that uses one deletes it.',
    schema: z.enum(['true', 'false']).transform((value) => value === 'true'),
  }),
  ORIGINALS_EVENTS: variable({
    default: DEFAULT_ORIGINALS_EVENTS,
    accepts: '"worker" or "r2"',
    description:
      'Who sends the ingest queue the object-create event of an upload to ORIGINALS (uploads/<namespace>/<id>): "worker" — PUT /v1/originals/{id} sends it (local development; no bucket rule needed); "r2" — the bucket\'s event notification rule does (docs/deploy.md), so objects other tools put under uploads/ are indexed too.',
    schema: z.enum(['worker', 'r2']),
  }),
  FETCH_TIMEOUT_MS: variable({
    default: String(DEFAULT_FETCH_TIMEOUT_MS),
    accepts: 'a positive integer (milliseconds)',
    description:
      "Time a job's image URL has to answer in full (redirects included); then the item is retried, and failed with fetch-timeout once retries run out.",
    schema: integer(1),
  }),
  FETCH_MAX_REDIRECTS: variable({
    default: String(DEFAULT_FETCH_MAX_REDIRECTS),
    accepts: 'a non-negative integer (redirects)',
    description: "Redirects a job's image URL may take; one more fails the item (fetch-failed).",
    schema: integer(0),
  }),
  JOB_RETRY_DELAY_SECONDS: variable({
    default: String(DEFAULT_JOB_RETRY_DELAY_SECONDS),
    accepts: 'a non-negative integer (seconds)',
    description:
      'Delay before the first retry of an item that failed for a transient reason; each further attempt waits twice as long (at most 900 s).',
    schema: integer(0),
  }),
  JOB_STALL_SECONDS: variable({
    default: String(DEFAULT_JOB_STALL_SECONDS),
    accepts: 'a positive integer (seconds)',
    description:
      "Time a job with items still queued may go without progress (no item finished, nothing sent) before its Durable Object sends those items to the queue again: a message lost (a local queue's backlog is gone when wrangler dev restarts; a send whose outcome was unknown). Keep it well above the queue's whole retry chain (max_retries with JOB_RETRY_DELAY_SECONDS doubling: ~155 s by default), so an item still being retried is not sent twice; a duplicate is harmless, only wasted work.",
    schema: integer(1),
  }),
} as const;

export type VariableName = keyof typeof VARIABLES;

/** The variables as the Worker's env holds them: text (a TOML number or boolean arrives as one), each optional. */
export type ConfigInput = { readonly [K in VariableName]?: string };

/** Each variable read: a model choice, numbers, enums, parsed keys and origins. */
export type Config = { readonly [K in VariableName]: z.output<(typeof VARIABLES)[K]['schema']> };

/** Unset and blank take the default; numbers and booleans (TOML values) are read as their text. */
function withDefault<T>(spec: Variable<T>): z.ZodType<T, unknown> {
  return z
    .union([z.string(), z.number(), z.boolean()])
    .optional()
    .transform((value) => (value === undefined || value === '' ? spec.default : String(value)))
    .pipe(spec.schema);
}

const entries = Object.entries(VARIABLES) as Array<[VariableName, Variable<unknown>]>;

/** The configuration schema over the whole env; bindings and unknown names are ignored. */
export const configSchema = z.object(Object.fromEntries(entries.map(([name, spec]) => [name, withDefault(spec)]))) as unknown as z.ZodType<
  Config,
  ConfigInput
>;
