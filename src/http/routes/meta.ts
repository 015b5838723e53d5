/** @module GET /v1/models and GET /healthz. */
import { Hono } from 'hono';
import type { ModelManifest } from '../../core/model/manifest.ts';
import { modelInfo } from '../model-info.ts';

export function modelRoutes(options: { serving: ModelManifest; available: readonly ModelManifest[] }) {
  return new Hono().get('/', function listModels(c) {
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
