/**
 * Converts nsfwjs's MobileNetV2 1.4 feature-vector subgraph to ONNX and writes it, for trying it out.
 *
 *   npx node tools/convert/mobilenet.ts --out DIR [--max-file-mib N]
 *
 * Writes DIR/model.onnx, DIR/model.data.N and DIR/manifest.json (the full manifest, files included), and
 * prints a summary on stderr. Exit status 2: bad arguments.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ModelManifest } from '../../src/core/model/manifest.ts';
import { sha256Hex, writeFileAtomic } from '../model/files.ts';
import { serializeModel } from '../model/onnx-writer.ts';
import { buildMobilenetV2Nsfwjs } from './mobilenet-v2-nsfwjs.ts';

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: node tools/convert/mobilenet.ts --out DIR [--max-file-mib N]\n`);
  process.exit(2);
}

let values;
try {
  values = parseArgs({
    options: { out: { type: 'string' }, 'max-file-mib': { type: 'string' } },
    strict: true,
    allowPositionals: false,
  }).values;
} catch (error) {
  usage((error as Error).message);
}
const out = resolve(values.out ?? usage('--out is required'));
const maxMib = values['max-file-mib'] === undefined ? undefined : Number(values['max-file-mib']);
if (maxMib !== undefined && !(maxMib > 0)) usage('--max-file-mib must be a positive number');

const started = performance.now();
const built = buildMobilenetV2Nsfwjs();
const converted = performance.now();
const serialized = serializeModel(built.spec, maxMib === undefined ? {} : { maxFileBytes: Math.floor(maxMib * 1024 * 1024) });
const files = [{ path: 'model.onnx', bytes: serialized.model }, ...serialized.dataFiles];
for (const file of files) await writeFileAtomic(join(out, file.path), file.bytes);
const entry = (f: { path: string; bytes: Uint8Array }) => ({ path: f.path, bytes: f.bytes.byteLength, sha256: sha256Hex(f.bytes) });
const manifest: ModelManifest = {
  ...built.manifestFields,
  graph: entry(files[0]!),
  externalData: serialized.dataFiles.map(entry),
};
await writeFileAtomic(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

const { conversion, source } = built;
process.stderr.write(
  `source: nsfwjs@${source.packageVersion} ${source.dir} (sha256 ${source.sha256.slice(0, 16)}…)\n` +
    `TF ops:   ${JSON.stringify(conversion.tfOps)}\n` +
    `ONNX ops: ${JSON.stringify(conversion.onnxOps)}\n` +
    `parameters ${conversion.parameters}, ${(conversion.macs / 1e6).toFixed(1)} MMAC, output [${conversion.outputShape.join(', ')}]\n` +
    `converted in ${(converted - started).toFixed(0)} ms, serialized in ${(performance.now() - converted).toFixed(0)} ms\n` +
    files.map((f) => `  ${join(out, f.path)}  ${f.bytes.byteLength} bytes\n`).join('') +
    `  ${join(out, 'manifest.json')}\n`,
);
