/** @module Request limits, checked before any expensive work. */

export interface Limits {
  /** Largest request body, in bytes (base64 JSON counts as sent). */
  readonly maxBodyBytes: number;
  /** Largest image, in pixels, read from the header before decoding. */
  readonly maxPixels: number;
  /** Most images in one batch request. */
  readonly maxBatch: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 16 * 1024 * 1024,
  // A JPEG decode holds ~11 bytes per pixel at its peak (codec wasm memory, RGBA, RGB); with int8 VGG16
  // (~57 MiB: ORT wasm, compiled code, JS heap) 6 MP keeps one isolate under its 128 MB
  // (`npm run bench`: a 7.8 MP JPEG was estimated at ~142 MiB). The inference gate decodes one at a time.
  maxPixels: 6_000_000,
  maxBatch: 8,
};
