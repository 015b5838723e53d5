/** @module The k rows of a `Rows` most cosine-similar to a query, best first: the brute-force pass k-NN starts from. */
import type { Rows } from '../../src/core/learn/rows.ts';

export interface Ranked {
  readonly index: number;
  readonly score: number;
}

/** Cosine of `query` against every row but `skip`, the best k kept in order (ties: the lower index first). */
export function topK(rows: Rows, query: Float32Array, k: number, skip = -1): Ranked[] {
  let qq = 0;
  for (const v of query) qq += v * v;
  const qNorm = Math.sqrt(qq);
  const best: Ranked[] = [];
  for (let i = 0; i < rows.count; i++) {
    if (i === skip) continue;
    const denominator = rows.norm(i) * qNorm;
    const score = denominator === 0 ? 0 : rows.dot(i, query) / denominator;
    if (best.length === k && score <= best[k - 1]!.score) continue;
    let at = best.length === k ? k - 1 : best.length;
    while (at > 0 && best[at - 1]!.score < score) at--;
    best.splice(at, 0, { index: i, score });
    if (best.length > k) best.pop();
  }
  return best;
}
