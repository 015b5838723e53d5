/**
 * @module What a request that does not match its schema gets: `422` problem+json naming each bad field by its
 * path (`items.0.id: ...`). Path parameters are item ids: their kind is `invalid-id`.
 */
import type { Context } from 'hono';
import { problemResponse } from '../problem.ts';

interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code?: string;
  /** Of an `invalid_union`: the issues of each alternative. */
  readonly errors?: readonly (readonly Issue[])[];
}

type Target = 'json' | 'form' | 'query' | 'param' | 'header' | 'cookie';

/** Members a problem about a field carries besides the detail, e.g. the filter operators. */
const FIELD_HINTS: Record<string, Record<string, unknown>> = {
  filter: { operators: ['$eq', '$ne', '$in', '$nin', '$lt', '$lte', '$gt', '$gte'] },
};

/**
 * The issues to report. Of a union, the alternative that came closest (fewest issues: `{"vector", "model"}`
 * with a bad filter is about the filter, not about a missing image); on a tie the union's own message.
 */
function flatten(issue: Issue, prefix: readonly PropertyKey[]): Array<{ path: PropertyKey[]; message: string }> {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors?.length) {
    const fewest = Math.min(...issue.errors.map((branch) => branch.length));
    const closest = issue.errors.filter((branch) => branch.length === fewest);
    if (closest.length === 1 && fewest > 0) return closest[0]!.flatMap((inner) => flatten(inner, path));
  }
  return [{ path, message: issue.message }];
}

/** The 422 problem for the issues of a failed schema: every bad field with its path. */
export function invalidRequest(target: Target, issues: readonly Issue[]): Response {
  const flat = issues.flatMap((issue) => flatten(issue, []));
  const where = target === 'json' || target === 'form' ? 'body' : target;
  const named = flat.map(({ path, message }) => ({ field: path.map(String).join('.') || where, message }));
  const detail = named.map(({ field, message }) => `${field}: ${message}`).join('; ');
  const field = named[0]?.field ?? where;
  if (target === 'param') return problemResponse('invalid-id', detail, { field, rule: flat[0]?.message });
  return problemResponse('invalid-field', detail, { field, ...FIELD_HINTS[String(flat[0]?.path[0])] });
}

/** The OpenAPIHono default hook: every route's params, query and body are checked by their schemas here. */
export function validationHook(
  result: { target: string } & ({ success: true } | { success: false; error: { issues: readonly Issue[] } }),
  _c: Context,
): Response | undefined {
  return result.success ? undefined : invalidRequest(result.target as Target, result.error.issues);
}
