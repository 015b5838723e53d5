/**
 * @module Classification: k-NN over the labelled items of a namespace (`POST /v1/classify`), and trained
 * classifiers (logistic regression, nearest centroid) stored per namespace and model (`/v1/classifiers`).
 */
import * as z from 'zod';
import { DEFAULT_CLASSIFIER_FOLDS, DEFAULT_CLASSIFY_K, DEFAULT_LABEL_FIELD } from '../config/defaults.ts';
import { EmbedOptionsQuery, Filter, imageFile, jsonText, ModelDims, ModelId, NamespaceName, positiveIntText } from './common.ts';
import { LabelField, LearnMetric, probeJson, ResourceId } from './analytics-common.ts';

const K = `Neighbours that vote (default ${DEFAULT_CLASSIFY_K}; at most the store's search maximum).`;
const LABEL = `The metadata field that holds the label (default "${DEFAULT_LABEL_FIELD}").`;

/** k, label, metric, namespace and filter as text (query string, multipart fields); a body's win. */
export const ClassifyOptionsText = z.object({
  k: positiveIntText.optional().meta({ description: K }),
  label: LabelField.optional().meta({ description: LABEL }),
  metric: LearnMetric.optional(),
  namespace: NamespaceName,
  filter: jsonText(Filter, 'A metadata filter as JSON: only matching items vote.').optional(),
});

export const ClassifyQuery = EmbedOptionsQuery.extend(ClassifyOptionsText.shape);

const classifyOptions = {
  k: z.number().int('must be an integer').positive('must be positive').optional().meta({ description: K }),
  label: LabelField.optional().meta({ description: LABEL }),
  metric: LearnMetric.optional(),
  namespace: NamespaceName,
  filter: Filter.optional().meta({ description: 'Only matching items vote.' }),
};

export const ClassifyJson = probeJson(
  classifyOptions,
  'ClassifyJson',
  'An image, a vector with its model, or a stored item (which does not vote for itself); k, label, metric, namespace, filter.',
);

export const ClassifyForm = ClassifyOptionsText.extend({ image: imageFile('image') }).meta({ id: 'ClassifyForm' });

const LabelShare = z.object({
  label: z.string(),
  probability: z.number().meta({ description: 'Share of the distance-weighted vote.' }),
  count: z.number().int().meta({ description: 'Neighbours with this label.' }),
});

export const ClassifyResponse = z
  .object({
    label: z.string().meta({ description: 'The winning label (ties: the first in sorted order).' }),
    labels: z.array(LabelShare).meta({ description: 'Every label among the neighbours, most probable first.' }),
    neighbours: z.array(z.object({ id: z.string(), score: z.number(), label: z.string() })).meta({ description: 'Best first.' }),
    k: z.number().int(),
    field: z.string().meta({ description: 'The metadata field the labels were read from.' }),
    metric: LearnMetric,
    namespace: z.string(),
    model: ModelDims,
  })
  .meta({ id: 'ClassifyResponse' });

export const ClassifierMethod = z
  .enum(['logistic', 'centroid'])
  .meta({ description: 'logistic: multinomial logistic regression (L2, balanced class weights); centroid: nearest centroid.' });

export const CreateClassifierJson = z
  .object({
    method: ClassifierMethod,
    label: LabelField.optional().meta({ description: LABEL }),
    folds: z
      .number()
      .int('must be an integer')
      .min(2, 'must be at least 2')
      .max(20, 'must be at most 20')
      .optional()
      .meta({ description: `Cross-validation folds (default ${DEFAULT_CLASSIFIER_FOLDS}; fewer when the smallest class is smaller).` }),
    c: z.number().positive('must be positive').optional().meta({ description: 'Inverse L2 strength of logistic regression (default 1).' }),
    id: ResourceId.optional().meta({
      description: 'Where to store it (default "<label>-<method>"); an existing one is replaced, its version + 1.',
    }),
  })
  .meta({ id: 'CreateClassifierJson', description: 'Trains on every item of the namespace that has the label field.' });

export const ClassifierSummary = z
  .object({
    id: z.string(),
    version: z.number().int().meta({ description: 'Counts the trainings stored under this id.' }),
    method: ClassifierMethod,
    label: z.string().meta({ description: 'The metadata field it was trained on.' }),
    model: ModelId.meta({ description: 'The model of the vectors it was trained on: it predicts for that model only.' }),
    namespace: z.string(),
    size: z.number().int().meta({ description: 'Labelled items trained on.' }),
    classes: z.array(z.object({ label: z.string(), count: z.number().int() })),
    crossValidation: z.object({
      folds: z.number().int(),
      accuracy: z.number().meta({ description: 'Stratified k-fold accuracy (seeded, reproducible).' }),
      perFold: z.array(z.number()),
    }),
    trainedAt: z.string().meta({ description: 'ISO 8601.' }),
  })
  .meta({ id: 'ClassifierSummary' });

export const ClassifierList = z.object({ classifiers: z.array(ClassifierSummary), namespace: z.string() }).meta({ id: 'ClassifierList' });

export const PredictJson = probeJson({}, 'PredictJson', 'An image, a vector with its model, or a stored item.');
export const PredictForm = z.object({ image: imageFile('image') }).meta({ id: 'PredictForm' });

export const PredictResponse = z
  .object({
    label: z.string(),
    probabilities: z.array(z.object({ label: z.string(), probability: z.number() })).meta({ description: 'Most probable first.' }),
    classifier: z.object({ id: z.string(), version: z.number().int(), method: ClassifierMethod }),
    model: ModelId,
  })
  .meta({ id: 'PredictResponse' });

export type ClassifyJson = z.input<typeof ClassifyJson>;
export type ClassifyResponse = z.infer<typeof ClassifyResponse>;
export type CreateClassifierJson = z.input<typeof CreateClassifierJson>;
export type ClassifierSummary = z.infer<typeof ClassifierSummary>;
export type ClassifierList = z.infer<typeof ClassifierList>;
export type PredictJson = z.input<typeof PredictJson>;
export type PredictResponse = z.infer<typeof PredictResponse>;
