/**
 * @module Every failure leaves the API as RFC 9457 `application/problem+json`, its kind taken from the one
 * catalogue (src/contract/problems.ts) that gives its status and title.
 *
 * Handlers throw `problem(kind, detail)` wherever they find the fault; services throw a ProblemError;
 * `app.onError` turns either (and any known core error) into the response, so no route formats errors itself.
 */
import { HTTPException } from 'hono/http-exception';
import { PROBLEMS, problemType, type ProblemKind } from '../contract/problems.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The problem document of `kind`; `extra` adds members, e.g. `accepted` (what the endpoint takes) or `limit`. */
export function problemResponse(kind: ProblemKind, detail: string, extra: Record<string, unknown> = {}, headers?: HeadersInit): Response {
  const { status, title } = PROBLEMS[kind];
  const body = { type: problemType(kind), status, title, detail, ...extra };
  const response = new Response(JSON.stringify(body), { status, headers });
  response.headers.set('content-type', PROBLEM_CONTENT_TYPE);
  return response;
}

/** An exception that carries its problem response. */
export function problem(kind: ProblemKind, detail: string, extra: Record<string, unknown> = {}, headers?: HeadersInit): HTTPException {
  return new HTTPException(PROBLEMS[kind].status, { res: problemResponse(kind, detail, extra, headers), message: detail });
}
