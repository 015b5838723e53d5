/** @module Precomputed vectors, accepted only from the model this deployment serves. */
import { ProblemError } from '../contract/problems.ts';
import type { ModelManifest } from '../core/model/manifest.ts';

/** The model a client says made a vector (shape checked by the contract's ModelRef). */
export interface ClientModel {
  readonly id: string;
  readonly version: string;
  readonly dims?: number | undefined;
  readonly sha256?: string | undefined;
}

/** The vector as float32 if `model` is the serving model (id, version; dims and sha256 when given) and its length fits. */
export function acceptVector(vector: ArrayLike<number>, model: ClientModel, serving: ModelManifest, field = 'vector'): Float32Array {
  const expected = { id: serving.id, version: serving.version, dims: serving.dims, sha256: serving.graph.sha256 };
  if (
    model.id !== serving.id ||
    model.version !== serving.version ||
    (model.sha256 !== undefined && model.sha256 !== serving.graph.sha256)
  ) {
    throw new ProblemError(
      'model-mismatch',
      `The vector was made by ${model.id}@${model.version}; this deployment stores ${serving.id}@${serving.version} vectors only.`,
      { expected },
    );
  }
  if (vector.length !== serving.dims || (model.dims !== undefined && model.dims !== serving.dims)) {
    throw new ProblemError(
      'dims-mismatch',
      `${field} has ${vector.length} dimensions; ${serving.id}@${serving.version} makes ${serving.dims}.`,
      { expected },
    );
  }
  return Float32Array.from(vector);
}
