/** @module The KV operations one store call may spend (KV allows 1000 per invocation). */
import { StoreError } from '../types.ts';

/** Counts KV calls against the budget of one operation. */
export class Operations {
  count = 0;
  readonly budget: number;
  constructor(budget: number) {
    this.budget = budget;
  }
  spend(n: number, what: string): void {
    this.count += n;
    if (this.count > this.budget) {
      throw new StoreError(
        'capacity',
        `${what} needs more than ${this.budget} KV operations (KV allows 1000 per request): ` +
          'this namespace has outgrown the KV store; use the Vectorize store (see docs/stores.md).',
      );
    }
  }
}
