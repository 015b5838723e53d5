/**
 * @module Routes declared from the contract: `defineRoute` is `createRoute` plus every problem the route can
 * answer, grouped by status, with the guard's (401, 403, 429) added from the route's access class.
 */
import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import { Problem } from '../../contract/common.ts';
import { PROBLEMS, type ProblemKind } from '../../contract/problems.ts';
import { accessOf, rateLimited } from '../access.ts';
import { problemHeaders } from './headers.ts';
import { PROBLEM_CONTENT_TYPE } from '../problem.ts';

/** What the guard answers before a route that needs a key (reads: a presented key must be valid; required reads need the scope). */
const GUARDED: readonly ProblemKind[] = ['unauthorized', 'invalid-api-key', 'insufficient-scope'];

/** What reading a JSON-only request body can answer. */
export const JSON_BODY_PROBLEMS: readonly ProblemKind[] = ['body-too-large', 'unsupported-media-type', 'empty-body', 'malformed-json'];
/** What reading a request body can answer, in any of its forms (raw, multipart, JSON). */
export const BODY_PROBLEMS: readonly ProblemKind[] = [...JSON_BODY_PROBLEMS, 'malformed-multipart'];
/** What embedding an image can answer. */
export const EMBED_PROBLEMS: readonly ProblemKind[] = [
  'unsupported-image-format',
  'malformed-image',
  'image-too-large',
  'busy',
  'model-unavailable',
];
/** What any store call can answer. */
export const STORE_PROBLEMS: readonly ProblemKind[] = [
  'store-unavailable',
  'store-capacity',
  'store-misconfigured',
  'invalid-field',
  'limit-exceeded',
];

/** The security scheme of API keys (registered on the app). */
export const API_KEY_SCHEME = 'apiKey';

/** Writes need a key; reads may go without one (unless READ_AUTH is "required"); public routes need none. */
function securityOf(method: string, path: string): RouteConfig['security'] {
  const access = accessOf(method, path);
  if (access === 'public') return [];
  return access === 'write' ? [{ [API_KEY_SCHEME]: [] }] : [{}, { [API_KEY_SCHEME]: [] }];
}

/** Every problem `kinds` can give on this route, including the guard's and `internal`. */
export function routeProblems(method: string, path: string, kinds: readonly ProblemKind[]): ProblemKind[] {
  const access = accessOf(method, path);
  const guard = access === 'public' ? [] : [...GUARDED, ...(rateLimited(method, path, access) ? (['too-many-requests'] as const) : [])];
  return [...new Set<ProblemKind>([...guard, ...kinds, 'internal'])];
}

/** The problem responses of a route: one per status, naming its kinds. */
export function problemResponses(kinds: readonly ProblemKind[]): NonNullable<RouteConfig['responses']> {
  const byStatus = new Map<number, ProblemKind[]>();
  for (const kind of kinds) byStatus.set(PROBLEMS[kind].status, [...(byStatus.get(PROBLEMS[kind].status) ?? []), kind]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      status,
      {
        description: list.map((kind) => `\`${kind}\`: ${PROBLEMS[kind].title}`).join('; '),
        ...(problemHeaders(status) && { headers: problemHeaders(status) }),
        content: { [PROBLEM_CONTENT_TYPE]: { schema: Problem } },
      },
    ]),
  );
}

/**
 * `createRoute` with the problem responses added. The typed handler sees only the declared successes (problems
 * are thrown, never returned); the document lists both.
 */
export function defineRoute<P extends string, R extends Omit<RouteConfig, 'path'> & { path: P }>(
  config: R,
  problems: readonly ProblemKind[],
) {
  // A query or a body is checked by its schema: a mismatch is a 422 invalid-field.
  const validated: ProblemKind[] = config.request?.query || config.request?.body ? ['invalid-field'] : [];
  const responses = { ...problemResponses(routeProblems(config.method, config.path, [...problems, ...validated])), ...config.responses };
  return createRoute({ security: securityOf(config.method, config.path), ...config, responses }) as ReturnType<typeof createRoute<P, R>>;
}
