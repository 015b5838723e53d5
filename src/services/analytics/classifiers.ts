/**
 * @module Trained classifiers: multinomial logistic regression or nearest centroid over the labelled items of
 * a namespace (their int8 codes), with stratified k-fold cross-validated accuracy measured at training time,
 * stored as a versioned resource of the model the vectors came from; predictions for an image, a vector or
 * a stored item.
 */
import { DEFAULT_CLASSIFIER_FOLDS, DEFAULT_LABEL_FIELD } from '../../config/defaults.ts';
import { ProblemError } from '../../contract/problems.ts';
import { trainCentroid } from '../../core/learn/centroid.ts';
import { type Classifier, predict } from '../../core/learn/classifier.ts';
import { crossValidate } from '../../core/learn/cross-validation.ts';
import { trainLogistic } from '../../core/learn/logistic.ts';
import type { Rows } from '../../core/learn/rows.ts';
import type { EmbedRequest } from '../embedder.ts';
import { classCounts, labelOf } from './labels.ts';
import { loadNamespace } from './load.ts';
import type { ResourceContext } from './context.ts';
import { type Probe, resolveProbe } from './probe.ts';
import { listResources, readResource, type StoredResource } from './resources.ts';
import { unitRows, unitVector } from './unit-rows.ts';

export type ClassifierMethod = 'logistic' | 'centroid';

/** The cross-validation's folds are seeded: the same items give the same accuracy. */
const CV_SEED = 0;

export interface TrainRequest {
  readonly namespace: string;
  readonly method: ClassifierMethod;
  readonly label?: string | undefined;
  readonly folds?: number | undefined;
  readonly c?: number | undefined;
  readonly id?: string | undefined;
}

export interface ClassifierSummary extends StoredResource {
  readonly version: number;
  readonly method: ClassifierMethod;
  readonly label: string;
  readonly size: number;
  readonly classes: Array<{ label: string; count: number }>;
  readonly crossValidation: { folds: number; accuracy: number; perFold: number[] };
  readonly trainedAt: string;
}

/** As stored: the summary and the model itself (plain numbers, JSON). */
export interface StoredClassifier extends ClassifierSummary {
  readonly classifier: Classifier;
}

export function summaryOf(stored: StoredClassifier): ClassifierSummary {
  const { classifier: _classifier, ...summary } = stored;
  return summary;
}

function trainer(method: ClassifierMethod, c: number | undefined): (rows: Rows, labels: string[]) => Classifier {
  // Logistic regression sees unit vectors (cosine geometry); the centroid classifier normalises its means itself.
  if (method === 'logistic')
    return (rows, labels) => trainLogistic(unitRows(rows), labels, { ...(c !== undefined && { c }), classWeight: 'balanced' });
  return (rows, labels) => trainCentroid(rows, labels, { metric: 'cosine' });
}

export async function trainClassifier(context: ResourceContext, request: TrainRequest): Promise<StoredClassifier> {
  const { store, model, resources } = context;
  const field = request.label ?? DEFAULT_LABEL_FIELD;
  const id = request.id ?? `${field.replace(/[^A-Za-z0-9._~:-]/g, '-')}-${request.method}`.slice(0, 64);
  const loaded = await loadNamespace(store, request.namespace, context.maxItems, {
    purpose: 'Training a classifier',
    keep: (metadata) => labelOf(metadata, field) !== undefined,
  });
  const labels = loaded.metadata.map((metadata) => labelOf(metadata, field)!);
  const classes = classCounts(labels);
  if (classes.length === 0) {
    throw new ProblemError('label-not-found', `No item in namespace "${request.namespace}" has a label in the metadata field "${field}".`, {
      field,
    });
  }
  const smallest = Math.min(...classes.map((entry) => entry.count));
  if (classes.length < 2 || smallest < 2) {
    throw new ProblemError(
      'too-few-labelled',
      classes.length < 2
        ? `Training needs at least 2 classes; namespace "${request.namespace}" has only "${classes[0]!.label}" in "${field}".`
        : `Training needs at least 2 items per class; ${classes
            .filter((entry) => entry.count < 2)
            .map((entry) => `"${entry.label}" has ${entry.count}`)
            .join(', ')}.`,
      { classes, field },
    );
  }
  const folds = Math.min(request.folds ?? DEFAULT_CLASSIFIER_FOLDS, smallest);
  const train = trainer(request.method, request.c);
  const validated = crossValidate(loaded.rows, labels, train, { folds, seed: CV_SEED });
  const classifier = train(loaded.rows, labels);
  const previous = await resources.get('classifier', request.namespace, id);
  const version =
    previous !== null && typeof (previous as { version?: unknown }).version === 'number'
      ? (previous as { version: number }).version + 1
      : 1;
  const stored: StoredClassifier = {
    id,
    version,
    method: request.method,
    label: field,
    model: { id: model.id, version: model.version, dims: model.dims },
    namespace: request.namespace,
    size: labels.length,
    classes,
    crossValidation: { folds: validated.folds, accuracy: validated.accuracy, perFold: validated.perFold },
    trainedAt: new Date().toISOString(),
    classifier,
  };
  await resources.put('classifier', request.namespace, id, stored);
  return stored;
}

export function getClassifier(context: ResourceContext, namespace: string, id: string): Promise<StoredClassifier> {
  return readResource<StoredClassifier>(context.resources, 'classifier', namespace, id, context.model);
}

export async function listClassifiers(context: ResourceContext, namespace: string): Promise<ClassifierSummary[]> {
  return (await listResources<StoredClassifier>(context.resources, 'classifier', namespace, context.model)).map(summaryOf);
}

export async function deleteClassifier(context: ResourceContext, namespace: string, id: string): Promise<void> {
  await context.resources.delete('classifier', namespace, id);
}

export interface Prediction {
  readonly label: string;
  readonly probabilities: Array<{ label: string; probability: number }>;
  readonly classifier: StoredClassifier;
  readonly cache?: Awaited<ReturnType<typeof resolveProbe>>['cache'];
}

export async function predictWith(
  context: ResourceContext,
  namespace: string,
  id: string,
  probe: Probe,
  request?: EmbedRequest,
): Promise<Prediction> {
  // The classifier first: a missing one or one of another model is refused before anything is embedded.
  const stored = await getClassifier(context, namespace, id);
  const probed = await resolveProbe(context, probe, namespace, request);
  const vector = stored.classifier.kind === 'logistic' ? unitVector(probed.vector) : probed.vector;
  const probabilities = predict(stored.classifier, vector);
  return { label: probabilities[0]!.label, probabilities, classifier: stored, cache: probed.cache };
}
