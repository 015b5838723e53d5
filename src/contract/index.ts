/**
 * @module The API contract: the schema of every request and response body, parameter and problem.
 * The routes are declared from these, /openapi.json is generated from them, and the typed client
 * takes its types (`z.infer`) and its response checks from them. Zod only.
 */
export * from './common.ts';
export * from './compare.ts';
export * from './embed.ts';
export * from './items.ts';
export * from './models.ts';
export * from './problems.ts';
export * from './search.ts';
export * from './thumbnails.ts';
export * from './analytics-classify.ts';
export * from './analytics-clusterings.ts';
export * from './analytics-common.ts';
export * from './analytics-duplicates.ts';
export * from './analytics-recommend.ts';
export * from './transfer.ts';
export * from './jobs.ts';
