/**
 * @module Activation-range calibration for static int8 quantisation of VGG16.
 *
 * The fp32 graph (the one the builder writes) is run with every conv layer's ReLU output added as a graph
 * output, one calibration image at a time, in onnxruntime-node, single-threaded. Each ReLU output's range is
 * [0, hi]: `hi` is its maximum over all images ('minmax') or a percentile of all its values, zeros included
 * ('percentile', two passes: maxima, then a histogram over [0, max]). The pools need no range of their
 * own: a max-pool keeps its input's quantisation.
 *
 * Reproducibility: onnxruntime-node gives the same floats run after run on one machine, but other CPUs
 * (AVX2 vs AVX-512 vs NEON kernels) can sum in another order: onnxruntime-node (AVX-512) and onnxruntime-web
 * (wasm) put the ranges of the synthetic VGG16 up to 6e-7 (relative) apart. Every range is therefore rounded
 * UP to a coarse grid (`significantBits` significant binary digits, default 6: steps of 1.6-3.1 %), so a
 * wobble changes the result only if the value sits within the wobble of a grid point (odds ~1e-3 per
 * model); `--check` builds would then fail loudly. Widening a range by at most 3 % costs < 0.05 bit.
 * `engine: 'web'` calibrates in wasm instead, which is bit-reproducible on any CPU but ~5x slower.
 */
import { caffeInputRange } from './calibration-set.ts';
import { serializeModel } from './onnx-writer.ts';
import { openSession, type Engine } from './ort-sessions.ts';
import { buildVgg16Graph, vgg16Layers, type KerasConvWeights, type Vgg16Config } from './vgg16.ts';

export type CalibrationMethod = 'minmax' | 'percentile';

export interface CalibrationOptions {
  /** Default 'percentile'. */
  readonly method?: CalibrationMethod;
  /** For 'percentile': the percentile of all values of a layer's output, in (0, 100]. Default 99.999. */
  readonly percentile?: number;
  /** Significant bits of the rounded ranges (default 6); 0 keeps the raw floats (analysis only). */
  readonly significantBits?: number;
  /** The network input's range; default: every caffe-preprocessed image's ([-123.68, 151.061]). */
  readonly inputRange?: readonly [number, number];
  /** Engine that runs the fp32 model (default 'node'; 'web' is ~7x slower). */
  readonly engine?: Engine;
  /** Histogram bins for 'percentile' (default 16384). */
  readonly bins?: number;
}

/** What the quantiser needs: the input's range and each conv layer's post-ReLU upper bound. */
export interface ActivationRanges {
  /** How the ranges were found, e.g. `percentile 99.999` or `minmax`. */
  readonly method: string;
  readonly input: readonly [number, number];
  /** Keras layer name -> upper end of its ReLU output's range (the lower end is 0). */
  readonly layers: Readonly<Record<string, number>>;
}

export interface CalibrationResult {
  readonly ranges: ActivationRanges;
  /** The unrounded values (for reports). */
  readonly raw: Readonly<Record<string, number>>;
  /** Each layer's maximum over all images (unrounded). */
  readonly maxima: Readonly<Record<string, number>>;
}

export const DEFAULT_CALIBRATION: Required<Omit<CalibrationOptions, 'inputRange'>> = {
  method: 'percentile',
  percentile: 99.999,
  significantBits: 6,
  engine: 'node',
  bins: 16384,
};

/** Rounds a positive value up to the nearest number with `bits` significant binary digits (exact arithmetic). */
export function ceilToSignificantBits(value: number, bits: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`cannot round ${value}`);
  if (bits <= 0) return value;
  let exponent = Math.floor(Math.log2(value));
  if (2 ** exponent > value) exponent--;
  if (2 ** (exponent + 1) <= value) exponent++;
  const quantum = 2 ** (exponent - bits + 1);
  return Math.ceil(value / quantum) * quantum;
}

