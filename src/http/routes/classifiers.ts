/**
 * @module /v1/classifiers: train a logistic-regression or nearest-centroid classifier on the labelled items of
 * a namespace (stored, with its cross-validated accuracy), list, read and delete them, and predict with one.
 */
import {
  ClassifierList,
  ClassifierSummary,
  CreateClassifierJson,
  PredictForm,
  PredictJson,
  PredictResponse,
} from '../../contract/analytics-classify.ts';
import { ResourceParams } from '../../contract/analytics-common.ts';
import { EmbedOptionsQuery } from '../../contract/common.ts';
import { NamespaceQuery } from '../../contract/items.ts';
import {
  deleteClassifier,
  getClassifier,
  listClassifiers,
  predictWith,
  summaryOf,
  trainClassifier,
} from '../../services/analytics/index.ts';
import { routeApp } from '../openapi/app.ts';
import { embedHeaders } from '../openapi/headers.ts';
import { formContent, JSON_TYPE, jsonContent, rawImageContent } from '../openapi/media.ts';
import { JSON_BODY_PROBLEMS, STORE_PROBLEMS, defineRoute } from '../openapi/route.ts';
import { parsedBody, readBody } from '../request/body.ts';
import { cacheHeader, embedRequest } from '../request/embedding.ts';
import { readProbe } from '../request/probe.ts';
import { requireResources, type AppServices } from '../services.ts';
import { LOAD_PROBLEMS, PROBE_PROBLEMS, PROBE_TYPES } from './analytics-shared.ts';

const READ = ['invalid-id', 'classifier-not-found', 'resource-model-mismatch', 'not-supported', ...STORE_PROBLEMS] as const;

export function classifierRoutes(services: AppServices) {
  const create = defineRoute(
    {
      method: 'post',
      path: '/v1/classifiers',
      tags: ['analytics'],
      summary: 'Train a classifier on the labelled items of a namespace, and store it',
      description:
        'Logistic regression (multinomial, L2, balanced class weights) or nearest centroid, on every item with the label field; the answer reports the items per class and the stratified k-fold accuracy. Needs the write scope.',
      middleware: readBody({ maxBytes: services.limits.maxBodyBytes, accepted: [JSON_TYPE] }),
      request: { query: NamespaceQuery, body: { content: jsonContent(CreateClassifierJson) } },
      responses: { 201: { description: 'Trained and stored.', content: jsonContent(ClassifierSummary) } },
    },
    [...JSON_BODY_PROBLEMS, ...LOAD_PROBLEMS, 'label-not-found', 'too-few-labelled', 'rate-limited'],
  );
  const list = defineRoute(
    {
      method: 'get',
      path: '/v1/classifiers',
      tags: ['analytics'],
      summary: "The namespace's classifiers (of this model)",
      request: { query: NamespaceQuery },
      responses: { 200: { description: 'Sorted by id.', content: jsonContent(ClassifierList) } },
    },
    ['not-supported', ...STORE_PROBLEMS],
  );
  const get = defineRoute(
    {
      method: 'get',
      path: '/v1/classifiers/{id}',
      tags: ['analytics'],
      summary: 'A classifier: its classes, training size and cross-validated accuracy',
      request: { params: ResourceParams, query: NamespaceQuery },
      responses: { 200: { description: 'The classifier.', content: jsonContent(ClassifierSummary) } },
    },
    READ,
  );
  const remove = defineRoute(
    {
      method: 'delete',
      path: '/v1/classifiers/{id}',
      tags: ['analytics'],
      summary: 'Delete a classifier (204 whether or not it existed)',
      request: { params: ResourceParams, query: NamespaceQuery },
      responses: { 204: { description: 'Gone.' } },
    },
    ['invalid-id', 'not-supported', ...STORE_PROBLEMS],
  );
  const predict = defineRoute(
    {
      method: 'post',
      path: '/v1/classifiers/{id}/predict',
      tags: ['analytics'],
      summary: 'Predict the label of an image, a vector or a stored item, with probabilities',
      description: 'Refused (409) for a classifier trained on the vectors of another model.',
      middleware: readBody({ maxBytes: services.limits.maxBodyBytes, accepted: PROBE_TYPES }),
      request: {
        params: ResourceParams,
        query: EmbedOptionsQuery.extend(NamespaceQuery.shape),
        body: { content: { ...rawImageContent, ...formContent(PredictForm), ...jsonContent(PredictJson) } },
      },
      responses: { 200: { description: 'Most probable first.', headers: embedHeaders, content: jsonContent(PredictResponse) } },
    },
    [...PROBE_PROBLEMS, ...READ],
  );

  return routeApp()
    .openapi(create, async (c) => {
      const { namespace } = c.req.valid('query');
      const body = parsedBody(c, 'json', CreateClassifierJson);
      const stored = await trainClassifier(requireResources(services), { namespace, ...body });
      return c.json(summaryOf(stored), 201);
    })
    .openapi(list, async (c) => {
      const { namespace } = c.req.valid('query');
      return c.json({ classifiers: await listClassifiers(requireResources(services), namespace), namespace }, 200);
    })
    .openapi(get, async (c) => {
      const { id } = c.req.valid('param');
      const { namespace } = c.req.valid('query');
      return c.json(summaryOf(await getClassifier(requireResources(services), namespace, id)), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      const { namespace } = c.req.valid('query');
      await deleteClassifier(requireResources(services), namespace, id);
      return c.body(null, 204);
    })
    .openapi(predict, async (c) => {
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      const { probe } = await readProbe(c, PredictForm, PredictJson);
      const predicted = await predictWith(requireResources(services), query.namespace, id, probe, embedRequest(c, query));
      cacheHeader(c, predicted.cache);
      const { classifier } = predicted;
      return c.json(
        {
          label: predicted.label,
          probabilities: predicted.probabilities,
          classifier: { id: classifier.id, version: classifier.version, method: classifier.method },
          model: { id: classifier.model.id, version: classifier.model.version },
        },
        200,
      );
    });
}
