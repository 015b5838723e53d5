/** @module One predict for every stored classifier kind: probabilities per class, best first. */

import { type CentroidModel, centroidSimilarities } from './centroid.ts';
import { type LogisticModel, logisticProbabilities, softmaxInPlace } from './logistic.ts';

export type Classifier = LogisticModel | CentroidModel;

export function classProbabilities(model: Classifier, vector: Float32Array): Float64Array {
  if (model.kind === 'logistic') return logisticProbabilities(model, vector);
  const z = centroidSimilarities(model, vector);
  let top = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < z.length; j++) {
    z[j] = z[j]! / model.temperature;
    top = Math.max(top, z[j]!);
  }
  return softmaxInPlace(z, top);
}

/** Best first; equal probabilities keep the sorted class order. */
export function predict(model: Classifier, vector: Float32Array): Array<{ label: string; probability: number }> {
  const p = classProbabilities(model, vector);
  return model.classes.map((label, j) => ({ label, probability: p[j]! })).sort((a, b) => b.probability - a.probability);
}
