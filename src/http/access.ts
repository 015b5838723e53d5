/**
 * @module What a request needs: `public` (health, models, the OpenAPI document, static files), `read` or
 * `write`. Everything under /v1 that is not listed as public or a read is a write, so a new route is
 * protected until it is classified. The guard enforces it and the OpenAPI document states it per route.
 */

export type Access = 'public' | 'read' | 'write';

const READ_METHODS = new Set(['GET', 'HEAD']);
/** POST routes that compute without storing anything. */
const READ_POSTS = new Set(['/v1/embed', '/v1/search', '/v1/compare', '/v1/classify', '/v1/recommend', '/v1/duplicates/check']);
/** POST routes under a stored resource that apply it without changing it (predict, assign). */
const READ_POST_PATTERNS = [/^\/v1\/classifiers\/[^/]+\/predict$/, /^\/v1\/clusterings\/[^/]+\/assign$/];
/** Public whatever the method: outside /v1 nothing needs a key (health, /openapi.json, static files). */
const API_ROOT = '/v1';

function under(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

export function accessOf(method: string, path: string): Access {
  const verb = method.toUpperCase();
  // OPTIONS reaches no route: CORS answers preflights before this, anything else is a 404.
  if (!under(path, API_ROOT) || verb === 'OPTIONS') return 'public';
  if (under(path, '/v1/models') && READ_METHODS.has(verb)) return 'public';
  if (READ_METHODS.has(verb)) return 'read';
  if (verb === 'POST' && (READ_POSTS.has(path) || READ_POST_PATTERNS.some((pattern) => pattern.test(path)))) return 'read';
  return 'write';
}

/** Thumbnail reads are plain image loads (the demo's <img> tags): counted by no rate limit. */
export function rateLimited(method: string, path: string, access: Access = accessOf(method, path)): boolean {
  return access !== 'public' && !(READ_METHODS.has(method.toUpperCase()) && under(path, '/v1/thumbnails'));
}
