/**
 * The scratch app that test/package/pack.test.ts installs the packed tarball into: a strict TypeScript file
 * importing both entries (type-checked, never run) and a plain ES module that runs them against the Worker.
 * Kept as text so the repository's own type check does not try to resolve `edge-features/*` itself.
 */

export const PACKAGE_JSON = JSON.stringify({ name: 'scratch-app', private: true, type: 'module' });

/** A frontend's settings, as strict as they come; `skipLibCheck: false` checks the package's .d.ts too. */
export function tsconfig(resolution: 'Bundler' | 'NodeNext'): string {
  return JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: resolution === 'Bundler' ? 'ESNext' : 'NodeNext',
      moduleResolution: resolution,
      lib: ['ES2023', 'DOM', 'DOM.Iterable'],
      types: [],
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: false,
      noEmit: true,
    },
    files: ['app.ts'],
  });
}

/** The `@ts-expect-error` lines fail the check if the entries' types were `any` or missing. */
export const APP_TS = `
import { createClient, EdgeFeaturesError, type EmbedResult, type SearchResult } from 'edge-features/client';
import { createBrowserExtractor, cosine, type BrowserExtractor } from 'edge-features/browser';

export async function nearest(baseUrl: string, photo: Blob): Promise<{ score: number; results: SearchResult['results'] }> {
  const client = createClient({ baseUrl, headers: { authorization: 'Bearer key' } });
  const extractor: BrowserExtractor = await createBrowserExtractor({ baseUrl, backend: 'auto' });
  const vector: Float32Array = await extractor.embed(photo);
  const served: EmbedResult = await client.embed(photo, { resize: 'bilinear' });
  const found = await client.search({ vector, model: extractor.model }, { k: 3, metric: 'cosine' });
  // @ts-expect-error a vector's model is required
  await client.search({ vector });
  // @ts-expect-error baseUrl is a string
  const wrong: number = client.baseUrl;
  try {
    await client.getItem('missing');
  } catch (error) {
    if (error instanceof EdgeFeaturesError) console.log(error.kind, error.status, error.problemKind, wrong);
  }
  return { score: cosine(vector, served.vector), results: found.results };
}
`;

/**
 * Run with node: `node run.mjs <worker url> <image file> <api key>`. Prints one JSON line: what the typed
 * client and the browser library (WASM, no Cache API in Node) answered for the image.
 */
export const RUN_MJS = `
import { readFile } from 'node:fs/promises';
import * as clientEntry from 'edge-features/client';
import * as browserEntry from 'edge-features/browser';

const [baseUrl, imagePath, apiKey] = process.argv.slice(2);
const image = new Uint8Array(await readFile(imagePath));
const client = clientEntry.createClient({ baseUrl, headers: { authorization: 'Bearer ' + apiKey } });

const embedded = await client.embed(new Blob([image], { type: 'image/png' }));
const stored = await client.putItem('packed-photo', { vector: embedded.vector, model: embedded.model });
const found = await client.search({ image }, { k: 1 });
let failure;
try {
  await client.embed(new TextEncoder().encode('not an image'));
} catch (error) {
  failure = { sameClass: error instanceof browserEntry.EdgeFeaturesError, kind: error.kind, status: error.status, problemKind: error.problemKind };
}

const extractor = await browserEntry.createBrowserExtractor({ baseUrl, cache: false, backend: 'wasm' });
const local = await extractor.embed(image);
await extractor.release();

console.log(JSON.stringify({
  embedded: { model: embedded.model.id, dims: embedded.dims, vector: Array.from(embedded.vector) },
  stored,
  found: found.results.map(({ id, score }) => ({ id, score })),
  failure,
  browser: { backend: extractor.backend, model: extractor.model.id, vector: Array.from(local) },
}));
`;
