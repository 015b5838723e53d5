/**
 * @module Bearer API keys with scopes (`read`, `write`), configured as one string (the `API_KEYS` secret).
 *
 * Format: entries separated by commas or newlines, each `name:scope+scope:key`, e.g.
 * `ci:read+write:3f9c…,dashboard:read:a71e…`. Names are 1–64 of `A-Z a-z 0-9 . _ -`; keys are at least
 * 16 of the RFC 6750 token characters (`A-Z a-z 0-9 - . _ ~ + /`, trailing `=`). Only the SHA-256 of each
 * key is kept once the first request has hashed them; a presented key is hashed and compared with every
 * configured digest in constant time (Hono's `timingSafeEqual`). No key, valid or not, ever appears in a
 * response or a log line: errors name the entry by its name or position only.
 *
 * Fail closed: with no keys configured every route that needs a key answers 401.
 */
import type { MiddlewareHandler } from 'hono';
import { timingSafeEqual } from 'hono/utils/buffer';
import { sha256 } from 'hono/utils/crypto';
import { problem } from '../../problem.ts';

export const SCOPES = ['read', 'write'] as const;
export type Scope = (typeof SCOPES)[number];

const PREFIX = 'Bearer';
const REALM = 'edge-features';
export const MIN_KEY_LENGTH = 16;
const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** RFC 6750 b64token. */
const TOKEN_PATTERN = /^[A-Za-z0-9\-._~+/]+=*$/;
const HEADER_PATTERN = new RegExp(`^${PREFIX} +(\\S+) *$`, 'i');

/** Who a request authenticated as (set on the context as `apiKey`). */
export interface ApiKeyIdentity {
  readonly name: string;
  readonly scopes: readonly Scope[];
}

declare module 'hono' {
  interface ContextVariableMap {
    /** The API key the request presented, once verified; absent on anonymous requests. */
    apiKey?: ApiKeyIdentity;
  }
}

/** A malformed `API_KEYS` value; its message never contains a key. */
export class ApiKeysConfigError extends Error {
  override readonly name = 'ApiKeysConfigError';
}

/** The configured keys: names and scopes, and (after the first use) only the SHA-256 of each key. */
export class ApiKeys {
  readonly identities: readonly ApiKeyIdentity[];
  #secrets: string[] | undefined;
  #digests: Promise<string[]> | undefined;

  private constructor(identities: ApiKeyIdentity[], secrets: string[]) {
    this.identities = identities;
    this.#secrets = secrets;
  }

  /** No keys: every route that needs one refuses (fail closed). */
  static none(): ApiKeys {
    return new ApiKeys([], []);
  }

  /** Parses `API_KEYS`; undefined or blank is no keys. Throws {@link ApiKeysConfigError} on any malformed entry. */
  static parse(value: string | undefined): ApiKeys {
    const identities: ApiKeyIdentity[] = [];
    const secrets: string[] = [];
    const entries = (value ?? '')
      .split(/[,\n]/)
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    entries.forEach((entry, index) => {
      const where = `API_KEYS entry ${index + 1}`;
      const first = entry.indexOf(':');
      const second = first < 0 ? -1 : entry.indexOf(':', first + 1);
      if (second < 0) throw new ApiKeysConfigError(`${where} is not name:scope+scope:key`);
      const name = entry.slice(0, first);
      const scopes = entry.slice(first + 1, second).split('+');
      const secret = entry.slice(second + 1);
      if (!NAME_PATTERN.test(name)) throw new ApiKeysConfigError(`${where}: the name must be 1-64 of A-Z a-z 0-9 . _ -`);
      const named = `${where} ("${name}")`;
      if (identities.some((identity) => identity.name === name)) throw new ApiKeysConfigError(`${named}: the name is used twice`);
      for (const scope of scopes) {
        if (!(SCOPES as readonly string[]).includes(scope)) {
          throw new ApiKeysConfigError(`${named}: unknown scope "${scope.slice(0, 20)}" (scopes: ${SCOPES.join(', ')}, joined with +)`);
        }
      }
      if (secret.length < MIN_KEY_LENGTH || !TOKEN_PATTERN.test(secret)) {
        throw new ApiKeysConfigError(`${named}: the key must be at least ${MIN_KEY_LENGTH} of A-Z a-z 0-9 - . _ ~ + / (then optional =)`);
      }
      if (secrets.includes(secret)) throw new ApiKeysConfigError(`${named}: the same key is configured twice`);
      identities.push({ name, scopes: [...new Set(scopes as Scope[])] });
      secrets.push(secret);
    });
    return new ApiKeys(identities, secrets);
  }

