/**
 * Builds the npm package's entries into dist/package/ (gitignored): `edge-features/client` and
 * `edge-features/browser` as ES modules with .d.ts, one file per source module (tsc, tsconfig.package.json),
 * so both entries share one copy of the client (one `EdgeFeaturesError` class).
 *
 * The CLI (`bin`: edge-features -> dist/package/cli/index.js) is emitted the same way (tsconfig.cli.json, Node's
 * types); it may import Node built-ins (`node:`) and `optionalDependencies` (onnxruntime-node, which it loads
 * only for `index --local --engine native`, dynamically).
 *
 * Nothing from node_modules is bundled: the package's `dependencies` (onnxruntime-web, zod, the @jsquash
 * codecs' glue, libheif-js, image-size, fflate) stay imports that the app's bundler resolves and dedupes. The
 * browser library downloads the wasm it needs from the deployment (/ort/, /codecs/), checked against
 * /ort/runtime.json, as the Worker's own pages do; the CLI in Node reads it from the installed files.
 *
 *   node tools/browser/package.ts       (`npm run build:package`; `npm pack` runs it as `prepack`)
 */
import { execFileSync } from 'node:child_process';
import { cp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const PACKAGE_OUT = join(ROOT, 'dist/package');
/**
 * Files the emitted modules need beside them, which tsc does not emit: vendored JavaScript (libheif's generated
 * glue, with its LGPL text) and the JPEG decoder built here, which Node (the CLI's `--local`) compiles from
 * its file (the other codecs' wasm comes from their packages).
 */
const SOURCE_ASSETS = ['src/core/image/vendor', 'src/core/image/jpeg/libjpeg-turbo.wasm'];

/** Relative `.ts` specifiers in declarations: tsc rewrites them in JS only, so .d.ts files would name sources that are not shipped. */
const DTS_TS_SPECIFIER = /((?:from\s+|import\()\s*)(['"])(\.{1,2}\/[^'"]+)\.ts\2/g;
/** Every import or export specifier in emitted JS or declarations. */
const SPECIFIER = /(?:from\s+|import\(\s*)(['"])([^'"]+)\1/g;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** The package name a bare specifier belongs to (`@scope/name/sub` -> `@scope/name`). */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Fails when an emitted file imports a package the installed package would not have. */
function checkImports(file: string, text: string, dependencies: ReadonlySet<string>): void {
  for (const [, , specifier] of text.matchAll(SPECIFIER)) {
    if (specifier!.startsWith('.')) {
      if (specifier!.endsWith('.ts')) throw new Error(`${relative(ROOT, file)} still imports ${specifier} (a source file)`);
      continue;
    }
    if (specifier!.startsWith('node:')) continue;
    if (!dependencies.has(packageOf(specifier!)))
      throw new Error(`${relative(ROOT, file)} imports ${specifier}, which is not in package.json "dependencies"`);
  }
}

export interface PackageBuild {
  readonly files: number;
  readonly jsBytes: number;
  readonly dtsBytes: number;
}

export async function buildPackage(): Promise<PackageBuild> {
  await rm(PACKAGE_OUT, { recursive: true, force: true });
  const tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.package.json')], { stdio: 'inherit' });
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.cli.json')], { stdio: 'inherit' });
  for (const asset of SOURCE_ASSETS) {
    await cp(join(ROOT, asset), join(PACKAGE_OUT, relative(join(ROOT, 'src'), join(ROOT, asset))), { recursive: true });
  }

  const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  const dependencies = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {})]);
  let jsBytes = 0;
  let dtsBytes = 0;
  const files = await filesUnder(PACKAGE_OUT);
  for (const file of files) {
    let text = await readFile(file, 'utf8');
    if (file.endsWith('.d.ts')) {
      text = text.replace(DTS_TS_SPECIFIER, '$1$2$3.js$2');
      await writeFile(file, text);
      dtsBytes += Buffer.byteLength(text);
    } else {
      jsBytes += Buffer.byteLength(text);
    }
    checkImports(file, text, dependencies);
  }
  return { files: files.length, jsBytes, dtsBytes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  const built = await buildPackage();
  const kB = (n: number) => `${(n / 1024).toFixed(1)} kB`;
  console.log(
    `package build: ${built.files} files in dist/package (JS ${kB(built.jsBytes)}, .d.ts ${kB(built.dtsBytes)}), ${(performance.now() - started).toFixed(0)} ms`,
  );
}
