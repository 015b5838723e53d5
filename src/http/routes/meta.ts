/** @module GET /v1/models, GET /v1/models/:id/manifest and GET /healthz. */
import { Hono } from 'hono';
import type { ModelManifest } from '../../core/model/manifest.ts';
import { modelInfo } from '../model-info.ts';
import { problem } from '../problem.ts';

export function modelRoutes(options: { serving: ModelManifest; available: readonly ModelManifest[] }) {
  return new Hono()
    // The full manifest (input, preprocessing, files with sizes and sha256): what a browser needs to run the model.
    .get('/:id/manifest', function modelManifest(c) {
      const manifest = options.available.find((m) => m.id === c.req.param('id'));
      if (!manifest) {
        throw problem(404, {
          kind: 'model-not-found',
          title: 'No such model',
          detail: `This build knows no model "${c.req.param('id').slice(0, 80)}".`,
          available: options.available.map((m) => m.id),
        });
      }
      c.header('cache-control', 'public, max-age=60');
      return c.json(manifest);
    })
    .get('/', function listModels(c) {
      return c.json(
        options.available.map((manifest) => ({
          ...modelInfo(manifest),
          description: manifest.description,
          macs: manifest.macs,
          serving: manifest.id === options.serving.id,
        })),
      );
    });
}

export function healthRoutes(options: { serving: ModelManifest; stats?: (() => Record<string, number>) | undefined }) {
  return new Hono().get('/', function health(c) {
    const model = { id: options.serving.id, version: options.serving.version };
    return c.json({ status: 'ok', model, runtime: options.stats?.() ?? {} });
  });
}
