/**
 * Where does the regime change? Besides the predicted eta_c = 2 / s_GF, fit the
 * transition from the measured final values of a sweep:
 *  - sharpness: constant (flow-aligned) left of eta_c, a / eta (EoS) right of it,
 *    least squares in log space; eta_c is where the two pieces meet;
 *  - norm: constant left, linear increase right (a hinge), least squares.
 * Both return null when the data do not show a transition.
 */

export interface Point {
  lr: number;
  value: number;
}

const MIN_IMPROVEMENT = 0.5;

export function fitSharpnessTransition(points: Point[]): number | null {
  const pts = points.filter((p) => p.value > 0 && p.lr > 0).sort((a, b) => a.lr - b.lr);
  if (pts.length < 4) return null;
  const logs = pts.map((p) => Math.log(p.value));
  const meanAll = logs.reduce((a, b) => a + b, 0) / logs.length;
  const sseConstant = logs.reduce((a, b) => a + (b - meanAll) ** 2, 0);
  let best: { sse: number; lr: number } | null = null;
  for (let m = 2; m <= pts.length - 2; m++) {
    const left = logs.slice(0, m);
    const c = left.reduce((a, b) => a + b, 0) / m;
    // log S = log a - log eta on the right: log a is the mean of log(S * eta).
    const right = pts.slice(m).map((p) => Math.log(p.value * p.lr));
    const logA = right.reduce((a, b) => a + b, 0) / right.length;
    const sse = left.reduce((s, v) => s + (v - c) ** 2, 0) + pts.slice(m).reduce((s, p) => s + (Math.log(p.value) - (logA - Math.log(p.lr))) ** 2, 0);
    const lr = Math.min(Math.max(Math.exp(logA - c), pts[m - 1].lr), pts[m].lr);
    if (!best || sse < best.sse) best = { sse, lr };
  }
  return best && best.sse < MIN_IMPROVEMENT * sseConstant ? best.lr : null;
}

export function fitNormTransition(points: Point[]): number | null {
  const pts = [...points].sort((a, b) => a.lr - b.lr);
  if (pts.length < 4) return null;
  const mean = pts.reduce((a, p) => a + p.value, 0) / pts.length;
  const sseConstant = pts.reduce((a, p) => a + (p.value - mean) ** 2, 0);
  if (sseConstant === 0) return null;
  let best: { sse: number; lr: number } | null = null;
  for (let m = 1; m < pts.length - 1; m++) {
    // Candidate kinks at the grid points and halfway between neighbours.
    for (const knot of [pts[m].lr, (pts[m - 1].lr + pts[m].lr) / 2]) {
      const fit = hingeFit(pts, knot);
      if (fit && fit.slope > 0 && (!best || fit.sse < best.sse)) best = { sse: fit.sse, lr: knot };
    }
  }
  return best && best.sse < MIN_IMPROVEMENT * sseConstant ? best.lr : null;
}

/** Least squares for value = c + slope * max(0, lr - knot). */
function hingeFit(pts: Point[], knot: number): { sse: number; slope: number } | null {
  const h = pts.map((p) => Math.max(0, p.lr - knot));
  const n = pts.length;
  const sh = h.reduce((a, b) => a + b, 0);
  const shh = h.reduce((a, b) => a + b * b, 0);
  const sy = pts.reduce((a, p) => a + p.value, 0);
  const shy = pts.reduce((a, p, i) => a + h[i] * p.value, 0);
  const det = n * shh - sh * sh;
  if (det <= 0) return null;
  const slope = (n * shy - sh * sy) / det;
  const c = (sy - slope * sh) / n;
  const sse = pts.reduce((a, p, i) => a + (p.value - c - slope * h[i]) ** 2, 0);
  return { sse, slope };
}
