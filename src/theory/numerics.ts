/**
 * Scalar numerics in float64 for the theory module: special functions, a 1-d minimiser,
 * and Monte-Carlo bookkeeping. Written out here so every number the theory tests compare
 * against comes from code that is itself tested (no external numeric libraries).
 */

const SQRT_PI = Math.sqrt(Math.PI);

/** Complementary error function, accurate to ~1e-15 relative for all x. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) return 1 - erfPositiveSeries(x);
  return erfcContinuedFraction(x);
}

/** erf(x) = 2/sqrt(pi) e^{-x^2} sum 2^n x^{2n+1} / (1*3*...*(2n+1)); all terms positive, so no cancellation. */
function erfPositiveSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return (2 / SQRT_PI) * Math.exp(-x2) * sum;
}

/** erfc(x) = e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), modified Lentz. */
function erfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (SQRT_PI * f);
}

/** Standard normal cumulative distribution function Phi. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Standard normal density. */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Gamma(x) for x > 0 (Lanczos, g = 7), ~1e-15 relative. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS_COEFFICIENTS[0];
  const t = z + LANCZOS_G + 0.5;
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) a += LANCZOS_COEFFICIENTS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised incomplete beta function I_x(a, b) (continued fraction, Numerical Recipes 6.4). */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  d = Math.abs(d) < tiny ? tiny : d;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = 1 + aa / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = 1 + aa / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** Composite Simpson rule with `intervals` (made even) subintervals. */
export function simpson(f: (t: number) => number, a: number, b: number, intervals = 2000): number {
  const n = intervals % 2 === 0 ? intervals : intervals + 1;
  const h = (b - a) / n;
  let sum = f(a) + f(b);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

export interface ScalarMinimum {
  readonly argument: number;
  readonly value: number;
}

/** Golden-section search for a minimum of a unimodal f on [a, b]. */
export function goldenSectionMinimize(f: (t: number) => number, a: number, b: number, tolerance = 1e-12): ScalarMinimum {
  const invPhi = (Math.sqrt(5) - 1) / 2;
  let lo = a;
  let hi = b;
  let c = hi - invPhi * (hi - lo);
  let d = lo + invPhi * (hi - lo);
  let fc = f(c);
  let fd = f(d);
  while (hi - lo > tolerance * (1 + Math.abs(lo) + Math.abs(hi))) {
    if (fc <= fd) {
      hi = d;
      d = c;
      fd = fc;
      c = hi - invPhi * (hi - lo);
      fc = f(c);
    } else {
      lo = c;
      c = d;
      fc = fd;
      d = lo + invPhi * (hi - lo);
      fd = f(d);
    }
  }
  const candidates: ScalarMinimum[] = [
    { argument: a, value: f(a) },
    { argument: b, value: f(b) },
    { argument: (lo + hi) / 2, value: f((lo + hi) / 2) },
  ];
  return candidates.reduce((best, next) => (next.value < best.value ? next : best));
}

/**
 * Minimum of f on [a, b] by a grid scan followed by golden-section refinement in the best grid
 * cell's neighbourhood: robust for functions that are only locally unimodal.
 */
export function gridThenGoldenMinimize(f: (t: number) => number, a: number, b: number, gridPoints = 2001): ScalarMinimum {
  let bestIndex = 0;
  let bestValue = Infinity;
  const h = (b - a) / (gridPoints - 1);
  for (let i = 0; i < gridPoints; i++) {
    const v = f(a + i * h);
    if (v < bestValue) {
      bestValue = v;
      bestIndex = i;
    }
  }
  const lo = a + Math.max(0, bestIndex - 1) * h;
  const hi = a + Math.min(gridPoints - 1, bestIndex + 1) * h;
  return goldenSectionMinimize(f, lo, hi);
}

/** Root of a continuous f between two points where it has opposite signs, by bisection to machine precision. */
export function bisectRoot(f: (t: number) => number, from: number, to: number): number {
  let a = Math.min(from, to);
  let b = Math.max(from, to);
  let fa = f(a);
  for (let i = 0; i < 2000; i++) {
    const m = 0.5 * (a + b);
    if (m <= a || m >= b) break;
    const fm = f(m);
    if (fm === 0) return m;
    if (fa < 0 === fm < 0) {
      a = m;
      fa = fm;
    } else {
      b = m;
    }
  }
  return 0.5 * (a + b);
}

export interface MonteCarloEstimate {
  readonly mean: number;
  readonly standardError: number;
  readonly samples: number;
}

/** Streaming mean and standard error (Welford), so long Monte-Carlo runs need O(1) memory. */
export class RunningMean {
  private count = 0;
  private mu = 0;
  private m2 = 0;

  add(value: number): void {
    this.count += 1;
    const delta = value - this.mu;
    this.mu += delta / this.count;
    this.m2 += delta * (value - this.mu);
  }

  estimate(): MonteCarloEstimate {
    const variance = this.count > 1 ? this.m2 / (this.count - 1) : NaN;
    return { mean: this.mu, standardError: Math.sqrt(variance / this.count), samples: this.count };
  }
}
