/**
 * The item, search and compare endpoints with the Vectorize store: the Worker's own buildApp over
 * the Vectorize binding contract fake (no local Vectorize exists), selected the way production
 * selects it (VECTOR_STORE = "vectorize", VECTORIZE binding, VECTORIZE_METRIC).
 */
import { env } from 'cloudflare:workers';
import { buildApp, type Env } from '../../src/worker.ts';
import { FakeVectorize } from '../support/vectorize-fake.ts';
import { request } from './helpers.ts';
import { DIMS, itemsSuite } from './items-suite.ts';

const index = new FakeVectorize({ dimensions: DIMS, metric: 'cosine' });
const app = buildApp({
  ...(env as unknown as Env),
  VECTOR_STORE: 'vectorize',
  VECTORIZE_METRIC: 'cosine',
  VECTORIZE: index as unknown as Vectorize,
});

itemsSuite({
  kind: 'vectorize',
  fetch: async (path, init) => app.fetch(request(path, init), env),
  settle: async () => void index.flush(),
  maxTopK: 20,
});
