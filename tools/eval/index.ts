/**
 * `npm run eval`: how well the served model's vectors classify, cluster and find near-duplicates, measured
 * with the project's own algorithms (src/core/learn) and checked against scikit-learn. Prints markdown
 * (docs/quality.md holds a copy).
 *
 *   npm run eval -- [--model ID]... [--folds 5] [--seed 0] [--restarts 10] [--sources 30] [--variants 6]
 *                   [--no-sklearn] [--json]
 *
 * Labelled set: ../shared/fixtures/labelled/<category>/* (77 photos, 10 categories). k-NN leave-one-out (k=5,
 * cosine, distance weights), logistic regression (C=1, balanced class weights) and nearest centroid on
 * stratified --folds folds (seeded), k-means (k=10, --restarts restarts, seeded) NMI / ARI / purity.
 * Near-duplicates: tools/eval/near-duplicates.py writes --sources photos x (original + --variants variants)
 * plus every other photo once (distinct), at 512 px, into the system temp folder (kept for the next run);
 * precision / recall / F1 over every pair, threshold swept; the default threshold = the best group F1 among
 * thresholds with group precision >= 0.99. The committed CI fixtures are scored too, also with the workerd
 * tests' model (vgg16-narrow-synthetic).
 * scikit-learn (python3-sklearn, when installed) gets the same unit vectors and folds: identical k-NN
 * predictions, accuracies within 2 points, k-means NMI within 0.05 pass.
 * Models: mobilenet-v2-1.4-nsfwjs (the offline default), and vgg16-imagenet-int8 when its weights are built.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findModel } from '../../src/models.ts';
import { type DuplicateManifest, labelledPhotos, readDuplicateManifest } from './dataset.ts';
import { chooseThreshold, recallByTransform, separation, type SweepPoint, sweepDuplicates, type TransformRecall } from './duplicates.ts';
import { EVAL_CACHE_DIR, type EvalEmbedder, openEmbedder } from './embed.ts';
import { findPython, runPython } from './python.ts';
import { clusterScores, clusterSeeds, crossValidated, knnLeaveOneOut, type LabelledVectors, unitRows } from './quality.ts';
import { float32Rows } from '../../src/core/learn/rows.ts';
import { compareWithSklearn, type SklearnResult } from './sklearn.ts';
import { duplicateTable, fixtureTable, qualityTable, sklearnTable } from './report.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    folds: { type: 'string', default: '5' },
    seed: { type: 'string', default: '0' },
    restarts: { type: 'string', default: '10' },
    sources: { type: 'string', default: '30' },
    variants: { type: 'string', default: '6' },
    'no-sklearn': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const FOLDS = Number(values.folds);
const SEED = Number(values.seed);
const RESTARTS = Number(values.restarts);
const K = 5;
const CLUSTERS = 10;
/** k-means is also run for seeds SEED .. SEED + SEEDS - 1 (the NMI spread; the scikit-learn comparison). */
const SEEDS = 10;
const THRESHOLDS = [...Array.from({ length: 30 }, (_, i) => Math.round((0.7 + i * 0.01) * 100) / 100), 0.995];
const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const COMMITTED = fileURLToPath(new URL('../../test/fixtures/near-duplicates/', import.meta.url));
const VGG16 = 'vgg16-imagenet-int8';
/** Models whose vectors the workerd tests use (vitest.config.ts): how the committed fixtures separate under them. */
const FIXTURE_MODELS = ['vgg16-narrow-synthetic'];
const log = (m: string) => process.stderr.write(`[eval] ${m}\n`);

function models(): string[] {
  if (values.model?.length) return values.model;
  const out = ['mobilenet-v2-1.4-nsfwjs'];
  if (findModel(VGG16)) out.push(VGG16);
  else log(`${VGG16}: not in models/index.json (its weights need internet: npm run model:fetch && npm run model:build): not evaluated`);
  return out;
}

/** The generated near-duplicate set (made once per parameters), or the committed small one without python3-pil. */
function nearDuplicateSet(): { dir: string; generated: boolean } {
  const dir = join(EVAL_CACHE_DIR, `near-duplicates-s${values.sources}-v${values.variants}-seed${SEED}`);
  if (existsSync(join(dir, 'manifest.json'))) return { dir, generated: true };
  const python = findPython(['PIL']);
  if (!python) {
    log('no python3 with PIL (apt-get install -y python3-pil): near-duplicates scored on the 24 committed fixtures only');
    return { dir: COMMITTED, generated: false };
  }
  const total = 7 + 77; // tools/eval/near-duplicates.py: 7 scenes + the labelled photos
  const script = fileURLToPath(new URL('near-duplicates.py', import.meta.url));
  const args = [script, '--out', dir, '--fixtures', FIXTURES, '--sources', String(values.sources), '--variants', String(values.variants)];
  log(
    runPython(python, [...args, '--distinct', String(total - Number(values.sources)), '--max-side', '512', '--seed', String(SEED)]).trim(),
  );
  return { dir, generated: true };
}

async function embedAll(embedder: EvalEmbedder, paths: readonly string[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const path of paths) out.push(await embedder.embedFile(path));
  return out;
}

export interface ModelReport {
  readonly model: { id: string; version: string; dims: number };
  readonly photos: number;
  readonly categories: number;
  readonly knn: { accuracy: number; predictions: string[] };
  readonly logistic: { accuracy: number; perFold: number[] };
  readonly centroid: { accuracy: number; perFold: number[] };
  readonly kmeans: { nmi: number; ari: number; purity: number; seedNmi: number[] };
  readonly duplicates: {
    set: string;
    files: number;
    truePairs: number;
    sweep: SweepPoint[];
    chosen: SweepPoint;
    byTransform: TransformRecall[];
    committed: FixtureCheck;
  };
  readonly sklearn?: SklearnResult;
}

