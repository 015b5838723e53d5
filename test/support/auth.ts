/**
 * API keys for tests. The workerd project binds API_KEYS to TEST_API_KEYS (vitest.config.ts); tests over
 * createApp build the same keys with `testAuth()`.
 */
import { ApiKeys } from '../../src/http/middleware/api-key-auth/index.ts';

export const TEST_WRITE_KEY = 'test-writer-key-0123456789abcdef';
export const TEST_READ_KEY = 'test-reader-key-0123456789abcdef';
export const TEST_API_KEYS = `writer:read+write:${TEST_WRITE_KEY},reader:read:${TEST_READ_KEY}`;

/** `Authorization: Bearer <key>`. */
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** The app option for the test keys (reads open unless asked). */
export function testAuth(readAuth: 'open' | 'required' = 'open') {
  return { keys: ApiKeys.parse(TEST_API_KEYS), readAuth };
}

/** `init` with the write key added, unless it sets its own Authorization header. */
export function withWriteKey(init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization')) headers.set('authorization', `Bearer ${TEST_WRITE_KEY}`);
  return { ...init, headers };
}

/** An app's `request` that sends the write key by default (for tests over createApp). */
export function keyed<A extends { request(input: string, init?: RequestInit): Response | Promise<Response> }>(app: A) {
  return { request: async (path: string, init?: RequestInit) => app.request(path, withWriteKey(init)), app };
}
