/**
 * @module The models this build knows (models/index.json, written by the model builder) and which one
 * serves: `MODEL_ID` in wrangler.toml, or `auto` — the real VGG16 when it has been built here, else the
 * MobileNetV2 with real weights that builds offline.
 */
import { parseManifest, type ModelManifest } from './core/model/manifest.ts';
import registry from '../models/index.json' with { type: 'json' };

export const MODELS: readonly ModelManifest[] = (registry as unknown[]).map((entry, i) => parseManifest(entry, `models/index.json[${i}]`));

/** What `MODEL_ID = "auto"` serves: the first of these this build knows. */
export const AUTO_PREFERENCE = ['vgg16-imagenet-int8', 'vgg16-imagenet', 'mobilenet-v2-1.4-nsfwjs'] as const;

export function findModel(id: string): ModelManifest | undefined {
  return MODELS.find((model) => model.id === id);
}

export interface ModelChoice {
  readonly model: ModelManifest;
  /** Why this one: said at start-up. */
  readonly reason: string;
}

/** Resolves `MODEL_ID` (an id, or `auto`/empty); throws with the known ids when it names no model. */
export function chooseModel(requested: string | undefined): ModelChoice {
  if (!requested || requested === 'auto') {
    for (const id of AUTO_PREFERENCE) {
      const model = findModel(id);
      if (model) {
        const reason =
          id === 'mobilenet-v2-1.4-nsfwjs'
            ? 'MODEL_ID=auto and no VGG16 ImageNet weights were built (npm run model:fetch && npm run model:build)'
            : 'MODEL_ID=auto and the VGG16 ImageNet weights were built';
        return { model, reason };
      }
    }
    throw new Error(`MODEL_ID=auto found none of ${AUTO_PREFERENCE.join(', ')} in models/index.json`);
  }
  const model = findModel(requested);
  if (!model) throw new Error(`MODEL_ID "${requested}" is not one of: ${MODELS.map((m) => m.id).join(', ')}`);
  return { model, reason: `MODEL_ID=${requested}` };
}
