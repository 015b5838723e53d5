/** @module The KV operations one store call may spend (KV allows 1000 per invocation). */
import { StoreError } from '../types.ts';

/** Counts KV calls against the budget of one operation. */
export class Operations {
  count = 0;
  readonly budget: number;
  /** What to do instead, said when the budget runs out. */
  readonly #advice: string;
  constructor(budget: number, advice = 'this namespace has outgrown the KV store; use the Vectorize store (see docs/stores.md).') {
    this.budget = budget;
    this.#advice = advice;
  }
  spend(n: number, what: string): void {
    this.count += n;
    if (this.count > this.budget) {
      throw new StoreError(
        'capacity',
        `${what} needs more than ${this.budget} KV operations (KV allows 1000 per request): ${this.#advice}`,
      );
    }
  }
}
