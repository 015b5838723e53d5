/** @module The public description of a model that accompanies every vector. */
import type { ModelManifest } from '../core/model/manifest.ts';

export interface ModelInfo {
  readonly id: string;
  readonly version: string;
  readonly architecture: string;
  readonly weights: ModelManifest['weights'];
  readonly quantization: ModelManifest['quantization'];
  readonly dims: number;
  /** sha256 of the ONNX graph file: two deployments with equal ids and hashes give equal vectors. */
  readonly sha256: string;
  readonly preprocess: ModelManifest['preprocess'];
}

export function modelInfo(manifest: ModelManifest): ModelInfo {
  return {
    id: manifest.id,
    version: manifest.version,
    architecture: manifest.architecture,
    weights: manifest.weights,
    quantization: manifest.quantization,
    dims: manifest.dims,
    sha256: manifest.graph.sha256,
    preprocess: manifest.preprocess,
  };
}
