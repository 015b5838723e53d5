/**
 * @module Fetches Keras's VGG16 ImageNet weights (the conv base, "notop") and checks them the way Keras does:
 * md5 `6d6bbae143d832006294945121d1f1fc`. Node only.
 *
 *   npx node tools/fetch/fetch-weights.ts [--url URL | --mirror URL | --file PATH] [--out DIR] [--md5 HEX]
 *                                         [--retries N] [--quiet]
 *
 * - default: downloads from Keras's own address into models/weights/<file>;
 * - --mirror URL: the same file elsewhere — a URL of the file itself (ending in .h5) or of a folder that
 *   holds it (the file name is appended);
 * - --url URL: any URL of the file;
 * - --file PATH: a copy you already have (e.g. another machine's ~/.keras/models/<file>), checked and copied.
 * The download goes to `<file>.part` (resumed on the next run if interrupted) and is renamed into place only
 * once its md5 matches; an existing file that matches is kept without downloading anything.
 */
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { downloadToPart, FetchError, fileSize, formatBytes, md5File, type ProgressMode } from './download.ts';

export { FetchError };

export const VGG16_NOTOP_FILE = 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5';
export const VGG16_NOTOP_URL = `https://storage.googleapis.com/tensorflow/keras-applications/vgg16/${VGG16_NOTOP_FILE}`;
export const VGG16_NOTOP_MD5 = '6d6bbae143d832006294945121d1f1fc';
/** The same network with its classifier (fc1, fc2, predictions): same conv weights, 528 MB. Keras's md5. */
const VGG16_WITH_TOP_MD5 = '64373286793e3c8b2b4e3219cbf3544b';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_WEIGHTS_DIR = join(REPO_ROOT, 'models', 'weights');

export interface FetchWeightsOptions {
  /** Where to download from (default: Keras's URL). At most one of url, mirror, file. */
  readonly url?: string;
  /** A mirror: the file's URL, or a folder URL the file name is appended to. */
  readonly mirror?: string;
  /** A local copy to verify and copy instead of downloading. */
  readonly file?: string;
  /** Output folder (default models/weights/ in the repository). */
  readonly outDir?: string;
  readonly fileName?: string;
  /** Expected md5, hex (default Keras's for the notop file). */
  readonly md5?: string;
  readonly retries?: number;
  readonly offlineRetries?: number;
  readonly retryDelayMs?: number;
  readonly stallTimeoutMs?: number;
  readonly progress?: ProgressMode;
  readonly log?: (line: string) => void;
  /** Folders where a Keras cache copy may be, suggested when offline (default $KERAS_HOME/models, ~/.keras/models). */
  readonly kerasCacheDirs?: readonly string[];
}

export interface FetchWeightsResult {
  readonly path: string;
  readonly md5: string;
  readonly bytes: number;
  /** present: the file was already there and verified; downloaded; copied (from --file). */
  readonly outcome: 'present' | 'downloaded' | 'copied';
  /** Where the bytes came from (URL or path); the existing file for `present`. */
  readonly source: string;
  /** For downloads: bytes a `.part` file from an earlier run already held, and HTTP requests made. */
  readonly resumedFrom?: number;
  readonly requests?: number;
}

/** A mirror URL: the file itself when the path ends in .h5, else a folder holding `fileName`. */
export function mirrorUrl(mirror: string, fileName: string): string {
  const url = parseUrl(mirror, '--mirror');
  if (!/\.h5$/i.test(url.pathname)) url.pathname = `${url.pathname.replace(/\/*$/, '')}/${fileName}`;
  return url.href;
}

