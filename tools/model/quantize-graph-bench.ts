/**
 * MobileNetV2-1.4 (nsfwjs) fp32 vs its int8 QDQ forms (quantize-graph-mobilenet.ts) in onnxruntime-web
 * (wasm, 1 thread, in Node): time per image, session creation, file sizes, fidelity, retrieval agreement.
 *
 *   taskset -c 1 npx node tools/model/quantize-graph-bench.ts [--runs 9] [--warmup 2] [--variants fp32,int8,...]
 *
 * Variants: fp32 (always run: the reference); int8 (the quantizeMobilenetNsfwjs model: grid weights);
 * int8-per-channel (weights requantised per output channel); int8-tail13 / int8-tail16 / int8-conv1 (only the
 * convs from expanded_conv_13 / expanded_conv_16 / Conv_1 on in int8: in wasm the int8 depthwise convs are
 * what loses time). onnxruntime-node (native) timings of the same models alongside (--no-node to skip).
 *
 * Timing: every session is created first, then each round runs every variant once on the same image, in an
 * order rotated round by round; the median of --runs rounds after --warmup. Fidelity: cosine of each
 * variant's vector to the fp32 vector (both onnxruntime-web) on the calibration images and on the 22 keras224
 * fixture arrays (/work/shared/fixtures/keras224, or --fixtures). Retrieval: for each chelsea variant, its
 * nearest neighbour among the arrays that are not byte-identical to it, and among the non-chelsea photos, in
 * fp32 and in the variant (judged by content: byte-identical copies tie exactly), with fp32's margin between its
 * first and second neighbour of different content.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mean, median } from '../../src/core/util/stats.ts';
import { cosine } from '../../src/core/vector/metrics.ts';
import { buildMobilenetV2Nsfwjs } from '../convert/mobilenet-v2-nsfwjs.ts';
import { loadCalibrationSet } from './calibration-set.ts';
import { serializeModel, type ModelSpec, type SerializedModel } from './onnx-writer.ts';
import { openSession, type ToolSession } from './ort-sessions.ts';
import { QUANT_GRAPH_SERIALIZE_OPTIONS, type QuantizeGraphOptions } from './quantize-graph.ts';
import { convsBefore, quantizeMobilenetNsfwjs, unitRgbTensor } from './quantize-graph-mobilenet.ts';

const SHAPE = [1, 224, 224, 3];
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '9' },
    warmup: { type: 'string', default: '2' },
    variants: { type: 'string', default: 'fp32,int8,int8-per-channel,int8-tail13,int8-tail16' },
    fixtures: { type: 'string', default: resolve(import.meta.dirname, '..', '..', '..', 'shared', 'fixtures', 'keras224') },
    node: { type: 'boolean', default: true },
    'no-node': { type: 'boolean', default: false },
  },
});

const sizeOf = (m: SerializedModel): number => m.model.byteLength + m.dataFiles.reduce((s, f) => s + f.bytes.byteLength, 0);

const fp32Spec = buildMobilenetV2Nsfwjs().spec;
const before = (prefix: string): string[] => convsBefore(fp32Spec, prefix);

const VARIANTS: Record<string, QuantizeGraphOptions | 'fp32'> = {
  fp32: 'fp32',
  int8: {},
  'int8-per-channel': { weights: 'per-channel' },
  'int8-tail13': { excludeConvs: before('MobilenetV2/expanded_conv_13/') },
  'int8-tail16': { excludeConvs: before('MobilenetV2/expanded_conv_16/') },
  'int8-conv1': { excludeConvs: before('MobilenetV2/Conv_1/') },
};

const names = ['fp32', ...values.variants.split(',').filter((n) => n !== 'fp32')]; // fp32 is the reference
const specs = new Map<string, ModelSpec>();
for (const name of names) {
  const v = VARIANTS[name];
  if (v === undefined) throw new Error(`unknown variant ${name}; known: ${Object.keys(VARIANTS).join(', ')}`);
  specs.set(name, v === 'fp32' ? fp32Spec : (await quantizeMobilenetNsfwjs({ quant: v })).spec);
}
const models = new Map(
  [...specs].map(([n, s]) => [n, n === 'fp32' ? serializeModel(s) : serializeModel(s, QUANT_GRAPH_SERIALIZE_OPTIONS)]),
);

const calibration = (await loadCalibrationSet()).map((im) => ({ name: im.name, x: unitRgbTensor(im.rgb) }));
const manifest = JSON.parse(readFileSync(join(values.fixtures, 'manifest.json'), 'utf8')) as Record<string, { sha256: string }>;
const fixtureNames = Object.keys(manifest).sort();
const fixtures = fixtureNames.map((n) => unitRgbTensor(new Uint8Array(readFileSync(join(values.fixtures, `${n}.rgb`)))));

interface Timing {
  /** Median ms per image. */
  readonly ms: Map<string, number>;
  /** Fastest run (least disturbed by other load). */
  readonly minMs: Map<string, number>;
  /** Median over rounds of (this variant's time / fp32's time in the same round). */
  readonly ratio: Map<string, number>;
  readonly createMs: Map<string, number>;
  readonly sessions: Map<string, ToolSession>;
}

