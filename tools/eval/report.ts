/** @module The evaluation's markdown tables (printed by `npm run eval`, copied into docs/quality.md). */
import type { SweepPoint } from './duplicates.ts';
import type { FixtureCheck, ModelReport } from './index.ts';

const f3 = (v: number) => v.toFixed(3);
const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const mark = (pass: boolean) => (pass ? 'pass' : 'FAIL');

export function qualityTable(r: ModelReport, o: { folds: number; seed: number; restarts: number; k: number; clusters: number }): string {
  const lines = [
    `### ${r.model.id}@${r.model.version} (${r.model.dims}-d): ${r.photos} labelled photos, ${r.categories} categories`,
    '',
    '| measure | value |',
    '|---|---|',
    `| k-NN (k=${o.k}, cosine, distance-weighted), leave-one-out accuracy | ${f3(r.knn.accuracy)} |`,
    `| logistic regression (C=1, balanced), ${o.folds}-fold accuracy (seed ${o.seed}) | ${f3(r.logistic.accuracy)} (folds ${r.logistic.perFold.map((v) => v.toFixed(2)).join(', ')}) |`,
    `| nearest centroid (cosine), ${o.folds}-fold accuracy | ${f3(r.centroid.accuracy)} |`,
    `| k-means (k=${o.clusters}, cosine, seed ${o.seed}, ${o.restarts} restarts): NMI / ARI / purity | ${f3(r.kmeans.nmi)} / ${f3(r.kmeans.ari)} / ${f3(r.kmeans.purity)} |`,
    `| k-means NMI over seeds ${o.seed}..${o.seed + r.kmeans.seedNmi.length - 1}: mean (min-max) | ${f3(mean(r.kmeans.seedNmi))} (${f3(Math.min(...r.kmeans.seedNmi))}-${f3(Math.max(...r.kmeans.seedNmi))}) |`,
    `| near-duplicates at the default threshold ${r.duplicates.chosen.threshold}: precision / recall / F1 (groups) | ${scoresText(r.duplicates.chosen, 'groups')} |`,
    `| near-duplicates at ${r.duplicates.chosen.threshold}: precision / recall / F1 (pairs at or above it) | ${scoresText(r.duplicates.chosen, 'pairs')} |`,
    '',
  ];
  return lines.join('\n');
}

function scoresText(point: SweepPoint, kind: 'pairs' | 'groups'): string {
  const s = point[kind];
  return `${f3(s.precision)} / ${f3(s.recall)} / ${f3(s.f1)}`;
}

export function sklearnTable(r: ModelReport): string {
  const s = r.sklearn!;
  const c = s.checks;
  const row = (name: string, check: { ours: number; sklearn: number; pass: boolean; rule: string }, extra = '') =>
    `| ${name} | ${f3(check.ours)} | ${f3(check.sklearn)} | ${check.rule}${extra} | ${mark(check.pass)} |`;
  return [
    `scikit-learn ${s.versions.sklearn} (numpy ${s.versions.numpy}) on the same unit vectors and folds:`,
    '',
    '| measure | edge-features | scikit-learn | rule | result |',
    '|---|---|---|---|---|',
    row('k-NN leave-one-out accuracy', c.knn, ` (${s.knnSame}/${s.knnSame + s.knnDiffering.length} the same)`),
    row('logistic regression accuracy', c.logistic),
    row('k-means NMI', c.kmeansNmi),
    row('k-means ARI', c.kmeansAri),
    row('nearest centroid accuracy', c.centroid),
    row('NMI of our clusters (score function)', c.nmiFunction),
    row('ARI of our clusters (score function)', c.ariFunction),
    '',
    `scikit-learn check: ${s.pass ? 'pass' : 'FAIL'}${s.knnDiffering.length ? ` (k-NN differs on ${s.knnDiffering.map((d) => `${d.id}: ${d.ours} vs ${d.sklearn}`).join('; ')})` : ''}`,
    '',
  ].join('\n');
}

export function duplicateTable(r: ModelReport): string {
  const d = r.duplicates;
  const lines = [
    `Near-duplicates, ${d.set}: ${d.files} files, ${d.truePairs} true pairs; cosine threshold swept (* = the default: best group F1 with group precision >= 0.99):`,
    '',
    '| threshold | pairs: precision | recall | F1 | groups: precision | recall | F1 | groups |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const p of d.sweep) {
    const star = p.threshold === d.chosen.threshold ? ' *' : '';
    lines.push(
      `| ${p.threshold}${star} | ${f3(p.pairs.precision)} | ${f3(p.pairs.recall)} | ${f3(p.pairs.f1)} | ${f3(p.groups.precision)} | ${f3(p.groups.recall)} | ${f3(p.groups.f1)} | ${p.groupCount} |`,
    );
  }
  lines.push(
    '',
    `Each variant against its original at the default threshold ${d.chosen.threshold}:`,
    '',
    '| transformation | variants | found (cosine >= threshold) | median cosine | lowest |',
    '|---|---|---|---|---|',
  );
  for (const t of d.byTransform) {
    lines.push(
      `| ${t.transform} | ${t.variants} | ${t.found} (${((100 * t.found) / t.variants).toFixed(0)}%) | ${f3(t.medianCosine)} | ${f3(t.lowestCosine)} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

export function fixtureTable(checks: readonly FixtureCheck[]): string {
  const lines = [
    'The 24 committed fixtures (test/fixtures/near-duplicates: 4 photos x 5 copies + 4 distinct), by model:',
    '',
    '| model | lowest cosine within a planted group | highest cosine between different photos | at threshold | groups: precision / recall / F1 | groups found |',
    '|---|---|---|---|---|---|',
  ];
  for (const c of checks) {
    lines.push(
      `| ${c.model} | ${f3(c.lowestWithin)} | ${f3(c.highestAcross)} | ${c.threshold} | ${scoresText(c.at, 'groups')} | ${c.at.groupCount} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