function parseUrl(text: string, option: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FetchError('usage', `${option}: not a URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchError('usage', `${option}: only http and https URLs are supported (for a local file use --file): ${text}`);
  }
  return url;
}

function checksumMessage(what: string, actual: string, expected: string): string {
  const hint =
    actual === VGG16_WITH_TOP_MD5
      ? ' — this is the VGG16 file WITH the classifier top (same conv weights, 528 MB): use the notop file, or accept it with --md5 ' +
        VGG16_WITH_TOP_MD5
      : actual === 'd41d8cd98f00b204e9800998ecf8427e'
        ? ' — the file is empty'
        : '';
  return `${what}: md5 ${actual}, expected ${expected}${hint}`;
}

function kerasCacheDirs(): string[] {
  const dirs: string[] = [];
  if (process.env['KERAS_HOME']) dirs.push(join(process.env['KERAS_HOME'], 'models'));
  dirs.push(join(homedir(), '.keras', 'models'));
  return dirs;
}

/** The message for a host that cannot be reached: what failed, then the two ways round it. */
async function offlineMessage(cause: string, fileName: string, md5: string, cacheDirs: readonly string[]): Promise<string> {
  const cli = 'npx node tools/fetch/fetch-weights.ts';
  const lines = [
    `cannot download the weights: ${cause}.`,
    'This machine looks offline, or the host is blocked. Two ways to get the file here instead:',
    `  1. a copy you already have (another machine's ~/.keras/models/, a shared drive, ...):`,
    `       ${cli} --file /path/to/${fileName}`,
    `  2. a mirror you can reach that serves the same file (its URL, or the URL of a folder holding it):`,
    `       ${cli} --mirror https://mirror.example.org/keras-applications/vgg16/`,
    `Either way the md5 (${md5}) is checked before the file is used.`,
  ];
  for (const dir of cacheDirs) {
    const candidate = join(dir, fileName);
    if ((await fileSize(candidate)) !== undefined) lines.push(`A Keras cache copy exists here: ${cli} --file ${candidate}`);
  }
  const proxy = process.env['HTTPS_PROXY'] ?? process.env['https_proxy'] ?? process.env['HTTP_PROXY'] ?? process.env['http_proxy'];
  if (proxy && !process.env['NODE_USE_ENV_PROXY']) {
    lines.push('A proxy is set in the environment, but Node only uses it with NODE_USE_ENV_PROXY=1 (Node >= 22.21): try that.');
  }
  return lines.join('\n');
}

/** Downloads (or copies) and verifies the weights file; see the module comment. */
export async function fetchWeights(options: FetchWeightsOptions = {}): Promise<FetchWeightsResult> {
  const sources = [options.url, options.mirror, options.file].filter((s) => s !== undefined);
  if (sources.length > 1) throw new FetchError('usage', 'give at most one of --url, --mirror, --file');
  const fileName = options.fileName ?? VGG16_NOTOP_FILE;
  const md5 = (options.md5 ?? VGG16_NOTOP_MD5).toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(md5)) throw new FetchError('usage', `--md5: expected 32 hex digits, got ${JSON.stringify(options.md5)}`);
  const log = options.log ?? ((line: string) => console.log(line));
  const outDir = resolve(options.outDir ?? DEFAULT_WEIGHTS_DIR);
  const finalPath = join(outDir, fileName);
  const partPath = `${finalPath}.part`;
  const shown = relative(process.cwd(), finalPath) || finalPath;
  await mkdir(outDir, { recursive: true });

  // A local copy: verify it, then copy it into place (through .part, so a crash leaves no half file).
  if (options.file !== undefined) {
    const source = resolve(options.file);
    const size = await fileSize(source);
    if (size === undefined) throw new FetchError('usage', `--file: no such file: ${options.file}`);
    const actual = await md5File(source);
    if (actual !== md5) throw new FetchError('checksum', checksumMessage(options.file, actual, md5));
    if (source === finalPath) {
      log(`${fileName}: already in ${shown} (${formatBytes(size)}, md5 ok)`);
      return { path: finalPath, md5, bytes: size, outcome: 'present', source };
    }
    await copyFile(source, partPath);
    const copied = await md5File(partPath);
    if (copied !== md5) {
      await rm(partPath, { force: true });
      throw new FetchError('io', checksumMessage(`the copy ${partPath}`, copied, md5));
    }
    await rename(partPath, finalPath);
    log(`${fileName}: copied from ${options.file} to ${shown} (${formatBytes(size)}, md5 ok)`);
    return { path: finalPath, md5, bytes: size, outcome: 'copied', source };
  }

  const url =
    options.mirror !== undefined
      ? mirrorUrl(options.mirror, fileName)
      : options.url !== undefined
        ? parseUrl(options.url, '--url').href
        : VGG16_NOTOP_URL;

  // Already there?
  const existing = await fileSize(finalPath);
  if (existing !== undefined) {
    const actual = await md5File(finalPath);
    if (actual === md5) {
      log(`${fileName}: already in ${shown} (${formatBytes(existing)}, md5 ok)`);
      return { path: finalPath, md5, bytes: existing, outcome: 'present', source: finalPath };
    }
    log(`${checksumMessage(shown, actual, md5)}: downloading it again`);
  }

  let restartedFresh = false;
  for (;;) {
    let result;
    try {
      result = await downloadToPart(
        url,
        partPath,
        {
          ...(options.retries === undefined ? {} : { retries: options.retries }),
          ...(options.offlineRetries === undefined ? {} : { offlineRetries: options.offlineRetries }),
          ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
          ...(options.stallTimeoutMs === undefined ? {} : { stallTimeoutMs: options.stallTimeoutMs }),
          progress: options.progress ?? 'auto',
          log,
        },
        fileName,
      );
    } catch (error) {
      if (error instanceof FetchError && error.kind === 'offline') {
        throw new FetchError('offline', await offlineMessage(error.message, fileName, md5, options.kerasCacheDirs ?? kerasCacheDirs()), {
          cause: error,
        });
      }
      if (error instanceof FetchError && error.kind === 'network') {
        const kept = (await fileSize(partPath)) ?? 0;
        if (kept === 0) await rm(partPath, { force: true });
        throw new FetchError(
          'network',
          `${error.message}${kept > 0 ? `\n${formatBytes(kept)} are kept in ${partPath}: run again to resume` : ''}`,
          { cause: error },
        );
      }
      throw error;
    }
    const actual = await md5File(partPath);
    if (actual === md5) {
      await rename(partPath, finalPath);
      const resumed = result.resumedFrom > 0 ? `, resumed from ${formatBytes(result.resumedFrom)}` : '';
      log(`${fileName}: saved ${shown} (${formatBytes(result.bytes)}, md5 ok${resumed})`);
      return {
        path: finalPath,
        md5,
        bytes: result.bytes,
        outcome: 'downloaded',
        source: url,
        resumedFrom: result.resumedFrom,
        requests: result.requests,
      };
    }
    await rm(partPath, { force: true });
    if (result.resumedFrom > 0 && !restartedFresh) {
      // The part file came from an earlier run, perhaps of another file or version: try once from zero.
      log(`${checksumMessage(fileName, actual, md5)} after resuming an earlier partial download: downloading it whole`);
      restartedFresh = true;
      continue;
    }
    throw new FetchError('checksum', `${checksumMessage(`${fileName} from ${url}`, actual, md5)} (nothing was saved)`);
  }
}

