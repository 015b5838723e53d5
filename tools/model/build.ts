/**
 * Builds a model's ONNX graph and external-data files and checks them against the committed manifest.
 *
 *   npx node tools/model/build.ts --model <id>|all   (ids: see recipes.ts; `all` = every model buildable offline)
 *       [--out public/models]      where <out>/<id>/model.onnx and model.data.N are written
 *       [--manifest-dir models]    where the committed <id>.json manifests live
 *       [--check]                  build in memory and compare with the committed manifest; write nothing
 *       [--write-manifest]         write the files, then (re)write the manifest from them and models/index.json
 *
 * Without --write-manifest the build must reproduce the committed manifest exactly (file sha256 and sizes,
 * every other field): any difference is listed on stderr and the exit status is 1. The manifest JSON goes to
 * stdout. Exit status 2: bad arguments.
 *
 * `vgg16-imagenet` and `vgg16-imagenet-int8` read Keras's weights file (`npm run model:fetch`, needs internet);
 * `npm run model:build` builds them with --write-manifest, since their manifests cannot be committed here.
 * The -int8 models are the same weights statically quantised (tools/model/quantize.ts): their build
 * calibrates activation ranges by running the fp32 model in onnxruntime-node on models/calibration/.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from './files.ts';
import { buildModelAsync, diffManifests, manifestJson, readManifest, writeModel } from './model-manifest.ts';
import { buildableOffline, findRecipe, MODEL_RECIPES } from './recipes.ts';
import { REGISTRY_FILE, writeRegistry } from './registry.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: node tools/model/build.ts --model <${MODEL_RECIPES.map((r) => r.id).join('|')}|all> ` +
      '[--out DIR] [--manifest-dir DIR] [--check | --write-manifest]\n',
  );
  process.exit(2);
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        model: { type: 'string', multiple: true },
        out: { type: 'string' },
        'manifest-dir': { type: 'string' },
        check: { type: 'boolean', default: false },
        'write-manifest': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    usage((error as Error).message);
  }
  const ids = args.model ?? usage('--model is required');
  if (args.check && args['write-manifest']) usage('--check and --write-manifest exclude each other');
  const recipes = ids.includes('all')
    ? MODEL_RECIPES.filter(buildableOffline)
    : ids.map((id) => {
        try {
          return findRecipe(id);
        } catch (error) {
          return usage((error as Error).message);
        }
      });
  const outRoot = args.out === undefined ? join(REPO_ROOT, 'public', 'models') : resolve(args.out);
  const manifestDir = args['manifest-dir'] === undefined ? join(REPO_ROOT, 'models') : resolve(args['manifest-dir']);

  let failed = false;
  for (const recipe of recipes) {
    const started = performance.now();
    const built = await buildModelAsync(recipe);
    const buildMs = performance.now() - started;
    const outDir = join(outRoot, recipe.id);
    if (!args.check) await writeModel(outDir, built);
    const manifestPath = join(manifestDir, `${recipe.id}.json`);
    const totalBytes = [built.manifest.graph, ...built.manifest.externalData].reduce((s, f) => s + f.bytes, 0);
    process.stderr.write(
      `${recipe.id}: built in ${buildMs.toFixed(0)} ms, ${built.manifest.externalData.length} data file(s), ` +
        `${totalBytes} bytes${built.ranges === undefined ? '' : `, int8 (${built.ranges.method})`}` +
        `${args.check ? ' (not written: --check)' : ` -> ${outDir}`}\n`,
    );
    if (args['write-manifest']) {
      await writeFileAtomic(manifestPath, manifestJson(built.manifest));
      process.stderr.write(`${recipe.id}: wrote ${manifestPath}\n`);
    } else {
      const committed = await readManifest(manifestPath);
      if (committed === undefined) {
        process.stderr.write(`${recipe.id}: FAIL no committed manifest at ${manifestPath} (run with --write-manifest)\n`);
        failed = true;
      } else {
        const problems = diffManifests(committed, built.manifest);
        if (problems.length > 0) {
          failed = true;
          process.stderr.write(`${recipe.id}: FAIL the build differs from ${manifestPath}:\n`);
          for (const p of problems) process.stderr.write(`  ${p}\n`);
        } else {
          process.stderr.write(`${recipe.id}: OK matches ${manifestPath}\n`);
        }
      }
    }
    process.stdout.write(manifestJson(built.manifest));
  }
  if (args['write-manifest']) {
    const registered = await writeRegistry(manifestDir);
    process.stderr.write(`wrote ${join(manifestDir, REGISTRY_FILE)} (${registered.map((m) => m.id).join(', ')})\n`);
  }
  return failed ? 1 : 0;
}

process.exitCode = await main();
