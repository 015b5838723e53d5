/**
 * A deliberately naive VGG forward pass in float64, straight from the Keras definitions: NHWC activations,
 * HWIO kernels used as stored (no OIHW conversion), Conv2D 'same' = cross-correlation with 1 pixel of zero
 * padding, ReLU, MaxPooling2D 2x2/2 'valid' (floor), GlobalAveragePooling2D. Shares no code with the builder.
 */
import type { KerasConvWeights } from '../../tools/model/vgg16.ts';

export interface ReferenceMutation {
  /** Use the kernel rotated by 180 degrees (true convolution instead of Keras's correlation). */
  readonly flipKernel?: boolean;
  /** Read the input as if it were NCHW (channel planes) instead of NHWC. */
  readonly inputAsNchw?: boolean;
}

interface Activation {
  h: number;
  w: number;
  c: number;
  data: Float64Array; // NHWC, batch 1
}

function conv3x3SameRelu(x: Activation, weights: KerasConvWeights, flip: boolean): Activation {
  const cout = weights.bias.length;
  const out = new Float64Array(x.h * x.w * cout);
  for (let y = 0; y < x.h; y++) {
    for (let xx = 0; xx < x.w; xx++) {
      for (let o = 0; o < cout; o++) {
        let sum = weights.bias[o]!;
        for (let dy = 0; dy < 3; dy++) {
          const sy = y + dy - 1;
          if (sy < 0 || sy >= x.h) continue;
          for (let dx = 0; dx < 3; dx++) {
            const sx = xx + dx - 1;
            if (sx < 0 || sx >= x.w) continue;
            const ky = flip ? 2 - dy : dy;
            const kx = flip ? 2 - dx : dx;
            for (let i = 0; i < x.c; i++) {
              sum += x.data[(sy * x.w + sx) * x.c + i]! * weights.kernel[((ky * 3 + kx) * x.c + i) * cout + o]!;
            }
          }
        }
        out[(y * x.w + xx) * cout + o] = Math.max(sum, 0);
      }
    }
  }
  return { h: x.h, w: x.w, c: cout, data: out };
}

function maxPool2x2(x: Activation): Activation {
  const h = Math.floor(x.h / 2);
  const w = Math.floor(x.w / 2);
  const out = new Float64Array(h * w * x.c);
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      for (let c = 0; c < x.c; c++) {
        let m = -Infinity;
        for (let dy = 0; dy < 2; dy++) {
          for (let dx = 0; dx < 2; dx++) m = Math.max(m, x.data[((2 * y + dy) * x.w + 2 * xx + dx) * x.c + c]!);
        }
        out[(y * w + xx) * x.c + c] = m;
      }
    }
  }
  return { h, w, c: x.c, data: out };
}

function globalAveragePool(x: Activation): Float64Array {
  const out = new Float64Array(x.c);
  for (let p = 0; p < x.h * x.w; p++) for (let c = 0; c < x.c; c++) out[c]! += x.data[p * x.c + c]!;
  return out.map((v) => v / (x.h * x.w));
}

export function referenceVgg(
  input: Float32Array,
  height: number,
  width: number,
  blocks: readonly (readonly number[])[],
  weights: ReadonlyMap<string, KerasConvWeights>,
  mutation: ReferenceMutation = {},
): Float64Array {
  const c = 3;
  const data = new Float64Array(height * width * c);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let ch = 0; ch < c; ch++) {
        data[(y * width + x) * c + ch] = mutation.inputAsNchw ? input[(ch * height + y) * width + x]! : input[(y * width + x) * c + ch]!;
      }
    }
  }
  let act: Activation = { h: height, w: width, c, data };
  blocks.forEach((block, b) => {
    block.forEach((_, i) => {
      const w = weights.get(`block${b + 1}_conv${i + 1}`);
      if (w === undefined) throw new Error(`no weights for block${b + 1}_conv${i + 1}`);
      act = conv3x3SameRelu(act, w, mutation.flipKernel ?? false);
    });
    act = maxPool2x2(act);
  });
  return globalAveragePool(act);
}
