/**
 * @module Bounds the images an isolate decodes and embeds at once. A burst waits in a short FIFO queue
 * holding only the compressed bytes; past the queue's length or bytes the request gets `503` with
 * `Retry-After` (a `busy` ProblemError) instead of piling decoded images and tensors into the isolate's 128 MB.
 *
 * Embedding is CPU-bound and an isolate runs one thing at a time, so running more than one embed at once
 * gains no throughput: it only holds more decoded pixels (up to ~7 bytes per pixel) in memory together.
 */
import {
  DEFAULT_INFERENCE_CONCURRENCY,
  DEFAULT_INFERENCE_QUEUE,
  DEFAULT_INFERENCE_QUEUED_BYTES,
  INFERENCE_RETRY_AFTER_SECONDS,
} from '../config/defaults.ts';
import type { EmbedOptions, FeatureExtractor } from '../core/extractor.ts';
import { ProblemError } from '../contract/problems.ts';

export interface InferenceGateOptions {
  /** Embeds (decode + preprocess + model) running at once per isolate. */
  readonly concurrency: number;
  /** Embeds waiting for a slot; one more is refused with 503. */
  readonly maxQueue: number;
  /** Compressed image bytes the waiting embeds may hold together; one more is refused with 503. */
  readonly maxQueuedBytes: number;
  /** What a refused client is told to wait, in seconds. */
  readonly retryAfterSeconds: number;
}

export const DEFAULT_INFERENCE_GATE: InferenceGateOptions = {
  concurrency: DEFAULT_INFERENCE_CONCURRENCY,
  maxQueue: DEFAULT_INFERENCE_QUEUE,
  maxQueuedBytes: DEFAULT_INFERENCE_QUEUED_BYTES,
  retryAfterSeconds: INFERENCE_RETRY_AFTER_SECONDS,
};

export interface InferenceGate {
  /** Runs `task` when a slot is free; throws a `busy` ProblemError (503) when the queue is full. */
  run<T>(bytes: number, task: () => Promise<T>): Promise<T>;
  /** Embeds running and waiting now. */
  stats(): { running: number; queued: number; queuedBytes: number };
}

export function createInferenceGate(options: InferenceGateOptions): InferenceGate {
  let running = 0;
  let queuedBytes = 0;
  const queue: Array<{ bytes: number; start: () => void }> = [];

  function release(): void {
    const next = queue.shift();
    if (!next) {
      running--;
      return;
    }
    queuedBytes -= next.bytes;
    // The slot passes straight to the next waiter, but after a turn of the event loop: responses that other
    // requests are waiting for (KV, R2, cache) get handled between two embeds instead of after all of them.
    setTimeout(next.start, 0);
  }

  return {
    async run(bytes, task) {
      if (running >= options.concurrency) {
        if (queue.length >= options.maxQueue || queuedBytes + bytes > options.maxQueuedBytes) {
          throw new ProblemError(
            'busy',
            `This instance is embedding ${running} image(s) with ${queue.length} waiting; retry after ${options.retryAfterSeconds} s.`,
            {},
            { 'retry-after': String(options.retryAfterSeconds) },
          );
        }
        queuedBytes += bytes;
        await new Promise<void>((start) => queue.push({ bytes, start }));
      } else {
        running++;
      }
      try {
        return await task();
      } finally {
        release();
      }
    },
    stats: () => ({ running, queued: queue.length, queuedBytes }),
  };
}

/** The extractor with every `embed` going through `gate`. */
export function gatedExtractor(load: () => Promise<FeatureExtractor>, gate: InferenceGate): () => Promise<FeatureExtractor> {
  const wrapped = new WeakMap<FeatureExtractor, FeatureExtractor>();
  return async () => {
    const inner = await load();
    let outer = wrapped.get(inner);
    if (!outer) {
      outer = {
        manifest: inner.manifest,
        embed: (image: Uint8Array, options?: EmbedOptions) => gate.run(image.byteLength, () => inner.embed(image, options)),
      };
      wrapped.set(inner, outer);
    }
    return outer;
  };
}
