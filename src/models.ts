/** @module The models this build knows; which one serves is chosen in wrangler.toml (`MODEL_ID`). */
import { parseManifest, type ModelManifest } from './core/model/manifest.ts';
import vgg16Narrow from '../models/vgg16-narrow-synthetic.json' with { type: 'json' };
import vgg16 from '../models/vgg16-synthetic.json' with { type: 'json' };

export const MODELS: readonly ModelManifest[] = [
  parseManifest(vgg16, 'models/vgg16-synthetic.json'),
  parseManifest(vgg16Narrow, 'models/vgg16-narrow-synthetic.json'),
];

export const DEFAULT_MODEL_ID = 'vgg16-synthetic';

export function findModel(id: string): ModelManifest | undefined {
  return MODELS.find((model) => model.id === id);
}
