/**
 * @module CORS for browser frontends on other origins (Hono's `cors`), from a per-deployment list of
 * allowed origins (`CORS_ORIGINS`: comma-separated `scheme://host[:port]`, or `*`). Preflights are
 * answered 204 before authentication; problem responses (401, 429, …) carry the same headers, so a
 * frontend can read why it was refused.
 */
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

const ALLOW_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'];
/** The x-model-* / x-vector-dims request headers name an import's model (POST /v1/import). */
const ALLOW_HEADERS = ['authorization', 'content-type', 'accept', 'cache-control', 'x-model-id', 'x-model-version', 'x-vector-dims'];
/** Response headers a frontend may read besides the CORS-safelisted ones. */
const EXPOSE_HEADERS = [
  'retry-after',
  'www-authenticate',
  'x-model-id',
  'x-model-version',
  'x-vector-dims',
  'x-vector-count',
  'x-embed-cache',
  'x-mutation-id',
  'x-store-operations',
  'x-store-scanned',
  'x-store-fetched',
];
const MAX_AGE_SECONDS = 600;

/** Parses `CORS_ORIGINS`; throws on anything that is not an origin or `*`. Blank = no cross-origin access. */
export function parseCorsOrigins(value: string | undefined): string[] {
  const origins = (value ?? '').split(/[,\s]+/).filter((origin) => origin !== '');
  for (const origin of origins) {
    if (origin === '*') continue;
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin || !/^https?:$/.test(parsed.protocol)) {
      throw new Error(`CORS_ORIGINS: "${origin.slice(0, 100)}" is not an origin like https://app.example.com (or *)`);
    }
  }
  return origins;
}

/** Allows the given origins (`*` = any). Requests from other origins get no CORS headers. */
export function corsFor(origins: readonly string[]): MiddlewareHandler {
  return cors({
    origin: origins.includes('*') ? '*' : [...origins],
    allowMethods: ALLOW_METHODS,
    allowHeaders: ALLOW_HEADERS,
    exposeHeaders: EXPOSE_HEADERS,
    maxAge: MAX_AGE_SECONDS,
  });
}
