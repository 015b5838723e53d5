/** @module The thumbnail store over an R2 bucket (strongly consistent; no size concerns at these sizes). */
import type { ThumbnailStore } from './types.ts';

/** The part of an R2 bucket binding this adapter uses. */
export interface R2Like {
  get(
    key: string,
  ): Promise<{ arrayBuffer(): Promise<ArrayBuffer>; readonly httpEtag: string; readonly httpMetadata?: { contentType?: string } } | null>;
  put(key: string, value: Uint8Array, options: { httpMetadata: { contentType: string } }): Promise<unknown>;
  delete(key: string): Promise<void>;
}

export function r2Thumbnails(bucket: R2Like): ThumbnailStore {
  return {
    async get(key) {
      const object = await bucket.get(key);
      if (!object) return null;
      return {
        bytes: new Uint8Array(await object.arrayBuffer()),
        contentType: object.httpMetadata?.contentType ?? 'application/octet-stream',
        etag: object.httpEtag,
      };
    },
    async put(key, bytes, contentType) {
      await bucket.put(key, bytes, { httpMetadata: { contentType } });
    },
    delete: (key) => bucket.delete(key),
  };
}