function describe(options: typeof DEFAULT_CALIBRATION): string {
  const base = options.method === 'minmax' ? 'minmax' : `percentile ${options.percentile}`;
  return options.significantBits > 0 ? `${base}, ceil to ${options.significantBits} significant bits` : base;
}

/**
 * Calibrates the activation ranges of the VGG16 described by `config` and `weights` (Keras HWIO) on
 * caffe-preprocessed NHWC inputs of shape [1, height, width, 3].
 */
export async function calibrateVgg16(
  config: Vgg16Config,
  weights: ReadonlyMap<string, KerasConvWeights>,
  inputs: readonly Float32Array[],
  options: CalibrationOptions = {},
): Promise<CalibrationResult> {
  const opts = { ...DEFAULT_CALIBRATION, ...options };
  if (inputs.length === 0) throw new Error('calibration needs at least one input');
  if (opts.method === 'percentile' && !(opts.percentile > 0 && opts.percentile <= 100)) {
    throw new Error(`percentile must be in (0, 100], got ${opts.percentile}`);
  }
  const layers = vgg16Layers(config);
  const channels = config.inputChannels ?? 3;
  const shape = [1, config.height, config.width, channels];
  for (const input of inputs) {
    if (input.length !== config.height * config.width * channels) {
      throw new Error(`calibration input has ${input.length} values, expected ${shape.join('x')}`);
    }
  }
  const graph = buildVgg16Graph(config, weights, { name: 'vgg16-calibration' });
  const probes = layers.map((l) => l.name);
  const model = serializeModel({
    graph: {
      ...graph,
      outputs: [
        ...graph.outputs,
        ...layers.map((l) => ({ name: l.name, elementType: 'float32' as const, shape: [1, l.outChannels, l.height, l.width] })),
      ],
    },
  });
  const session = await openSession(opts.engine, model);
  const maxima: Record<string, number> = Object.fromEntries(probes.map((p) => [p, 0]));
  const raw: Record<string, number> = {};
  try {
    for (const input of inputs) {
      const out = await session.run(input, shape, probes);
      for (const name of probes) {
        const data = out[name]!;
        let m = maxima[name]!;
        for (let i = 0; i < data.length; i++) if (data[i]! > m) m = data[i]!;
        maxima[name] = m;
      }
    }
    if (opts.method === 'minmax') {
      Object.assign(raw, maxima);
    } else {
      const histograms = new Map(probes.map((p) => [p, new Float64Array(opts.bins)]));
      let counts = 0;
      for (const input of inputs) {
        const out = await session.run(input, shape, probes);
        for (const name of probes) {
          const data = out[name]!;
          const hist = histograms.get(name)!;
          const max = maxima[name]!;
          const perBin = max > 0 ? opts.bins / max : 0;
          for (let i = 0; i < data.length; i++) {
            const v = data[i]!;
            hist[v >= max ? opts.bins - 1 : Math.floor(v * perBin)]! += 1;
          }
        }
        counts++;
      }
      if (counts !== inputs.length) throw new Error('internal: histogram pass');
      for (const name of probes) {
        const hist = histograms.get(name)!;
        const total = hist.reduce((a, b) => a + b, 0);
        const target = Math.ceil((opts.percentile / 100) * total);
        let cumulative = 0;
        let bin = 0;
        for (; bin < opts.bins; bin++) {
          cumulative += hist[bin]!;
          if (cumulative >= target) break;
        }
        // Upper edge of the bin that holds the percentile.
        raw[name] = Math.min(maxima[name]!, ((bin + 1) * maxima[name]!) / opts.bins);
      }
    }
  } finally {
    await session.release();
  }
  const layerRanges: Record<string, number> = {};
  for (const name of probes) {
    const value = raw[name]!;
    // A layer that is all zeros on every image still needs a positive scale.
    layerRanges[name] = value > 0 ? ceilToSignificantBits(value, opts.significantBits) : 1;
  }
  return {
    ranges: { method: describe(opts), input: options.inputRange ?? caffeInputRange(), layers: layerRanges },
    raw,
    maxima,
  };
}
