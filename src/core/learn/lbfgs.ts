/**
 * @module L-BFGS minimisation (limited-memory BFGS, two-loop recursion, backtracking Armijo line search):
 * deterministic, allocation-free after setup, float64 throughout.
 */

/** Writes the gradient at `x` into `grad` and returns the objective. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  maxIter?: number;
  /** Stop when max |gradient| falls below this (scipy's `pgtol`). */
  gradientTolerance?: number;
  /** Stop when the objective improves by less than this, relative (scipy's `ftol`). */
  valueTolerance?: number;
  memory?: number;
}

export interface LbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
}

const ARMIJO = 1e-4;
const MAX_BACKTRACKS = 40;

function dotN(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

export function lbfgs(objective: Objective, start: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const { maxIter = 200, gradientTolerance = 1e-6, valueTolerance = 1e-10, memory = 10 } = options;
  const n = start.length;
  const x = Float64Array.from(start);
  const grad = new Float64Array(n);
  const nextX = new Float64Array(n);
  const nextGrad = new Float64Array(n);
  const direction = new Float64Array(n);
  const s = Array.from({ length: memory }, () => new Float64Array(n));
  const y = Array.from({ length: memory }, () => new Float64Array(n));
  const rho = new Float64Array(memory);
  const alpha = new Float64Array(memory);
  let stored = 0;
  let head = 0;
  let value = objective(x, grad);
  let iterations = 0;
  while (iterations < maxIter && maxAbs(grad) > gradientTolerance) {
    iterations++;
    // Two-loop recursion: direction = -H * grad.
    for (let i = 0; i < n; i++) direction[i] = -grad[i]!;
    for (let k = 0; k < stored; k++) {
      const slot = (head - 1 - k + memory) % memory;
      const a = rho[slot]! * dotN(s[slot]!, direction);
      alpha[slot] = a;
      const ys = y[slot]!;
      for (let i = 0; i < n; i++) direction[i] = direction[i]! - a * ys[i]!;
    }
    if (stored > 0) {
      const last = (head - 1 + memory) % memory;
      const gamma = dotN(s[last]!, y[last]!) / dotN(y[last]!, y[last]!);
      for (let i = 0; i < n; i++) direction[i] = direction[i]! * gamma;
    }
    for (let k = stored - 1; k >= 0; k--) {
      const slot = (head - 1 - k + memory) % memory;
      const b = rho[slot]! * dotN(y[slot]!, direction);
      const ss = s[slot]!;
      const a = alpha[slot]!;
      for (let i = 0; i < n; i++) direction[i] = direction[i]! + (a - b) * ss[i]!;
    }
    let slope = dotN(grad, direction);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      stored = 0;
      for (let i = 0; i < n; i++) direction[i] = -grad[i]!;
      slope = dotN(grad, direction);
    }
    let step = stored === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    let nextValue = Number.POSITIVE_INFINITY;
    let accepted = false;
    for (let t = 0; t < MAX_BACKTRACKS; t++) {
      for (let i = 0; i < n; i++) nextX[i] = x[i]! + step * direction[i]!;
      nextValue = objective(nextX, nextGrad);
      if (nextValue <= value + ARMIJO * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    // Curvature pair; skipped when it would break positive definiteness.
    const slot = head;
    const ss = s[slot]!;
    const ys = y[slot]!;
    for (let i = 0; i < n; i++) {
      ss[i] = nextX[i]! - x[i]!;
      ys[i] = nextGrad[i]! - grad[i]!;
    }
    const sy = dotN(ss, ys);
    if (sy > 1e-12 * Math.sqrt(dotN(ys, ys) * dotN(ss, ss))) {
      rho[slot] = 1 / sy;
      head = (head + 1) % memory;
      stored = Math.min(stored + 1, memory);
    }
    const improvement = value - nextValue;
    x.set(nextX);
    grad.set(nextGrad);
    value = nextValue;
    if (improvement <= valueTolerance * Math.max(Math.abs(value), 1)) break;
  }
  return { x, value, iterations };
}
