/** @module The Hono app every route file builds on: OpenAPIHono with the contract's validation answer. */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { BlankEnv } from 'hono/types';
import { validationHook } from '../request/validation.ts';

export function routeApp(): OpenAPIHono<BlankEnv> {
  return new OpenAPIHono<BlankEnv>({ defaultHook: validationHook });
}
