/** @module The one thing a runtime must provide to run a model: tensor in, vector out. */
import type { ModelManifest } from './manifest.ts';

/**
 * A loaded model. Implementations (onnxruntime-web in workerd or a browser, onnxruntime-node in
 * tools) live under `src/runtime/`; the core only sees this interface.
 */
export interface FeatureSession {
  readonly manifest: ModelManifest;
  /** Runs one preprocessed input tensor (shape `manifest.input.shape`) and returns the feature vector. */
  run(input: Float32Array): Promise<Float32Array>;
  release(): Promise<void>;
}

/** The bytes of a model's files, as checked against its manifest. */
export interface ModelFiles {
  readonly graph: Uint8Array;
  /** External-data files, keyed by the path the graph refers to them by. */
  readonly externalData: ReadonlyArray<{ readonly path: string; readonly data: Uint8Array }>;
}
