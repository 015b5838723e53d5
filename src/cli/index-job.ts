/**
 * @module `edge-features index --job`: a folder indexed by the service's queue instead of one request per
 * image. The CLI creates one ingest job of uploads listing every new image, uploads each to
 * `PUT /v1/originals/{id}?job=` (no embedding in the request: the queue's consumers embed in batches), then
 * follows the job to its end with a progress bar. Resumable like the other modes: an id stored with the same
 * content (the state log) is not sent again, and the service skips an image it already holds for the model.
 */
import { readFile } from 'node:fs/promises';
import type { EdgeFeaturesClient, Job } from '../client/index.ts';
import { sha256Hex } from '../core/util/sha256.ts';
import { findImages, type FoundImage } from './files.ts';
import { failureOf, type IndexFailure, type IndexSummary, pool, progressBar, summaryOf, withRetries } from './indexing.ts';
import { finishedOf, followJob } from './jobs.ts';
import { IndexState } from './state.ts';

export interface JobIndexOptions {
  readonly client: EdgeFeaturesClient;
  readonly target: string;
  readonly namespace: string;
  /** Uploads in flight. */
  readonly concurrency: number;
  readonly model: { readonly id: string; readonly version: string };
  readonly statePath: string;
  readonly progress: boolean;
  /** Milliseconds between polls of the job. */
  readonly intervalMs: number;
  readonly retries?: number;
}

interface Pending {
  readonly image: FoundImage;
  readonly hash: string;
}

export async function indexFolderAsJob(options: JobIndexOptions): Promise<IndexSummary> {
  const { client, namespace } = options;
  const started = performance.now();
  const found = await findImages(options.target);
  const state = await IndexState.open(options.statePath);
  const failures: IndexFailure[] = [];
  const pending: Pending[] = [];
  let unchanged = 0;
  for (const image of found.images) {
    try {
      const hash = await sha256Hex(new Uint8Array(await readFile(image.path)));
      if (state.has(image.id, hash)) unchanged++;
      else pending.push({ image, hash });
    } catch (error) {
      failures.push(failureOf(image, error));
    }
  }

  let job: Job | undefined;
  if (pending.length > 0) {
    job = await client.createJob({
      type: 'ingest',
      namespace,
      source: { uploads: pending.map(({ image }) => ({ id: image.id, metadata: { file: image.relative } })) },
    });
    const uploaded = await uploadAll(job.id, pending, failures, options);
    // An image whose upload failed never reaches the job: follow it until every uploaded one has an outcome.
    job = await followJob(client, job.id, {
      intervalMs: options.intervalMs,
      progress: options.progress,
      until: (seen) => finishedOf(seen) >= uploaded.length,
    });
    // Then cancel what can no longer come, so that the job ends (those items count as cancelled).
    if (job.state === 'running' || job.state === 'queued') job = (await client.cancelJob(job.id)) ?? job;
    const failed = new Map(job.failures.map((f) => [f.id, f.problem]));
    for (const { image } of uploaded) {
      const problem = failed.get(image.id);
      if (problem) {
        failures.push({
          path: image.relative,
          id: image.id,
          status: problem.status,
          kind: problem.type.split('/').pop(),
          message: problem.detail,
        });
      }
    }
    // Recorded as stored only when the job lists every failure (it keeps the first 100).
    if (job.failures.length === job.counts.failed) {
      for (const { image, hash } of uploaded) if (!failed.has(image.id)) await state.record(image.id, hash);
    }
  }
  return summaryOf(found, state, options.model, started, {
    mode: 'job',
    ...(job && { job }),
    namespace,
    indexed: job?.counts.done ?? 0,
    // Already stored: by an earlier run (the state log), or with the same content (the service skipped it).
    unchanged: unchanged + (job?.counts.skipped ?? 0),
    failed: failures.length + (job ? Math.max(0, job.counts.failed - job.failures.length) : 0),
    failures,
  });
}

/** Uploads each image for the job, `concurrency` at a time; answers those the service took. */
async function uploadAll(
  jobId: string,
  pending: readonly Pending[],
  failures: IndexFailure[],
  options: JobIndexOptions,
): Promise<Pending[]> {
  const { client, namespace } = options;
  const bar = options.progress ? progressBar('upload') : undefined;
  bar?.start(pending.length, 0, { rate: '0.0', failed: 0 });
  const started = performance.now();
  const uploaded: Pending[] = [];
  let sent = 0;
  await pool(pending, options.concurrency, async (item) => {
    try {
      const bytes = new Uint8Array(await readFile(item.image.path));
      await withRetries(() => client.putOriginal(item.image.id, bytes, { namespace, job: jobId }), options.retries ?? 3);
      uploaded.push(item);
    } catch (error) {
      failures.push(failureOf(item.image, error));
    } finally {
      sent++;
      bar?.update(sent, { rate: (sent / Math.max((performance.now() - started) / 1000, 1e-3)).toFixed(1), failed: failures.length });
    }
  });
  bar?.stop();
  return uploaded;
}
