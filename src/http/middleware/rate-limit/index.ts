/**
 * @module Rate limits per API key, and per client IP for anonymous requests, over counters the platform
 * keeps (the Workers Rate Limiting binding: `limit({ key })` -> `{ success }`). Over the limit: 429
 * problem+json with `Retry-After`.
 *
 * Runs after authentication, so a request that presented a valid key is counted against that key
 * (`key:<name>`) and an anonymous one against its address (`ip:<CF-Connecting-IP>`). A limiter that fails
 * lets the request through and logs (limits shed load; they must not become an outage).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { problem } from '../../problem.ts';

/** The slice of the Workers Rate Limiting binding this middleware uses. */
export interface RateLimiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

export interface RateLimitOptions {
  /** Counts requests per API key. */
  readonly perKey?: RateLimiter | undefined;
  /** Counts anonymous requests per client IP. */
  readonly perClient?: RateLimiter | undefined;
  /**
   * Seconds a refused client should wait: the limiters' period (the binding's `period`, 10 or 60). The
   * binding does not say when its window ends, so this is an upper bound.
   */
  readonly retryAfterSeconds: number;
}

/** The header Cloudflare puts the client's address in (absent in tests and some local setups). */
const CLIENT_IP_HEADER = 'cf-connecting-ip';

function subject(c: Context, options: RateLimitOptions): { limiter: RateLimiter; key: string; who: string } | undefined {
  const identity = c.get('apiKey');
  if (identity) return options.perKey && { limiter: options.perKey, key: `key:${identity.name}`, who: `the API key "${identity.name}"` };
  const ip = c.req.header(CLIENT_IP_HEADER) ?? 'unknown';
  return options.perClient && { limiter: options.perClient, key: `ip:${ip}`, who: 'anonymous requests from this address' };
}

export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const retryAfter = String(options.retryAfterSeconds);
  return async function rateLimit(c, next) {
    const counted = subject(c, options);
    if (counted) {
      let allowed = true;
      try {
        allowed = (await counted.limiter.limit({ key: counted.key })).success;
      } catch (error) {
        console.error(`rate limiter failed (request let through): ${error instanceof Error ? error.message : String(error)}`);
      }
      if (!allowed) {
        throw problem(
          'too-many-requests',
          `The rate limit for ${counted.who} is used up; retry after ${retryAfter} s.`,
          {},
          { 'retry-after': retryAfter },
        );
      }
    }
    await next();
  };
}
