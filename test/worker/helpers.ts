/** Helpers for tests that run inside workerd and reach the Worker through its default export. */
import { exports } from 'cloudflare:workers';
import { expect, inject } from 'vitest';
import { decodeBase64 } from '../../src/core/util/base64.ts';
import { withWriteKey } from '../support/auth.ts';

export { TEST_READ_KEY, TEST_WRITE_KEY, bearer } from '../support/auth.ts';

export const BASE = 'https://edge-features.test';

export function fixture(name: string): Uint8Array<ArrayBuffer> {
  const base64 = inject('fixtures')[name];
  if (base64 === undefined) throw new Error(`no fixture ${name}`);
  return decodeBase64(base64);
}

export { encodeBase64 as toBase64 } from '../../src/core/util/base64.ts';

/**
 * A request to the Worker that carries the workerd project's write key (vitest.config.ts binds API_KEYS),
 * unless `init` sets its own Authorization header.
 */
export function request(path: string, init?: RequestInit): Request {
  return new Request(`${BASE}${path}`, withWriteKey(init));
}

/** Calls the Worker with the write key (see {@link request}). */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(request(path, init));
}

/** The ids of a namespace's items (at most 1,000), sorted. */
export async function itemIds(namespace: string): Promise<string[]> {
  const response = await call(`/v1/items?namespace=${namespace}&limit=1000`);
  if (response.status !== 200) throw new Error(`listing ${namespace}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { items: { id: string }[] }).items.map((item) => item.id).sort();
}

/** Calls the Worker without any Authorization header. */
export function anonymous(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

export function postImage(bytes: Uint8Array<ArrayBuffer>, type: string, query = ''): Promise<Response> {
  return call(`/v1/embed${query}`, { method: 'POST', body: bytes, headers: { 'content-type': type } });
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [member: string]: unknown;
}

/** Asserts a problem+json answer with the given status and returns its body. */
export async function expectProblem(response: Response, status: number): Promise<Problem> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = (await response.json()) as Problem;
  expect(body.status).toBe(status);
  expect(body.title.length).toBeGreaterThan(0);
  expect(body.detail.length).toBeGreaterThan(0);
  expect(body.type).toMatch(/^https:\/\/edge-features\.dev\/problems\/[a-z-]+$/);
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack traces
  return body;
}

export interface EmbedAnswer {
  model: { id: string; version: string; dims: number; quantization: string; sha256: string };
  dims: number;
  vector?: number[];
  vectors?: number[][];
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
