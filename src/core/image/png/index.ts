/** @module The PNG decoder's public surface: a streaming row source, the interlace check, and buffer stats. */

export { isInterlacedPng, PNG_MAX_DIMENSION, readPngHeader, type PngHeader } from './chunks.ts';
export { MAX_SLICE_BYTES, MIN_SLICE_BYTES, TARGET_OUTPUT_BYTES, type InflateStats } from './inflate.ts';
export { openPngRows, pngRowStats, type PngRowStats } from './open.ts';
