/** @module Test helper: the Node runtime's codec modules, as a runtime adapter hands them to the core. */
export { nodeCodecModules } from '../../../src/runtime/node.ts';
