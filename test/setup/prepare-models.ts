/** Vitest global setup: the Worker serves model files from public/models, so build them first. */
import { MODELS } from '../../src/models.ts';
import { prepareModel } from '../../tools/prepare-models.ts';

export default async function setup(): Promise<void> {
  for (const manifest of MODELS) await prepareModel(manifest);
}
