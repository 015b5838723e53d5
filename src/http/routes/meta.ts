/** @module GET /healthz, GET /v1/models and GET /v1/models/{id}/manifest. */
import type { ModelManifest as Manifest } from '../../core/model/manifest.ts';
import { Health, ModelList, ModelManifest, ModelParams } from '../../contract/models.ts';
import { modelInfo } from '../model-info.ts';
import { routeApp } from '../openapi/app.ts';
import { jsonContent } from '../openapi/media.ts';
import { defineRoute } from '../openapi/route.ts';
import { problem } from '../problem.ts';

const health = defineRoute(
  {
    method: 'get',
    path: '/healthz',
    tags: ['meta'],
    summary: 'The serving model and runtime figures',
    responses: {
      200: {
        description: 'Up; `runtime` holds what the platform can tell (wasmMemoryBytes once the model has run).',
        content: jsonContent(Health),
      },
    },
  },
  [],
);

const listModels = defineRoute(
  {
    method: 'get',
    path: '/v1/models',
    tags: ['models'],
    summary: 'The models this build knows; `serving` marks the one this deployment embeds with',
    responses: { 200: { description: 'The model cards.', content: jsonContent(ModelList) } },
  },
  [],
);

const modelManifest = defineRoute(
  {
    method: 'get',
    path: '/v1/models/{id}/manifest',
    tags: ['models'],
    summary: 'The full manifest of a model: what a browser needs to run it',
    request: { params: ModelParams },
    responses: { 200: { description: 'The manifest (cacheable for 60 s).', content: jsonContent(ModelManifest) } },
  },
  ['model-not-found'],
);

export function metaRoutes(options: {
  serving: Manifest;
  available: readonly Manifest[];
  stats?: (() => Record<string, number>) | undefined;
}) {
  return routeApp()
    .openapi(health, (c) =>
      c.json(
        { status: 'ok' as const, model: { id: options.serving.id, version: options.serving.version }, runtime: options.stats?.() ?? {} },
        200,
      ),
    )
    .openapi(listModels, (c) =>
      c.json(
        options.available.map((manifest) => ({
          ...modelInfo(manifest),
          description: manifest.description,
          macs: manifest.macs,
          serving: manifest.id === options.serving.id,
        })),
        200,
      ),
    )
    .openapi(modelManifest, (c) => {
      const { id } = c.req.valid('param');
      const manifest = options.available.find((m) => m.id === id);
      if (!manifest) {
        throw problem('model-not-found', `This build knows no model "${id.slice(0, 80)}".`, {
          available: options.available.map((m) => m.id),
        });
      }
      c.header('cache-control', 'public, max-age=60');
      return c.json(manifest, 200);
    });
}