  get size(): number {
    return this.identities.length;
  }

  /** The SHA-256 digests, computed once; the keys themselves are dropped then. */
  #hashed(): Promise<string[]> {
    if (!this.#digests) {
      const secrets = this.#secrets ?? [];
      this.#secrets = undefined;
      this.#digests = Promise.all(secrets.map(async (secret) => (await sha256(secret))!));
    }
    return this.#digests;
  }

  /** The identity whose key this is, comparing with every configured digest in constant time. */
  async identify(presented: string): Promise<ApiKeyIdentity | undefined> {
    const digests = await this.#hashed();
    const digest = (await sha256(presented))!;
    let found: ApiKeyIdentity | undefined;
    // No early exit: every digest is compared, whichever matches.
    for (const [i, configured] of digests.entries()) {
      if ((await timingSafeEqual(digest, configured)) && !found) found = this.identities[i];
    }
    return found;
  }
}

export interface ApiKeyAuthOptions {
  readonly keys: ApiKeys;
  /** The scope the routes behind this middleware need. */
  readonly scope: Scope;
  /**
   * Anonymous requests pass (reads on an open deployment). A presented key must still be a valid one,
   * and sets the identity (for per-key rate limits); its scopes are then not checked.
   */
  readonly optional?: boolean;
}

function challenge(error?: string, scope?: Scope): Record<string, string> {
  const parts = [`${PREFIX} realm="${REALM}"`];
  if (error) parts.push(`error="${error}"`);
  if (scope) parts.push(`scope="${scope}"`);
  return { 'www-authenticate': parts.join(', ') };
}

function missingKey(keys: ApiKeys, scope: Scope): never {
  throw problem(
    'unauthorized',
    keys.size === 0
      ? `This deployment has no API keys configured (the API_KEYS secret), so it refuses every request that needs the "${scope}" scope.`
      : `This request needs an API key with the "${scope}" scope: send Authorization: Bearer <key>.`,
    { scope },
    challenge(undefined, scope),
  );
}

function invalidKey(detail: string): never {
  throw problem('invalid-api-key', detail, {}, challenge('invalid_token'));
}

/** Checks `Authorization: Bearer <key>` against the configured keys and the scope the route needs. */
export function apiKeyAuth(options: ApiKeyAuthOptions): MiddlewareHandler {
  const { keys, scope, optional = false } = options;
  return async function apiKeyAuth(c, next) {
    const header = c.req.header('authorization');
    if (header === undefined || header.trim() === '') {
      if (optional) return next();
      missingKey(keys, scope);
    }
    const token = HEADER_PATTERN.exec(header)?.[1];
    if (!token || !TOKEN_PATTERN.test(token)) invalidKey(`The Authorization header is not "${PREFIX} <key>".`);
    const identity = await keys.identify(token);
    if (!identity) invalidKey('The API key is not one this deployment knows.');
    c.set('apiKey', identity);
    if (!optional && !identity.scopes.includes(scope)) {
      throw problem(
        'insufficient-scope',
        `The API key "${identity.name}" has the scopes ${identity.scopes.join(', ')}; this request needs "${scope}".`,
        { scope },
        challenge('insufficient_scope', scope),
      );
    }
    await next();
  };
}
