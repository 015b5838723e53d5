/**
 * @module Switching the served model when a re-index job completes. A re-index job created with
 * `switch: true` records a migration (`migrating`, from the configured model to the job's); while it runs,
 * the old model keeps serving and every image write is mirrored to the new model through the queue; when the
 * job is done with no failed item, its Durable Object marks the migration `switched` and each isolate serves
 * the new model from its next check. One record per deployment, in the ITEMS KV namespace.
 *
 * The configured model (MODEL_ID) stays the operator's word: a switch counts only while MODEL_ID is still the
 * model it switched from, so deploying another MODEL_ID (including the new one) supersedes it.
 */

import type { VectorStore } from '../../store/types.ts';
import type { IndexMirror } from '../indexer.ts';
import { originalKey, type IngestQueue } from './types.ts';

export interface ModelSwitch {
  /** MODEL_ID's model when the record was made: the record is void under another. */
  readonly configured: string;
  /** The model served when the migration started (served while `migrating`). */
  readonly from: string;
  /** The model the re-index builds (served once `switched`). */
  readonly to: string;
  /** The re-index job that builds `to`'s vectors. */
  readonly job: string;
  readonly state: 'migrating' | 'switched';
  /** When it entered this state (ISO 8601). */
  readonly at: string;
}

/** Where the record lives (a port: the Worker and the job objects adapt the ITEMS binding to it). */
export interface ModelSwitchStore {
  read(): Promise<ModelSwitch | null>;
  write(record: ModelSwitch): Promise<void>;
  clear(): Promise<void>;
}

/** Its key in ITEMS: beside items/ and resources/, which no list of either reaches. */
export const MODEL_SWITCH_KEY = 'config/model-switch';

/** The part of a KV namespace the record needs. */
export interface SwitchKv {
  get(key: string, type: 'json'): Promise<unknown>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

export function kvModelSwitch(kv: SwitchKv): ModelSwitchStore {
  return {
    read: async () => parseSwitch(await kv.get(MODEL_SWITCH_KEY, 'json')),
    write: (record) => kv.put(MODEL_SWITCH_KEY, JSON.stringify(record)),
    clear: () => kv.delete(MODEL_SWITCH_KEY),
  };
}

/** A stored record, or null for none or one of another shape (never trusted blindly: it picks the model). */
export function parseSwitch(value: unknown): ModelSwitch | null {
  if (typeof value !== 'object' || value === null) return null;
  const { configured, from, to, job, state, at } = value as Record<string, unknown>;
  const texts = [configured, from, to, job, at];
  if (!texts.every((text): text is string => typeof text === 'string')) return null;
  if (state !== 'migrating' && state !== 'switched') return null;
  return { configured: configured as string, from: from as string, to: to as string, job: job as string, state, at: at as string };
}

export interface ServedModel {
  readonly id: string;
  /** Why, for logs and GET /v1/models: the configured model's reason, or the switch. */
  readonly reason: string | undefined;
}

/** The record, when it was made under the configured model (else the operator has deployed another MODEL_ID since). */
function standing(configured: string, record: ModelSwitch | null): ModelSwitch | null {
  return record?.configured === configured ? record : null;
}

/** The model to serve: `to` once switched, `from` while migrating, the configured model without a standing record. */
export function servedModel(configured: string, record: ModelSwitch | null, known: (id: string) => boolean): ServedModel {
  const current = standing(configured, record);
  const id = current ? (current.state === 'switched' ? current.to : current.from) : configured;
  if (id === configured || !known(id)) return { id: configured, reason: undefined };
  return { id, reason: `re-index job ${current!.job} switched the served model at ${current!.at} (MODEL_ID is ${configured})` };
}

/** The migration whose writes the served model must mirror to `to`: one under way away from it. */
export function migrationFrom(configured: string, served: string, record: ModelSwitch | null): ModelSwitch | null {
  const current = standing(configured, record);
  return current?.state === 'migrating' && current.from === served ? current : null;
}

/**
 * The record as an isolate sees it: read at most every `ttlMs` (a KV read per isolate per interval, not per
 * request). A failed read keeps the last value seen.
 */
export function cachedSwitch(store: ModelSwitchStore, ttlMs: number, now: () => number = Date.now): () => Promise<ModelSwitch | null> {
  let value: ModelSwitch | null = null;
  let readAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<ModelSwitch | null> | undefined;
  return () => {
    if (now() - readAt < ttlMs) return Promise.resolve(value);
    reading ??= store
      .read()
      .then(
        (record) => {
          value = record;
          return record;
        },
        (error: unknown) => {
          console.error('model switch: the record could not be read; keeping the last one seen:', error);
          return value;
        },
      )
      .finally(() => {
        readAt = now();
        reading = undefined;
      });
    return reading;
  };
}

export interface MirrorOptions {
  readonly configured: string;
  /** The model whose writes are mirrored (the runtime's). */
  readonly served: string;
  readonly read: () => Promise<ModelSwitch | null>;
  readonly queue: IngestQueue;
  readonly storeFor: (model: string) => VectorStore | undefined;
}

/**
 * The served model's writes during a migration away from it, repeated for the new model: an image item is
 * queued to be embedded with `to` from its original (outside the job: its count is the job's listing), a
 * deletion deletes `to`'s item too. Without a migration it does nothing.
 */
export function migrationMirror(options: MirrorOptions): IndexMirror {
  const target = async () => migrationFrom(options.configured, options.served, await options.read());
  return {
    async put(namespace, items) {
      const record = await target();
      if (!record) return;
      await options.queue.sendBatch(
        items.map(({ id, contentHash, metadata }) => ({
          body: { namespace, id, origin: { r2: originalKey(contentHash) }, metadata, model: record.to },
        })),
      );
    },
    async remove(namespace, id) {
      const record = await target();
      if (record) await options.storeFor(record.to)?.delete([id], { namespace });
    },
  };
}
