/** The per-isolate bound on embeds: a burst queues (FIFO), past the queue it gets 503 + Retry-After. */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import { createInferenceGate } from '../../src/services/inference-gate.ts';
import { DEFAULT_LIMITS } from '../../src/http/limits.ts';
import { MODELS } from '../../src/models.ts';
import { ProblemError } from '../../src/contract/problems.ts';
import { knownProblem } from '../../src/http/errors.ts';

const model = MODELS.find((m) => m.id === 'vgg16-narrow-synthetic')!;

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets pending work run: the gate hands a slot on after a turn of the event loop. */
const tick = async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
};

describe('inference gate', () => {
  it('runs `concurrency` tasks at once, queues the next ones in order, refuses past the queue', async () => {
    const gate = createInferenceGate({ concurrency: 1, maxQueue: 2, maxQueuedBytes: 1e9, retryAfterSeconds: 3 });
    const order: number[] = [];
    const blockers = [deferred(), deferred(), deferred()];
    const runs = blockers.map((blocker, i) =>
      gate.run(10, async () => {
        order.push(i);
        await blocker.promise;
        return i;
      }),
    );
    await tick();
    expect(gate.stats()).toEqual({ running: 1, queued: 2, queuedBytes: 20 });
    const refused = await gate.run(10, async () => 'never').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProblemError);
    const response = knownProblem(refused)!;
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(((await response.json()) as { type: string }).type).toMatch(/\/busy$/);

    // Released in order, and a failing task frees its slot too.
    blockers[0]!.resolve();
    await tick();
    expect(order).toEqual([0, 1]);
    blockers[1]!.resolve();
    blockers[2]!.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    await expect(gate.run(1, async () => Promise.reject(new Error('bad image')))).rejects.toThrow('bad image');
    expect(gate.stats()).toEqual({ running: 0, queued: 0, queuedBytes: 0 });
    expect(await gate.run(1, async () => 'free again')).toBe('free again');
  });

  it('bounds the bytes waiting as well as the count', async () => {
    const gate = createInferenceGate({ concurrency: 1, maxQueue: 100, maxQueuedBytes: 1000, retryAfterSeconds: 1 });
    const blocker = deferred();
    const first = gate.run(5000, () => blocker.promise); // running: its size does not count
    const second = gate.run(800, async () => undefined);
    await expect(gate.run(300, async () => undefined)).rejects.toBeInstanceOf(ProblemError);
    const third = gate.run(200, async () => undefined);
    blocker.resolve();
    await Promise.all([first, second, third]);
  });

  it('a burst of embeds against the app: one at a time, the rest queue, past the queue 503', async () => {
    let running = 0;
    let most = 0;
    const release = deferred();
    const extractor = async () => ({
      manifest: model,
      embed: async () => {
        most = Math.max(most, ++running);
        await release.promise;
        running--;
        return new Float32Array(model.dims).fill(1);
      },
    });
    const app = createApp({
      model,
      models: MODELS,
      extractor,
      limits: DEFAULT_LIMITS,
      inference: { concurrency: 1, maxQueue: 4, maxQueuedBytes: 1e9, retryAfterSeconds: 2 },
    });
    const post = () =>
      app.request('/v1/embed', { method: 'POST', body: new Uint8Array([1, 2, 3]), headers: { 'content-type': 'image/png' } });
    const burst = Array.from({ length: 5 }, post);
    await tick();
    const refused = await post();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    release.resolve();
    expect((await Promise.all(burst)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(most).toBe(1);
  });
});
