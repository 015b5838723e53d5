/**
 * @module Originals: each image an item is embedded from, kept in the ORIGINALS bucket by content
 * (`originals/<sha256>`), so a re-index can embed it again with another model. Who uses an original is
 * counted by reference objects, one per item (`refs/<sha256>/<model>/<namespace>/<id>`, empty): deleting
 * an item deletes its reference, and the original goes when a list of `refs/<sha256>/` finds no other.
 * R2 lists are strongly consistent, so a reference written before is always seen; an item stored while
 * another is deleted can, in a narrow race, lose the original (the item keeps its vector; a re-index then
 * records it failed with `original-not-found`).
 */
import type { StoreModel } from '../../store/types.ts';
import { originalKey, type OriginalsBucket } from './types.ts';

export interface ItemRef {
  readonly namespace: string;
  readonly id: string;
}

export interface OriginalsKeeper {
  /** Keeps the image (once per content) and records that the item uses it. */
  keep(image: Uint8Array, contentHash: string, ref: ItemRef): Promise<void>;
  /** The item no longer uses the original: its reference goes, and the original when no other item has one. */
  release(contentHash: string, ref: ItemRef): Promise<void>;
}

const refPrefix = (contentHash: string) => `refs/${contentHash}/`;
const refKey = (contentHash: string, model: StoreModel, ref: ItemRef) =>
  `${refPrefix(contentHash)}${model.id}@${encodeURIComponent(model.version)}/${ref.namespace}/${ref.id}`;

export function originalsKeeper(bucket: OriginalsBucket, model: StoreModel): OriginalsKeeper {
  return {
    async keep(image, contentHash, ref) {
      const key = originalKey(contentHash);
      await bucket.put(refKey(contentHash, model, ref), new Uint8Array());
      if (!(await bucket.head(key))) await bucket.put(key, image);
    },
    async release(contentHash, ref) {
      await bucket.delete(refKey(contentHash, model, ref));
      const others = await bucket.list({ prefix: refPrefix(contentHash), limit: 1 });
      if (others.objects.length === 0) await bucket.delete(originalKey(contentHash));
    },
  };
}
