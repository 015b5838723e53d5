/** @module What the analytics routes share: the problems of reading a probe and of loading a namespace. */
import type { ProblemKind } from '../../contract/problems.ts';
import { BODY_PROBLEMS, EMBED_PROBLEMS, STORE_PROBLEMS } from '../openapi/route.ts';
import { JSON_TYPE, MULTIPART, rawImageContent } from '../openapi/media.ts';

/** The media types of a probe body: a raw image, multipart or JSON. */
export const PROBE_TYPES = [...Object.keys(rawImageContent), MULTIPART, JSON_TYPE];

/** Reading a probe: the body in any form, an embed, a vector of another model, an unknown item. */
export const PROBE_PROBLEMS: readonly ProblemKind[] = [
  ...BODY_PROBLEMS,
  ...EMBED_PROBLEMS,
  'model-mismatch',
  'dims-mismatch',
  'item-not-found',
  ...STORE_PROBLEMS,
];

/** Loading a whole namespace: over ANALYTICS_MAX_ITEMS, or a store that cannot scan. */
export const LOAD_PROBLEMS: readonly ProblemKind[] = ['namespace-too-large', 'not-supported', ...STORE_PROBLEMS];