async function timeSessions(engine: 'web' | 'node'): Promise<Timing> {
  const sessions = new Map<string, ToolSession>();
  const createMs = new Map<string, number>();
  for (const [name, model] of models) {
    const t = performance.now();
    sessions.set(name, await openSession(engine, model));
    createMs.set(name, performance.now() - t);
  }
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  const times = new Map(names.map((n) => [n, [] as number[]]));
  const x = calibration[0]!.x;
  for (let round = 0; round < warmup + runs; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]!;
      const t = performance.now();
      await sessions.get(name)!.run(x, SHAPE);
      if (round >= warmup) times.get(name)!.push(performance.now() - t);
    }
  }
  const base = times.get('fp32');
  return {
    ms: new Map([...times].map(([n, t]) => [n, median(t)])),
    minMs: new Map([...times].map(([n, t]) => [n, Math.min(...t)])),
    ratio: new Map([...times].map(([n, t]) => [n, base === undefined ? NaN : median(t.map((v, i) => v / base[i]!))])),
    createMs,
    sessions,
  };
}

const web = await timeSessions('web');
const nodeMs = values.node && !values['no-node'] ? await timeSessions('node') : undefined;
if (nodeMs !== undefined) for (const s of nodeMs.sessions.values()) await s.release();

const embed = async (name: string, inputs: readonly Float32Array[]): Promise<Float32Array[]> => {
  const out: Float32Array[] = [];
  for (const x of inputs) out.push((await web.sessions.get(name)!.run(x, SHAPE))['features'] as Float32Array);
  return out;
};
const refCal = await embed(
  'fp32',
  calibration.map((c) => c.x),
);
const refFix = await embed(
  'fp32',
  fixtureNames.map((_, i) => fixtures[i]!),
);

interface Neighbour {
  /** The nearest array's name (the first in name order among byte-identical copies). */
  readonly name: string;
  /** Its content (sha256): what agreement is judged on, since byte-identical copies tie exactly. */
  readonly sha: string;
  readonly cos: number;
  /** Cosine gap to the nearest array of different content. */
  readonly margin: number;
}
const shaOf = (j: number): string => manifest[fixtureNames[j]!]!.sha256;
function nearest(vectors: readonly Float32Array[], i: number, accept: (j: number) => boolean): Neighbour {
  const sims = fixtureNames
    .map((n, j) => ({ n, j, c: cosine(vectors[i]!, vectors[j]!) }))
    .filter(({ j }) => shaOf(j) !== shaOf(i) && accept(j))
    .sort((a, b) => b.c - a.c || (a.n < b.n ? -1 : 1));
  const top = sims[0]!;
  const second = sims.find((s) => shaOf(s.j) !== shaOf(top.j))!;
  return { name: top.n, sha: shaOf(top.j), cos: top.c, margin: top.c - second.c };
}
const chelsea = fixtureNames.map((n, i) => [n, i] as const).filter(([n]) => n.startsWith('chelsea'));
const isOther = (j: number): boolean => !fixtureNames[j]!.startsWith('chelsea');

