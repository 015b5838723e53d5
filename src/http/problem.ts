/**
 * @module Every failure leaves the API as RFC 9457 `application/problem+json`.
 *
 * Handlers throw `problem(...)` wherever they find the fault; `app.onError` turns it (and any
 * known core error) into the response, so no route formats errors itself.
 */
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemDetails {
  /** A stable, machine-readable kind, e.g. `unsupported-media-type`; `type` is derived from it. */
  readonly kind: string;
  readonly title: string;
  readonly detail: string;
  /** Extra members, e.g. `accepted` (what the endpoint takes) or `limit`. */
  readonly [member: string]: unknown;
}

export function problemResponse(status: ContentfulStatusCode, details: ProblemDetails, headers?: HeadersInit): Response {
  const { kind, ...rest } = details;
  const body = { type: `https://edge-features.dev/problems/${kind}`, status, ...rest };
  const response = new Response(JSON.stringify(body), { status, headers });
  response.headers.set('content-type', PROBLEM_CONTENT_TYPE);
  return response;
}

/** An exception that carries its problem response. */
export function problem(status: ContentfulStatusCode, details: ProblemDetails, headers?: HeadersInit): HTTPException {
  return new HTTPException(status, { res: problemResponse(status, details, headers), message: details.detail });
}
