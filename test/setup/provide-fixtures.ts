/** Vitest global setup: hands the fixture photos to tests that run inside workerd (no fs there). */
import { readdirSync, readFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { FIXTURES_DIR, fixtureImage } from './fixtures.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * File name -> bytes, base64: the shared photos by name, this repository's fixture folders as
     * `<folder>/<name>` (`heif/…`, `jpeg-layouts/…` with its manifest.json, `png/…`).
     */
    fixtures: Record<string, string>;
  }
}

/** test/fixtures folders workerd tests read, and which of their files. */
const PROJECT_FIXTURES: Readonly<Record<string, RegExp>> = {
  heif: /\.(avif|heic)$/,
  'jpeg-layouts': /\.jpg$|^manifest\.json$/,
  png: /\.png$/,
};

export default function setup(project: TestProject): void {
  const fixtures: Record<string, string> = {};
  for (const name of readdirSync(`${FIXTURES_DIR}images`)) {
    fixtures[name] = Buffer.from(fixtureImage(name)).toString('base64');
  }
  for (const [folder, wanted] of Object.entries(PROJECT_FIXTURES)) {
    const dir = new URL(`../fixtures/${folder}/`, import.meta.url);
    for (const name of readdirSync(dir).filter((n) => wanted.test(n))) {
      fixtures[`${folder}/${name}`] = readFileSync(new URL(name, dir)).toString('base64');
    }
  }
  project.provide('fixtures', fixtures);
}