console.log(
  `MobileNetV2-1.4 nsfwjs, onnxruntime-web wasm 1 thread (Node ${process.version}), median of ${values.runs} rounds after ${values.warmup} (rotated order; x fp32 = median of per-round ratios)` +
    (nodeMs ? '; onnxruntime-node 1 thread alongside' : ''),
);
console.log(
  `${'variant'.padEnd(18)} ${'web ms'.padStart(7)} ${'min'.padStart(6)} ${'x fp32'.padStart(7)} ${'create'.padStart(7)} ${'node ms'.padStart(8)} ${'x fp32'.padStart(7)} ${'MiB'.padStart(6)}  calib cos mean/min   keras224 cos mean/min`,
);
for (const name of names) {
  const cal = await embed(
    name,
    calibration.map((c) => c.x),
  );
  const fix = await embed(name, fixtures);
  const cc = cal.map((v, i) => cosine(refCal[i]!, v));
  const fc = fix.map((v, i) => cosine(refFix[i]!, v));
  console.log(
    `${name.padEnd(18)} ${web.ms.get(name)!.toFixed(1).padStart(7)} ${web.minMs.get(name)!.toFixed(1).padStart(6)} ${web.ratio.get(name)!.toFixed(2).padStart(7)} ` +
      `${web.createMs.get(name)!.toFixed(0).padStart(7)} ${(nodeMs?.ms.get(name)?.toFixed(1) ?? '-').padStart(8)} ${(nodeMs?.ratio.get(name)?.toFixed(2) ?? '-').padStart(7)} ` +
      `${(sizeOf(models.get(name)!) / 2 ** 20).toFixed(2).padStart(6)}  ${mean(cc).toFixed(5)}/${Math.min(...cc).toFixed(5)}     ${mean(fc).toFixed(5)}/${Math.min(...fc).toFixed(5)}`,
  );
  if (name === 'fp32') continue;
  console.log(`    per calibration image: ${calibration.map((c, i) => `${c.name} ${cc[i]!.toFixed(5)}`).join(', ')}`);
  let sameAll = 0;
  let sameOther = 0;
  let chelseaNn = 0;
  const lines: string[] = [];
  for (const [n, i] of chelsea) {
    const fa = nearest(refFix, i, () => true);
    const qa = nearest(fix, i, () => true);
    const fo = nearest(refFix, i, isOther);
    const qo = nearest(fix, i, isOther);
    if (fa.sha === qa.sha) sameAll++;
    if (fo.sha === qo.sha) sameOther++;
    if (qa.name.startsWith('chelsea')) chelseaNn++;
    lines.push(
      `      ${n.padEnd(24)} NN fp32 ${fa.name} (margin ${fa.margin.toFixed(4)}) ${fa.sha === qa.sha ? '=' : `!= ${qa.name}`}` +
        `; nearest other photo ${fo.name} ${fo.sha === qo.sha ? '=' : `!= ${qo.name}`} (cos ${fo.cos.toFixed(3)} vs ${qo.cos.toFixed(3)})`,
    );
  }
  console.log(
    `    retrieval: NN among non-identical arrays same as fp32 for ${sameAll}/${chelsea.length} chelsea variants (a chelsea variant for ${chelseaNn}/${chelsea.length}); ` +
      `nearest non-chelsea photo same for ${sameOther}/${chelsea.length}`,
  );
  for (const l of lines) console.log(l);
}
for (const s of web.sessions.values()) await s.release();
