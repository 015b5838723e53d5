/**
 * Planted data for the analytics tests: well-separated clusters of 64-d vectors (a class = a random unit
 * direction plus small noise), stored with `{vector, model}` so every outcome is known in advance.
 */
import { expect } from 'vitest';
import { cosine } from '../../src/core/vector/metrics.ts';
import { random, randomVector } from '../support/store-contract.ts';
import { call } from './helpers.ts';

export const MODEL = { id: 'vgg16-narrow-synthetic', version: '1' };
export const DIMS = 64;

export interface Planted {
  readonly id: string;
  readonly label: string | undefined;
  readonly vector: number[];
}

export const json = (body: unknown, method = 'POST'): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export async function ok<T>(response: Response, status = 200): Promise<T> {
  if (response.status !== status) expect.fail(`${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

function unit(vector: Float32Array): Float32Array {
  const n = Math.hypot(...vector);
  return vector.map((v) => v / n);
}

/** A direction per class, and `perClass` noisy copies of each (float32, as the store keeps them). */
export function plant(classes: readonly string[], perClass: number, seed: number, noise = 0.1) {
  const next = random(seed);
  const bases = Object.fromEntries(classes.map((label) => [label, unit(randomVector(DIMS, next))]));
  const items: Planted[] = [];
  for (const label of classes) {
    for (let i = 0; i < perClass; i++) {
      const vector = Array.from(bases[label]!, (v) => Math.fround(v + noise * (next() * 2 - 1)));
      items.push({ id: `${label}-${i}`, label, vector });
    }
  }
  return { bases, items };
}

/** Stores items in a namespace (label in metadata `field`), in batches of 100. */
export async function store(namespace: string, items: readonly Planted[], field = 'label', fetcher = call): Promise<void> {
  for (let start = 0; start < items.length; start += 100) {
    const batch = items.slice(start, start + 100).map((item) => ({
      id: item.id,
      vector: item.vector,
      model: MODEL,
      metadata: item.label === undefined ? {} : { [field]: item.label },
    }));
    await ok(await fetcher(`/v1/items?namespace=${namespace}`, json({ items: batch })));
  }
}

/**
 * scikit-learn's KNeighborsClassifier(weights='distance', metric='cosine') by hand: the k labelled items
 * nearest by cosine (ties by id), weighted 1 / (1 - cosine), the label shares normalised.
 */
export function handKnn(query: readonly number[], items: readonly Planted[], k: number) {
  const neighbours = items
    .filter((item) => item.label !== undefined)
    .map((item) => ({ id: item.id, label: item.label!, score: cosine(query, item.vector) }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, k);
  const weights = new Map<string, number>();
  for (const n of neighbours) weights.set(n.label, (weights.get(n.label) ?? 0) + 1 / (1 - n.score));
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  const shares = Object.fromEntries([...weights].map(([label, w]) => [label, w / total]));
  const label = [...weights].sort(([a, wa], [b, wb]) => wb - wa || (a < b ? -1 : 1))[0]![0];
  return { neighbours, shares, label };
}
