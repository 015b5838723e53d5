/** @module Request limits, checked before any expensive work; the defaults live in src/config/defaults.ts. */
import {
  DEFAULT_IMPORT_MAX_BYTES,
  DEFAULT_IMPORT_MAX_ITEMS,
  DEFAULT_MAX_BATCH,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_PIXELS,
} from '../config/defaults.ts';

export interface Limits {
  /** Largest request body, in bytes (base64 JSON counts as sent). */
  readonly maxBodyBytes: number;
  /** Largest image, in pixels, read from the header before decoding. */
  readonly maxPixels: number;
  /** Most images in one batch request. */
  readonly maxBatch: number;
  /** Largest NDJSON import body, in bytes (streamed, so apart from maxBodyBytes); default DEFAULT_IMPORT_MAX_BYTES. */
  readonly importMaxBytes?: number;
  /** Most items one import request writes; default DEFAULT_IMPORT_MAX_ITEMS. */
  readonly importMaxItems?: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  maxPixels: DEFAULT_MAX_PIXELS,
  maxBatch: DEFAULT_MAX_BATCH,
  importMaxBytes: DEFAULT_IMPORT_MAX_BYTES,
  importMaxItems: DEFAULT_IMPORT_MAX_ITEMS,
};
