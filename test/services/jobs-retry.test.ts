/** The ingest consumer's backoff: JOB_RETRY_DELAY_SECONDS doubling per attempt, capped at 900 s. */
import { describe, expect, it } from 'vitest';
import { retryDelay } from '../../src/services/jobs/consumer.ts';

describe('retryDelay', () => {
  it('doubles from the base per attempt and stops at 900 s; a base of 0 retries at once', () => {
    expect([1, 2, 3, 4, 5].map((attempts) => retryDelay(attempts, 5))).toEqual([5, 10, 20, 40, 80]);
    expect(retryDelay(12, 5)).toBe(900);
    expect(retryDelay(3, 0)).toBe(0);
  });
});
