/** Vitest global setup: hands the fixture photos to tests that run inside workerd (no fs there). */
import { readdirSync, readFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { FIXTURES_DIR, fixtureImage } from './fixtures.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Fixture photo name -> file bytes, base64 (AVIF / HEIC fixtures as `heif/<name>`). */
    fixtures: Record<string, string>;
    /** test/fixtures/jpeg-layouts: file name -> bytes, base64 (manifest.json as base64 too). */
    jpegLayouts: Record<string, string>;
  }
}

export default function setup(project: TestProject): void {
  const fixtures: Record<string, string> = {};
  for (const name of readdirSync(`${FIXTURES_DIR}images`)) {
    fixtures[name] = Buffer.from(fixtureImage(name)).toString('base64');
  }
  const heif = new URL('../fixtures/heif/', import.meta.url);
  for (const name of readdirSync(heif).filter((n) => /\.(avif|heic)$/.test(n))) {
    fixtures[`heif/${name}`] = readFileSync(new URL(name, heif)).toString('base64');
  }
  project.provide('fixtures', fixtures);
  const jpegLayouts: Record<string, string> = {};
  const layoutDir = new URL('../fixtures/jpeg-layouts/', import.meta.url);
  for (const name of readdirSync(layoutDir)) {
    if (name.endsWith('.jpg') || name === 'manifest.json') jpegLayouts[name] = readFileSync(new URL(name, layoutDir)).toString('base64');
  }
  project.provide('jpegLayouts', jpegLayouts);
}
