/** @module The task API: image bytes in, feature vector out, for whichever session the runtime made. */
import { decodeForModel, toTensor } from './image/index.ts';
import type { OrientationMode, ResampleMode } from './image/types.ts';
import type { ModelManifest } from './model/manifest.ts';
import type { FeatureSession } from './model/session.ts';

export interface EmbedOptions {
  /** Defaults to the model's own resample mode (nearest for Keras models). */
  readonly resample?: ResampleMode;
  /** Defaults to `apply`: the photo as viewers show it. `ignore` is Keras-exact. */
  readonly orientation?: OrientationMode;
}

export interface ExtractorLimits {
  /**
   * Images whose header claims more pixels than this are refused before decoding (formats decoded whole
   * have a lower limit of their own: src/core/image/limits.ts).
   */
  readonly maxPixels: number;
}

export interface FeatureExtractor {
  readonly manifest: ModelManifest;
  embed(image: Uint8Array, options?: EmbedOptions): Promise<Float32Array>;
}

export const DEFAULT_ORIENTATION: OrientationMode = 'apply';

export function createExtractor(session: FeatureSession, limits: ExtractorLimits): FeatureExtractor {
  const { manifest } = session;
  return {
    manifest,
    async embed(image, options = {}) {
      const spec = options.resample ? { ...manifest.preprocess, resample: options.resample } : manifest.preprocess;
      // Decoded straight to the model's size (streaming where the format allows): toTensor does not resize.
      const { rgb } = await decodeForModel(image, {
        maxPixels: limits.maxPixels,
        orientation: options.orientation ?? DEFAULT_ORIENTATION,
        width: spec.width,
        height: spec.height,
        resample: spec.resample,
      });
      return session.run(toTensor(rgb, spec));
    },
  };
}
