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
  // 12.5 MP admits a 4032x3024 phone photo; a decode holds ~7 bytes per pixel at its peak.
  maxPixels: 12_500_000,
  maxBatch: 8,
};
