/** @module Moved to src/services/embed-cache.ts; kept until src/worker.ts imports it from there. */
export * from '../services/embed-cache.ts';
