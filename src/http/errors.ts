/** @module The one place where failures become HTTP responses. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ACCEPTED_IMAGE_FORMATS } from '../contract/common.ts';
import { IMAGE_ERROR_PROBLEMS, ProblemError, type ProblemKind } from '../contract/problems.ts';
import { ImageError } from '../core/image/types.ts';
import { ModelLoadError } from '../core/model/load.ts';
import { StoreError, type StoreErrorCode } from '../store/types.ts';
import { problemResponse } from './problem.ts';

const STORE_ERRORS: Record<StoreErrorCode, ProblemKind> = {
  invalid: 'invalid-field',
  limit: 'limit-exceeded',
  unsupported: 'not-supported',
  'rate-limited': 'rate-limited',
  capacity: 'store-capacity',
  misconfigured: 'store-misconfigured',
};

function storeProblem(error: StoreError): Response {
  const kind = STORE_ERRORS[error.code];
  if (kind === 'store-misconfigured') console.error(`store ${error.code}: ${error.message}`);
  const headers = error.code === 'rate-limited' ? { 'retry-after': '1' } : undefined;
  return problemResponse(kind, error.message, error.limit !== undefined ? { limit: error.limit } : {}, headers);
}

/** The response for a failure below the routes (services, stores, the core), or undefined for an unknown fault. */
export function knownProblem(error: unknown): Response | undefined {
  if (error instanceof ProblemError) return problemResponse(error.kind, error.message, error.extra, error.headers);
  if (error instanceof ImageError)
    return problemResponse(IMAGE_ERROR_PROBLEMS[error.code], error.message, { accepted: ACCEPTED_IMAGE_FORMATS });
  if (error instanceof StoreError) return storeProblem(error);
  if (error instanceof ModelLoadError) {
    console.error(`model unavailable: ${error.message}`);
    return problemResponse('model-unavailable', error.message, {}, { 'retry-after': '30' });
  }
  return undefined;
}

export function handleError(error: Error, c: Context): Response {
  if (error instanceof HTTPException) return error.getResponse();
  const known = knownProblem(error);
  if (known) return known;
  // Unknown faults: log the stack here, never send it.
  console.error(`${c.req.method} ${new URL(c.req.url).pathname} failed:`, error);
  return problemResponse('internal', 'The server failed to handle this request. It has been logged.');
}

export function notFound(c: Context): Response {
  return problemResponse('not-found', `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`);
}