const USAGE = `usage: npx node tools/fetch/fetch-weights.ts [--url URL | --mirror URL | --file PATH] [--out DIR] [--md5 HEX] [--retries N] [--quiet]

Downloads Keras's VGG16 ImageNet weights (conv base, "notop") to models/weights/${VGG16_NOTOP_FILE},
resuming an interrupted download, and checks the md5 Keras checks (${VGG16_NOTOP_MD5}).
  --url URL      download from this URL instead of ${VGG16_NOTOP_URL}
  --mirror URL   a mirror: the file's URL, or a folder URL holding ${VGG16_NOTOP_FILE}
  --file PATH    use a local copy (checked, then copied)
  --out DIR      output folder (default models/weights)
  --md5 HEX      expected md5 (default ${VGG16_NOTOP_MD5})
  --retries N    transient failures in a row before giving up (default 5)
  --quiet        no progress output`;

export async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        url: { type: 'string' },
        mirror: { type: 'string' },
        file: { type: 'string' },
        out: { type: 'string' },
        md5: { type: 'string' },
        retries: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const retries = values.retries === undefined ? undefined : Number(values.retries);
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0)) {
    console.error(`--retries: expected a whole number, got ${values.retries}`);
    return 2;
  }
  try {
    const result = await fetchWeights({
      ...(values.url === undefined ? {} : { url: values.url }),
      ...(values.mirror === undefined ? {} : { mirror: values.mirror }),
      ...(values.file === undefined ? {} : { file: values.file }),
      ...(values.out === undefined ? {} : { outDir: values.out }),
      ...(values.md5 === undefined ? {} : { md5: values.md5 }),
      ...(retries === undefined ? {} : { retries }),
      progress: values.quiet ? 'none' : 'auto',
      log: values.quiet ? () => {} : (line) => console.log(line),
    });
    if (values.quiet) console.log(result.path);
    return 0;
  } catch (error) {
    if (error instanceof FetchError) {
      console.error(`error: ${error.message}`);
      return error.kind === 'usage' ? 2 : 1;
    }
    throw error;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
