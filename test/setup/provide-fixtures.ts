/** Vitest global setup: hands the fixture photos to tests that run inside workerd (no fs there). */
import { readdirSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { FIXTURES_DIR, fixtureImage } from './fixtures.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Fixture photo name -> file bytes, base64. */
    fixtures: Record<string, string>;
  }
}

export default function setup(project: TestProject): void {
  const fixtures: Record<string, string> = {};
  for (const name of readdirSync(`${FIXTURES_DIR}images`)) {
    fixtures[name] = Buffer.from(fixtureImage(name)).toString('base64');
  }
  project.provide('fixtures', fixtures);
}