export interface FixtureCheck {
  readonly model: string;
  readonly threshold: number;
  readonly at: SweepPoint;
  readonly lowestWithin: number;
  readonly highestAcross: number;
}

/** The committed CI fixtures (test/fixtures/near-duplicates) at a threshold: what workerd tests can expect of a model. */
async function committedFixtures(embedder: EvalEmbedder, threshold: number): Promise<FixtureCheck> {
  const small = await readDuplicateManifest(COMMITTED);
  const rows = float32Rows(
    unitRows(
      await embedAll(
        embedder,
        small.files.map((f) => join(COMMITTED, f.file)),
      ),
    ),
    embedder.manifest.dims,
  );
  const groupOf = small.files.map((f) => f.group);
  const [at] = sweepDuplicates(rows, groupOf, [threshold]);
  return { model: embedder.manifest.id, threshold, at: at!, ...separation(rows, groupOf) };
}

async function evaluate(
  modelId: string,
  duplicates: { dir: string; manifest: DuplicateManifest; generated: boolean },
): Promise<ModelReport> {
  const embedder = await openEmbedder(modelId);
  const { manifest } = embedder;
  try {
    const photos = await labelledPhotos(join(FIXTURES, 'labelled'));
    log(`${manifest.id}: embedding ${photos.length} labelled photos`);
    const set: LabelledVectors = {
      ids: photos.map((p) => p.id),
      labels: photos.map((p) => p.label),
      dims: manifest.dims,
      data: unitRows(
        await embedAll(
          embedder,
          photos.map((p) => p.path),
        ),
      ),
    };
    const knn = knnLeaveOneOut(set, K);
    const logistic = crossValidated(set, 'logistic', FOLDS, SEED);
    const centroid = crossValidated(set, 'centroid', FOLDS, SEED);
    const clusters = clusterScores(set, CLUSTERS, SEED, RESTARTS);
    const seeds = clusterSeeds(
      set,
      CLUSTERS,
      Array.from({ length: SEEDS }, (_, i) => SEED + i),
      RESTARTS,
    );

    log(`${manifest.id}: embedding ${duplicates.manifest.files.length} near-duplicate files (${duplicates.dir})`);
    const dupVectors = unitRows(
      await embedAll(
        embedder,
        duplicates.manifest.files.map((f) => join(duplicates.dir, f.file)),
      ),
    );
    const groupOf = duplicates.manifest.files.map((f) => f.group);
    const dupRows = float32Rows(dupVectors, manifest.dims);
    const sweep = sweepDuplicates(dupRows, groupOf, THRESHOLDS);
    const chosen = chooseThreshold(sweep);
    const byTransform = recallByTransform(dupRows, duplicates.manifest.files, chosen.threshold);
    const committed = await committedFixtures(embedder, chosen.threshold);
    log(`${manifest.id}: ${embedder.embedded} images embedded (the rest from ${EVAL_CACHE_DIR})`);

    const python = values['no-sklearn'] ? undefined : findPython(['sklearn', 'numpy']);
    if (!python && !values['no-sklearn'])
      log('no python3 with sklearn and numpy (apt-get install -y python3-sklearn): scikit-learn check skipped');
    const sklearn = python
      ? compareWithSklearn(python, set, {
          k: K,
          folds: logistic.folds,
          clusters: CLUSTERS,
          restarts: RESTARTS,
          ours: { knn, logistic, centroid, clusters, seeds },
        })
      : undefined;
    return {
      model: { id: manifest.id, version: manifest.version, dims: manifest.dims },
      photos: photos.length,
      categories: new Set(set.labels).size,
      knn,
      logistic: { accuracy: logistic.accuracy, perFold: logistic.perFold },
      centroid: { accuracy: centroid.accuracy, perFold: centroid.perFold },
      kmeans: { nmi: clusters.nmi, ari: clusters.ari, purity: clusters.purity, seedNmi: seeds.nmi },
      duplicates: {
        set: duplicates.generated
          ? `generated (${duplicates.manifest.sources} photos x ${duplicates.manifest.variants} variants + ${duplicates.manifest.distinct} distinct, seed ${duplicates.manifest.seed}, ${duplicates.manifest.maxSide} px)`
          : 'the committed fixtures',
        files: duplicates.manifest.files.length,
        truePairs: sweep[0]!.pairs.truePositives + sweep[0]!.pairs.falseNegatives,
        sweep,
        chosen,
        byTransform,
        committed,
      },
      ...(sklearn ? { sklearn } : {}),
    };
  } finally {
    await embedder.release();
  }
}

const nd = nearDuplicateSet();
const duplicates = { ...nd, manifest: await readDuplicateManifest(nd.dir) };
const reports: ModelReport[] = [];
for (const id of models()) reports.push(await evaluate(id, duplicates));
// The workerd tests' own model (synthetic weights) on the committed fixtures, at the default model's threshold.
const fixtureChecks = reports.map((r) => r.duplicates.committed);
for (const id of FIXTURE_MODELS) {
  const embedder = await openEmbedder(id);
  try {
    fixtureChecks.push(await committedFixtures(embedder, reports[0]!.duplicates.chosen.threshold));
  } finally {
    await embedder.release();
  }
}
for (const report of reports) {
  console.log(qualityTable(report, { folds: FOLDS, seed: SEED, restarts: RESTARTS, k: K, clusters: CLUSTERS }));
  if (report.sklearn) console.log(sklearnTable(report));
  console.log(duplicateTable(report));
}
console.log(fixtureTable(fixtureChecks));
if (values.json) console.log(JSON.stringify({ reports, fixtureChecks }));
