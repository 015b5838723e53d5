/** Node-side access to ../shared/fixtures (tests may read them; the product never does). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));

export function fixtureImage(name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${FIXTURES_DIR}images/${name}`));
}

/** The 224x224x3 uint8 RGB array Keras `load_img(target_size=(224, 224))` makes for an image. */
export function kerasReference(name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${FIXTURES_DIR}keras224/${name}.rgb`));
}
