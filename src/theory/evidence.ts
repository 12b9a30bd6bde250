/**
 * The paper-versus-numbers items of FINDINGS.md that a notebook can recompute
 * in a second: each row puts the paper's value (printed, or its formula
 * evaluated as printed) next to what the theory module
 * computes, so the notebook states the disagreement with live evidence.
 */
import { fileURLToPath } from 'node:url';
import { Rng } from '../util/random.js';
import {
  classifierGeneralizationError,
  isotropicErrorProbability,
  minimizeTwoPointSharpness,
  THEOREM_F1_PRINTED_MINIMUM,
} from './classificationToy.js';
import { manifoldSharpness, minimalSharpnessSolution, sharpness, singlePoint } from './diagonalNet.js';
import { expectedRiskMonteCarlo, foldedGaussianMoments, foldedGaussianSampler } from './generalization.js';

/** The list of disagreements itself, next to this module. */
export const FINDINGS_PATH = fileURLToPath(new URL('./FINDINGS.md', import.meta.url));

export interface EvidenceRow {
  /** Item of src/theory/FINDINGS.md. */
  readonly item: string;
  readonly statement: string;
  /** The paper's value: printed in the paper, or its formula evaluated by us (`paperKind`). */
  readonly paper: number;
  /** `printed`: the number appears in the paper (only Theorem F.1's 0.277); `formula`: we evaluated the paper's expression as printed. */
  readonly paperKind: 'printed' | 'formula';
  readonly computed: number;
  /** How `computed` was obtained. */
  readonly method: string;
  /** `disagrees` when the printed value is wrong, `confirmed` when it holds. */
  readonly verdict: 'disagrees' | 'confirmed';
}

const relativelyEqual = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b));

/** Section 3 and appendices D, E (notebook 05). */
export function diagonalNetEvidence(): EvidenceRow[] {
  const x = [0.5, 2];
  const y = 1.5;
  const aS = minimalSharpnessSolution(x, y);
  const denseTop = sharpness(aS, singlePoint(x, y));
  const printedMin = y * Math.min(...x);
  const folded = expectedRiskMonteCarlo('l1', foldedGaussianSampler(2), foldedGaussianMoments(2), 20000, new Rng(33));
  return [
    {
      item: '1.1',
      statement: `Lemma D.2: min over M of S_L, x = (${x.join(', ')}), y = ${y}`,
      paper: printedMin,
      paperKind: 'formula',
      computed: denseTop,
      method: `top eigenvalue of the dense Hessian at A_S (eq. (11) gives ${manifoldSharpness(aS, x).toFixed(4)}): 4 y x_min`,
      verdict: relativelyEqual(printedMin, denseTop, 1e-6) ? 'confirmed' : 'disagrees',
    },
    {
      item: '3.1',
      statement: 'Proposition E.2 (i), folded Gaussian n = 2: E R(A_l1)',
      paper: folded.paper.mean,
      paperKind: 'formula',
      computed: folded.corrected.mean,
      method: `Monte Carlo, 20000 draws, ± ${folded.corrected.standardError.toFixed(4)}; printed integrand has +mu_k t for -2 mu_k t`,
      verdict: Math.abs(folded.paper.mean - folded.corrected.mean) > 5 * (folded.paper.standardError + folded.corrected.standardError) ? 'disagrees' : 'confirmed',
    },
  ];
}

/** Appendix F (notebook 06). */
export function classificationToyEvidence(): EvidenceRow[] {
  const minimum = minimizeTwoPointSharpness(400);
  const d = 3;
  const small = classifierGeneralizationError('maxMargin', new Float64Array(d), 20000, new Rng(7));
  const mu = new Float64Array(2);
  mu[0] = 6;
  const large = classifierGeneralizationError('maxMargin', mu, 20000, new Rng(8));
  return [
    {
      item: '5.3',
      statement: 'Theorem F.1 (ii): minimal sharpness over the separating unit classifiers',
      paper: THEOREM_F1_PRINTED_MINIMUM,
      paperKind: 'printed',
      computed: minimum.value,
      method: `400 x 400 grid over (z, b): minimum at (${minimum.z}, ${minimum.b})`,
      verdict: Math.abs(minimum.value - THEOREM_F1_PRINTED_MINIMUM) < 5e-4 ? 'confirmed' : 'disagrees',
    },
    {
      item: '5.4',
      statement: `small ‖μ‖ (μ = 0, d = ${d}): error of the max-margin classifier, printed Beta integral`,
      paper: small.paperExpression.smallMu,
      paperKind: 'formula',
      computed: small.monteCarlo,
      method: `Monte Carlo ± ${small.standardError.toExponential(1)}; exact I_3/4((d-1)/2, (d-1)/2) = ${isotropicErrorProbability(0.5, d).toFixed(4)}`,
      verdict: Math.abs(small.paperExpression.smallMu - small.monteCarlo) > 5 * small.standardError + 1e-12 ? 'disagrees' : 'confirmed',
    },
    {
      item: '5.5',
      statement: 'large ‖μ‖ (‖μ‖ = 6, d = 2): error of the max-margin classifier, printed Phi expression',
      paper: large.paperExpression.largeMu,
      paperKind: 'formula',
      computed: large.monteCarlo,
      method: `Monte Carlo ± ${large.standardError.toExponential(1)}`,
      verdict: relativelyEqual(large.paperExpression.largeMu, large.monteCarlo, 0.5) ? 'confirmed' : 'disagrees',
    },
  ];
}
