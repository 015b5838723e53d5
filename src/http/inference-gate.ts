/** @module Moved to src/services/inference-gate.ts; kept until src/worker.ts imports it from there. */
export * from '../services/inference-gate.ts';
