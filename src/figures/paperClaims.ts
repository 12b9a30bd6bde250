/**
 * The paper's claims as data, each traced to where the paper makes it: the
 * abstract, the contributions, the findings of sections 2 and 3 and of
 * appendices E-H, the observation each figure caption states, and the U-shape
 * mark of each Table 1 row. Each names how it is judged: by measured checks
 * (`CLAIMS` of claims.ts, all or any of them, or their negation), by Table 1's
 * rows, or by nothing yet (with what would judge it). The report turns these
 * into the checklist (src/report/verdicts.ts); test/figures/paperClaims.test.ts
 * holds the list.
 */
import { TABLE1 } from '../sweep/table1.js';
import { PAPER_ONLY, type Cause } from './claims.js';

export type ClaimKind = 'abstract' | 'contribution' | 'section' | 'caption' | 'appendix' | 'table';

/** A measured check of claims.ts by id; `negate`: the paper's claim is that it does NOT hold (e.g. no norm increase). */
export interface Check {
  id: string;
  negate?: true;
}

/** How the Table 1 rows decide a claim over all rows: none optimal at small η; some U; most U. */
export type TableTest = 'never-low' | 'some-U' | 'mostly-U';

export type ClaimJudge =
  | { by: 'checks'; checks: Check[]; combine: 'all' | 'any' }
  | { by: 'row'; row: number }
  | { by: 'rows'; test: TableTest }
  | { by: 'none'; run: string };

export interface PaperClaim {
  id: string;
  /** The paper's words, shortened. */
  quote: string;
  /** Where: section, figure caption or Table 1 row. */
  source: string;
  kind: ClaimKind;
  judge: ClaimJudge;
  /**
   * A written diagnosis for when the claim does not hold and no check computed
   * one: the cause, why, and the check whose measurement is the evidence.
   */
  written?: { cause: Cause; why: string; see: string };
}

const all = (...ids: string[]): ClaimJudge => ({ by: 'checks', checks: ids.map((id) => ({ id })), combine: 'all' });
const any = (...ids: string[]): ClaimJudge => ({ by: 'checks', checks: ids.map((id) => ({ id })), combine: 'any' });
const none = (...ids: string[]): ClaimJudge => ({ by: 'checks', checks: ids.map((id) => ({ id, negate: true })), combine: 'all' });
const notRun = (run: string): ClaimJudge => ({ by: 'none', run });
const on = (checks: string[], experiments: readonly string[]): string[] => experiments.flatMap((e) => checks.map((c) => `${c}:${e}`));

const BASE = ['fcn-relu-mnist5k-mse', 'fcn-relu-cifar5k-mse', 'fcn-relu-cifar5k-ce'];
const CE = ['fcn-relu-cifar5k-ce', 'fcn-relu-mnist5k-ce'];
const REGIME = ['flow-aligned', 'sharpness', 'norm', 'transition'];
const TRADE_OFF = ['sharpness', 'norm'];

const CLAIM_LIST: PaperClaim[] = [
  // ---- abstract ----
  { id: 'abstract-balance', kind: 'abstract', source: 'Abstract', quote: 'the learning rate balances between low parameter norm and low sharpness of the trained model', judge: all(...on(TRADE_OFF, BASE)) },
  { id: 'abstract-neither-bias', kind: 'abstract', source: 'Abstract', quote: 'for diagonal linear networks trained on a simple regression task ... neither implicit bias alone minimizes the generalization error', judge: all('minimisers:diagonal-2d') },
  // ---- contributions ----
  { id: 'c1-transition', kind: 'contribution', source: 'Section 1.1 (i)', quote: 'we observe a sharp phase transition at a data- and model-dependent critical learning rate η_c', judge: all(...on(['transition'], BASE)) },
  { id: 'c1-below', kind: 'contribution', source: 'Section 1.1 (i)', quote: 'Below η_c, both the norm and sharpness remain nearly constant.', judge: all(...on(['flow-aligned'], BASE)) },
  { id: 'c1-above', kind: 'contribution', source: 'Section 1.1 (i)', quote: 'Above η_c, increasing the learning rate leads to an overall trend of increasing norm and decreasing sharpness.', judge: all(...on(TRADE_OFF, BASE)) },
  { id: 'c2-never-min-norm', kind: 'contribution', source: 'Section 1.1 (ii)', quote: 'low generalization error ... never aligns with minimal norm', judge: { by: 'rows', test: 'never-low' } },
  { id: 'c2-u-shape', kind: 'contribution', source: 'Section 1.1 (ii)', quote: 'In some settings, the test error follows a U-shaped curve, with the best generalization occurring at intermediate learning rates', judge: { by: 'rows', test: 'some-U' } },
  { id: 'c3-distinct-minimisers', kind: 'contribution', source: 'Section 1.1 (iii), Proposition 3.2', quote: 'scenarios where the lowest expected generalization error is attained by neither of them [norm and sharpness minimizers]', judge: all('minimisers:diagonal-2d') },
  { id: 'c3-lr-controls', kind: 'contribution', source: 'Section 1.1 (iii)', quote: 'the learning rate controls the generalization performance of the GD solution', judge: all('u-shape:diagonal-2d') },
  // ---- section 2 ----
  { id: 's2-regimes', kind: 'section', source: 'Section 2', quote: 'flow-aligned regime where both final sharpness and norm remain nearly constant ... EoS regime where sharpness decreases hyperbolically and the ℓ1-norm increases approximately linearly', judge: all(...on(['flow-aligned', 'sharpness', 'norm'], BASE)) },
  { id: 's2-critical-rate', kind: 'section', source: 'Section 2', quote: 'the critical learning rate ... is approximately given by η_c := 2/s_GF^ε', judge: all(...on(['transition'], BASE)) },
  { id: 's2.1-dataset-size', kind: 'section', source: 'Section 2.1 (i), Appendix H.1', quote: 'When training on the full MNIST and CIFAR-10 dataset, the phase transition persists', judge: all(...on(['transition', ...TRADE_OFF], PAPER_ONLY.datasetSize.slice(0, 3))) },
  { id: 's2.1-architecture', kind: 'section', source: 'Section 2.1 (ii), Appendix H.2', quote: 'We vary the architecture of the FCN, as well as extend the FCN to a CNN, a ResNet and a Vision Transformer', judge: all(...on(['transition', ...TRADE_OFF], [...PAPER_ONLY.widthAndDepth, ...PAPER_ONLY.shapes, ...PAPER_ONLY.architectures]), ...on(['transition'], PAPER_ONLY.widthOnly)) },
  { id: 's2.1-activation', kind: 'section', source: 'Section 2.1 (iii), Appendix H.3', quote: 'We study ReLU and tanh activations. The phase transition occurs in both settings', judge: all(...on(['transition', ...TRADE_OFF], ['fcn-tanh-cifar5k-mse', ...PAPER_ONLY.activation])) },
  { id: 's2.1-loss', kind: 'section', source: 'Section 2.1 (iv), Appendix H.4', quote: 'we compare both cross-entropy loss (CE) and mean squared error (MSE). The phase transitions are similar', judge: all(...on(['transition'], [...BASE, 'fcn-relu-mnist5k-ce'])) },
  { id: 's2.1-threshold', kind: 'section', source: 'Section 2.1 (v), Figure 2, Appendix H.5', quote: 'For every experiment, we vary the loss threshold to which we train', judge: all('loss-threshold:fcn-tanh-cifar5k-mse', 'loss-threshold:fcn-relu-mnist5k-mse-goals', 'loss-threshold:fcn-relu-cifar5k-mse-goals') },
  { id: 's2.1-initialisation', kind: 'section', source: 'Section 2.1 (vi), Appendix H.6', quote: 'the transition between both regimes happens at a different learning rate', judge: all('seed-shift', ...on(['transition'], ['fcn-relu-cifar5k-mse-seed44', 'fcn-relu-cifar5k-mse-seed45'])) },
  { id: 's2.1-parametrisation', kind: 'section', source: 'Section 2.1 (vii), Appendix H.7', quote: 'for μP we observe a certain width-independence of the spectral properties', judge: all('mup-transfer') },
  { id: 's2.1-all-variations', kind: 'section', source: 'Section 2.1', quote: 'Across all variations, we consistently observe the same trade-off between sharpness and norm, and the emergence of the flow-aligned and EoS regimes.', judge: all(...on(REGIME, [...BASE, 'fcn-relu-mnist5k-ce', 'fcn-tanh-cifar5k-mse', 'fcn-relu-cifar5k-mse-seed44', 'fcn-relu-cifar5k-mse-seed45', ...PAPER_ONLY.datasetSize, ...PAPER_ONLY.widthAndDepth, ...PAPER_ONLY.shapes, ...PAPER_ONLY.architectures, ...PAPER_ONLY.activation])) },
  { id: 's2.2-flow-aligned', kind: 'section', source: 'Section 2.2', quote: 'minimal deviation from the gradient flow dynamics in terms of sharpness and norm', judge: all(...on(['flow-aligned'], BASE)) },
  { id: 's2.2-gf-distance', kind: 'section', source: 'Section 2.2, Appendix H.10', quote: 'the absolute deviation from the GF trajectory is not necessarily negligible', judge: all('flow-aligned-distance:fcn-relu-cifar5k-mse') },
  { id: 's2.2-eos-hover', kind: 'section', source: 'Section 2.2', quote: 'the curvature of the loss at the iterates ... fluctuates just above 2/η', judge: all('edge-of-stability:fcn-relu-mnist5k-mse') },
  { id: 's2.2-sharpness-2-over-eta', kind: 'section', source: 'Section 2.2', quote: 'the sharpness of the final network parameters thus decreases hyperbolically with the learning rate, closely tracking the function η ↦ 2/η', judge: all(...on(['sharpness'], BASE)) },
  { id: 's2.2-norm-increases', kind: 'section', source: 'Section 2.2', quote: 'At the same time, the norm of the final parameters increases.', judge: all(...on(['norm'], BASE)) },
  { id: 's2.2-norms-agree', kind: 'section', source: 'Section 2.2, Appendix H.9', quote: 'we observe the same qualitative trend for the ℓ1, ℓ2-norm and the nuclear norm', judge: all('norms-agree:fcn-relu-mnist5k-mse', 'norms-agree:fcn-relu-cifar5k-mse') },
  { id: 's2.2-never-min-norm', kind: 'section', source: 'Section 2.2', quote: 'minimal norm solutions in the flow-aligned regime never lead to optimal generalization', judge: { by: 'rows', test: 'never-low' } },
  { id: 's2.2-u-curve', kind: 'section', source: 'Section 2.2', quote: 'In some of the cases we even observe a U-curve of the test error', judge: { by: 'rows', test: 'some-U' } },
  // ---- section 3 ----
  { id: 's3-distinct', kind: 'section', source: 'Section 3, Proposition 3.2', quote: 'in general, the norm- and sharpness-minimizer on M do not agree', judge: all('minimisers:diagonal-2d') },
  { id: 's3-toy-reproduces', kind: 'section', source: 'Section 3', quote: 'our toy model can reproduce the characteristic phase transitions of norm and sharpness (Figure 1) and the U-shaped generalization curve', judge: all('sharpness:diagonal-2d', 'norm:diagonal-2d', 'u-shape:diagonal-2d') },
  { id: 's3-sharpness-near-bound', kind: 'section', source: 'Section 3, Theorem B.2', quote: 'the model finds a solution with sharpness around 2/η', judge: all('stable-limits:diagonal-2d', 'predicted-norm:diagonal-2d') },
  { id: 's3-risk-order', kind: 'section', source: 'Section 3', quote: 'both M_ℓ1 and M_S lead to suboptimal generalization with R(M_ℓ1) < R(M_S)', judge: all('minimisers:diagonal-2d') },
  { id: 's3-diverges-early', kind: 'section', source: 'Section 3', quote: 'GD already diverges for many η where the feasible set of the constrained optimization problem is non-empty', judge: all('diverges-below-bound:diagonal-2d') },
  { id: 's3-eos-beats-l1', kind: 'section', source: 'Section 3', quote: 'all convergent trajectories in the EoS regime achieve better generalization than R(M_ℓ1)', judge: all('eos-beats-l1:diagonal-2d') },
  { id: 's3-kkt', kind: 'section', source: 'Section 3, Lemma E.1', quote: 'the GD limit is often close to a KKT point of a sharpness-restricted risk minimization on M', judge: all('kkt:diagonal-2d') },
  { id: 's3-classification', kind: 'section', source: 'Section 3, Appendix F', quote: 'a comparably simplified classification model for which sharpness minimization leads to better generalization performance than norm-minimization', judge: all('min-sharpness-generalises:logistic-two-point') },
  // ---- appendices D, E, F ----
  { id: 'd2-min-sharpness', kind: 'appendix', source: 'Appendix D, Lemma D.2 (proof)', quote: 'min_{w ∈ M} S_L(w) = y·x_min', judge: all('theory-1.1') },
  { id: 'e-folded-l1-risk', kind: 'appendix', source: 'Appendix E, Proposition E.2 (i)', quote: 'For A_ℓ1(x0, y0), the expected generalization error is given by ½(n(2n−2+π)/π + E(⟨1, x0⟩²/x_max²) + (2n−2+π)/π · E(⟨1, x0⟩/x_max))', judge: all('theory-3.1') },
  { id: 'f-min-sharpness', kind: 'appendix', source: 'Appendix F, Theorem F.1', quote: 'min_{w ∈ M} S_L(w) ≈ 0.277', judge: all('theory-5.3') },
  { id: 'f-small-mu-formula', kind: 'appendix', source: 'Appendix F', quote: '[‖μ‖ ≪ 1, max margin] ≈ Γ(d/2 + 1/2)/(Γ(d/2)Γ(1/2)) ∫_{−1}^{1/2} (1 − x²)^{d/2−1} dx', judge: all('theory-5.4') },
  { id: 'f-large-mu-formula', kind: 'appendix', source: 'Appendix F', quote: '[‖μ‖ ≫ 1, max margin] = (2π)^{−(d−1)/2} · Φ(−‖μ‖₂/(2√2))', judge: all('theory-5.5') },
  { id: 'f-small-mu', kind: 'appendix', source: 'Appendix F', quote: '[for ‖μ‖ ≪ 1] the sharpness minimizer leads to a significantly smaller expected generalization error than the GF-induced regularization', judge: all('min-sharpness-generalises:logistic-two-point') },
  { id: 'f-large-mu', kind: 'appendix', source: 'Appendix F', quote: '[for ‖μ‖ ≫ 1] both expected generalization errors are small', judge: all('large-mu-errors') },
  // ---- appendix H ----
  { id: 'h1-dataset-size', kind: 'appendix', source: 'Appendix H.1, Figure 5', quote: 'The GF solution changes slightly, but the overall phenomena persists', judge: all(...on(['transition', ...TRADE_OFF], PAPER_ONLY.datasetSize)) },
  { id: 'h2-width-alone', kind: 'appendix', source: 'Appendix H.2, Figures 37-39', quote: 'increasing width alone on the MNIST-5k dataset leads to a dissolution of the trend of increasing norm', judge: none(...on(['norm'], PAPER_ONLY.widthOnly)) },
  { id: 'h2-width-and-depth', kind: 'appendix', source: 'Appendix H.2, Figures 42, 43', quote: 'for experiments increasing both width and depth we can see a similar decrease in norm at first, but a robust overall increase afterwards', judge: all(...on(['norm'], PAPER_ONLY.widthAndDepth)) },
  { id: 'h2-cnn-flattens', kind: 'appendix', source: 'Appendix H.2, Figure 5', quote: 'For CNNs, the ℓ1-norm flattens out more for increasing η in comparison to the FCN.', judge: notRun('cnn-relu-mnist5k-mse and cnn-relu-mnist-mse at the paper profile, and a measure of the flattening against fcn-relu-mnist5k-mse (none encoded)') },
  { id: 'h2-batch-norm', kind: 'appendix', source: 'Appendix H.2', quote: 'For the CNN with Batch Normalization, comparably higher learning rates still converge.', judge: notRun('cnn-bn-relu-cifar5k-ce at the paper profile (not run yet) and a comparison of its largest converged rate (none encoded)') },
  { id: 'h2-resnet-vit', kind: 'appendix', source: 'Appendix H.2', quote: 'We do not observe a qualitative change of the phenomena for the ResNet and ViT architectures.', judge: all(...on(['transition', ...TRADE_OFF], ['vit-relu-mnist5k-ce', 'vit-relu-cifar5k-ce', 'resnet20-relu-cifar5k-ce'])) },
  { id: 'h3-activation', kind: 'appendix', source: 'Appendix H.3', quote: 'Across all configurations, the sharpness–norm trade-off and the transition between flow-aligned and EoS regimes are consistently observed.', judge: all(...on(REGIME, ['fcn-tanh-cifar5k-mse', ...PAPER_ONLY.activation])) },
  { id: 'h4-ce-below-gf', kind: 'appendix', source: 'Appendix H.4', quote: 'In the flow-aligned phase, the final sharpness values for CE are still similar in magnitude but consistently below the maximum sharpness of its corresponding GF.', judge: all(...on(['below-flow-sharpness'], CE)) },
  { id: 'h4-ce-transition', kind: 'appendix', source: 'Appendix H.4', quote: 'The transition to the EoS regime still occurs approximately at η = 2/s_GF.', judge: all(...on(['transition'], CE)) },
  { id: 'h4-ce-large-rates', kind: 'appendix', source: 'Appendix H.4', quote: 'For large η, the sharpness values remain below the 2/η curve but qualitatively still decrease', judge: all(...on(['sharpness'], CE)) },
  { id: 'h4-ce-drop', kind: 'appendix', source: 'Appendix H.4', quote: 'after an initial increase (progressive sharpening) and an oscillatory phase around 2/η, the sharpness subsequently decreases again significantly', judge: all('sharpness-drops:fcn-relu-mnist5k-ce') },
  { id: 'h4-ce-fails', kind: 'appendix', source: 'Appendix H.4', quote: 'Training with CE often fails to converge at learning rates even below 1/s_0', judge: any(...on(['fails-below-inverse-s0'], CE)) },
  { id: 'h5-threshold', kind: 'appendix', source: 'Appendix H.5, Figure 2', quote: 'smaller ε values yield higher s_GF^ε, resulting in a lower η_c', judge: all('loss-threshold:fcn-tanh-cifar5k-mse') },
  { id: 'h5-architectures', kind: 'appendix', source: 'Appendix H.5, I.7.1', quote: 'We confirm this trend across multiple architectures', judge: all('loss-threshold:fcn-relu-mnist5k-mse-goals', 'loss-threshold:fcn-relu-cifar5k-mse-goals') },
  { id: 'h6-seed', kind: 'appendix', source: 'Appendix H.6', quote: 'While the critical learning rate η_c shifts with initialization ... the qualitative structure remains intact.', judge: all('seed-shift', ...on(REGIME, ['fcn-relu-cifar5k-mse-seed44', 'fcn-relu-cifar5k-mse-seed45'])) },
  { id: 'h6-scaled-sharpest-at-init', kind: 'appendix', source: 'Appendix H.6', quote: '[scaling ×5 and ×10] the maximal sharpness along the trajectory occurs already at initialization', judge: all('sharpest-at-init:fcn-relu-cifar5k-mse-init5', 'sharpest-at-init:fcn-relu-cifar5k-ce-init5', 'sharpest-at-init:fcn-relu-cifar5k-ce-init10') },
  { id: 'h6-x5-similar', kind: 'appendix', source: 'Appendix H.6', quote: 'the ×5-scaled initializations result in somewhat similar qualitative behaviors in the observed values as our default scale', judge: all('norm:fcn-relu-cifar5k-mse-init5') },
  { id: 'h6-x10-diverges', kind: 'appendix', source: 'Appendix H.6, Figure 63', quote: 'For 10× scaling, the training diverges already at learning rates smaller than η_c.', judge: all('diverges-early:fcn-relu-cifar5k-ce-init10') },
  { id: 'h6-x10-norm', kind: 'appendix', source: 'Appendix H.6, Figure 63', quote: 'the final ℓ1-norm reaches very high values and decreases with increasing learning rate', judge: all('norm-decreases:fcn-relu-cifar5k-ce-init10') },
  { id: 'h7-mup-flat', kind: 'appendix', source: 'Appendix H.7, Figure 7', quote: '[μP] approximately constant sharpness for small learning rates and a decrease along the 2/η curve for larger learning rates, with similar values in the flow-aligned regime across widths', judge: all('mup-flow-sharpness', ...on(['sharpness'], ['fcn-relu-mnist5k-mse-mup100', 'fcn-relu-mnist5k-mse-mup200', 'fcn-relu-mnist5k-mse-mup400'])),
    written: { cause: 'disagreement', why: 'our μP sharpness falls like 1/width, so the flow-aligned values differ across widths in absolute units; they agree once η is rescaled with the width, as the paper says two sentences later (h7-mup-transfer)', see: 'mup-transfer' } },
  { id: 'h7-mup-norm', kind: 'appendix', source: 'Appendix H.7, Figure 7', quote: 'the usual pattern across widths of increasing final parameter ℓ1 for increasing learning rate', judge: all(...on(['norm'], ['fcn-relu-mnist5k-mse-mup100', 'fcn-relu-mnist5k-mse-mup200', 'fcn-relu-mnist5k-mse-mup400'])) },
  { id: 'h7-mup-transfer', kind: 'appendix', source: 'Appendix H.7', quote: 'After rescaling the learning rate proportionally to width, the results align across the models of different widths', judge: all('mup-transfer') },
  { id: 'h7-ntk-norm', kind: 'appendix', source: 'Appendix H.7, Figure 8', quote: '[kernel] the ℓ1-norm ... remains stable for small learning rates and starts to increase once η crosses the critical threshold', judge: all(...on(['norm'], ['fcn-relu-mnist5k-mse-ntk200', 'fcn-relu-mnist5k-mse-ntk400', 'fcn-relu-mnist5k-mse-ntk600'])) },
  { id: 'h7-ntk-order', kind: 'appendix', source: 'Appendix H.7, Figure 8', quote: 'with the transition occurring at learning rates of the same order across widths', judge: all('ntk-transition-order') },
  { id: 'h7-ntk-sharpest-at-init', kind: 'appendix', source: 'Appendix H.7, Figure 8', quote: 'the maximum sharpness coincides with the sharpness at initialization', judge: all(...on(['sharpest-at-init'], ['fcn-relu-mnist5k-mse-ntk200', 'fcn-relu-mnist5k-mse-ntk400', 'fcn-relu-mnist5k-mse-ntk600'])) },
  { id: 'h7-ntk-sharpness', kind: 'appendix', source: 'Appendix H.7, Figure 8', quote: 'sharpness stays flat below the threshold and decreases gradually thereafter', judge: all(...on(['sharpness-trend'], ['fcn-relu-mnist5k-mse-ntk200', 'fcn-relu-mnist5k-mse-ntk400', 'fcn-relu-mnist5k-mse-ntk600'])) },
  { id: 'h8-iterations', kind: 'appendix', source: 'Appendix H.8', quote: 'the number of iterations required to reach a fixed training loss decreasing at an approximate rate of 1/η ... higher in the flow-aligned regime than in the EoS regime', judge: all('iterations:fcn-relu-mnist5k-mse') },
  { id: 'h9-sharpness-measures', kind: 'appendix', source: 'Appendix H.9, Figure 10', quote: 'all measures display a general decreasing behavior with the exception of the Fisher trace on standard MSE loss', judge: notRun('Hessian trace, adaptive sharpness and Fisher measures at the final parameters of fcn-relu-cifar5k-mse, -init5 and fcn-relu-cifar5k-ce (not recorded by the sweeps)') },
  { id: 'h10-distance-grows', kind: 'appendix', source: 'Appendix H.10', quote: 'the increase in distance from the GF solution is much larger than the increase in absolute ℓ1-norm', judge: all('distance-outgrows-norm:fcn-relu-cifar5k-mse') },
  { id: 'h11-eos', kind: 'appendix', source: 'Appendix H.11', quote: 'The sharpness increases initially (progressive sharpening) until reaching 2/η, and then oscillates around this value.', judge: all('edge-of-stability:fcn-relu-mnist5k-mse') },
  { id: 'h11-norm-monotone', kind: 'appendix', source: 'Appendix H.11', quote: 'The norm rises without oscillation', judge: all('norm-monotone:fcn-relu-mnist5k-mse') },
  { id: 'h12-layers', kind: 'appendix', source: 'Appendix H.12', quote: 'all layers show an increasing trend', judge: all('layer-norms:fcn-relu-mnist5k-mse', 'layer-norms:fcn-relu-cifar5k-ce') },
  { id: 'h13-predicted-line', kind: 'appendix', source: 'Appendix H.13', quote: 'We can explicitly compute the ℓ1-norm on the solution manifold under the sharpness constraint 2/η, yielding the predicted line in Figure 15b', judge: all('predicted-norm:diagonal-2d') },
  { id: 'h13-diverges-early', kind: 'appendix', source: 'Appendix H.13', quote: 'divergence occurs already for learning rates η below the theoretical divergence threshold', judge: all('diverges-below-bound:diagonal-2d') },
  { id: 'h14-modalities', kind: 'appendix', source: 'Appendix H.14', quote: 'we observe the similar characteristic trade-off of sharpness and norm [on tabular and sequence data]', judge: notRun('California housing, breast cancer and sequence-reversal sweeps (no experiment of any profile yet)') },
  // ---- figure captions ----
  { id: 'fig1', kind: 'caption', source: 'Figure 1', quote: 'a flow-aligned regime, where solutions match gradient flow in sharpness and norm, and an EoS regime, where sharpness decreases while the ℓ2-norm increases', judge: all(...on(['flow-aligned', 'sharpness'], ['fcn-relu-cifar5k-mse', 'fcn-relu-mnist-mse']), 'norms-agree:fcn-relu-cifar5k-mse', 'norm:fcn-relu-mnist-mse') },
  { id: 'fig2', kind: 'caption', source: 'Figure 2', quote: 'Each plot illustrates a sharp regime transition as the learning rate crosses the critical threshold η_c ≈ 2/s_GF^ε', judge: all(...on(REGIME, ['fcn-tanh-cifar5k-mse'])) },
  { id: 'fig3-mnist-u', kind: 'caption', source: 'Figure 3 (left)', quote: 'On MNIST-5k with MSE loss, a clear U-shaped test loss', judge: all('test-loss-u:fcn-relu-mnist5k-mse') },
  { id: 'fig3-cifar-ce', kind: 'caption', source: 'Figure 3 (middle)', quote: 'CIFAR-10-5k with CE loss shows a similar, though weaker trend', judge: all('test-loss-u:fcn-relu-cifar5k-ce') },
  { id: 'fig3-typical', kind: 'caption', source: 'Figure 3', quote: 'The best generalization typically occurs at intermediate learning rates', judge: { by: 'rows', test: 'mostly-U' } },
  { id: 'fig3-cifar-mse', kind: 'caption', source: 'Figure 3 (right)', quote: 'CIFAR-10-5k with MSE loss does not follow this pattern', judge: all('test-loss-extreme:fcn-relu-cifar5k-mse') },
  { id: 'fig4-u', kind: 'caption', source: 'Figure 4d', quote: 'The U-shaped generalization error is shown in (4d).', judge: all('u-shape:diagonal-2d') },
  { id: 'fig5', kind: 'caption', source: 'Figure 5', quote: 'the ℓ1-norm increase flattens out more towards larger η in comparison to the FCN', judge: notRun('cnn-relu-mnist5k-mse and cnn-relu-mnist-mse at the paper profile, and a measure of the flattening against the FCN (none encoded)') },
  { id: 'fig6-seed', kind: 'caption', source: 'Figure 6', quote: 'the different seed does not affect the overall behavior', judge: all(...on(REGIME, ['fcn-relu-cifar5k-mse-seed44'])) },
  { id: 'fig6-scaling', kind: 'caption', source: 'Figure 6', quote: 'scaling disrupts adherence of solution sharpness to the 2/η curve. Effect on norm is however preserved.', judge: all('off-bound:fcn-relu-cifar5k-mse-init5', 'norm:fcn-relu-cifar5k-mse-init5') },
  { id: 'fig9', kind: 'caption', source: 'Figure 9', quote: 'the behavior of the different norms is approximately equivalent', judge: all('norms-agree:fcn-relu-cifar5k-mse', 'norms-agree:fcn-relu-mnist5k-mse') },
  { id: 'fig10', kind: 'caption', source: 'Figure 10', quote: 'all measures display a general decreasing behavior with the exception of the Fisher trace on standard MSE loss', judge: notRun('Hessian trace, adaptive sharpness and Fisher measures of the final parameters (not recorded by the sweeps)') },
  { id: 'fig11', kind: 'caption', source: 'Figure 11', quote: 'On both examples we can see an increasing behavior similar to that of solution ℓ1-norm.', judge: all('distance-from-flow:fcn-relu-cifar5k-mse', 'distance-from-flow:fcn-relu-mnist5k-mse') },
  { id: 'fig12', kind: 'caption', source: 'Figure 12', quote: 'the ℓ1-distance of the final models from their initialization ... the qualitative behavior remains almost identical', judge: all('distance-from-init:fcn-relu-cifar5k-mse', 'distance-from-init:fcn-relu-mnist5k-mse') },
  { id: 'fig13-eos', kind: 'caption', source: 'Figure 13', quote: 'We clearly observe the progressive sharpening and oscillations once the sharpness reaches 2/η.', judge: all('edge-of-stability:fcn-relu-mnist5k-mse', 'edge-of-stability:fcn-relu-mnist5k-ce') },
  { id: 'fig13-ce-drop', kind: 'caption', source: 'Figure 13b', quote: 'For CE loss, the sharpness at the iterates drop after a oscillatory phase.', judge: all('sharpness-drops:fcn-relu-mnist5k-ce') },
  { id: 'fig14', kind: 'caption', source: 'Figure 14', quote: 'All layers show an increasing trend, which is relative to the layer size.', judge: all('layer-norms:fcn-relu-mnist5k-mse', 'layer-norms:fcn-relu-cifar5k-ce') },
  { id: 'fig15', kind: 'caption', source: 'Figure 15', quote: 'The behavior corresponds to that of more realistic models studied throughout the paper.', judge: all('flow-aligned:diagonal-2d', 'sharpness:diagonal-2d', 'norm:diagonal-2d', 'u-shape:diagonal-2d') },
  { id: 'fig16-flow', kind: 'caption', source: 'Figure 16', quote: 'the flow-aligned regime (16a)-(16d), where GD closely tracks the GF trajectory', judge: all('flow-aligned:diagonal-2d') },
  { id: 'fig16-eos', kind: 'caption', source: 'Figure 16', quote: 'until converging to one of the first solutions whose sharpness is less than 2/η', judge: all('stable-limits:diagonal-2d', 'predicted-norm:diagonal-2d') },
  { id: 'fig16-kkt', kind: 'caption', source: 'Figure 16', quote: 'In purple, we mark the KKT points from Lemma E.1. [GD limits near them]', judge: all('kkt:diagonal-2d') },
  { id: 'fig17', kind: 'caption', source: 'Figure 17', quote: 'This indicates that our results extend beyond the image sector.', judge: notRun('California housing, breast cancer and sequence-reversal sweeps (no experiment of any profile yet)') },
  // ---- Table 1 ----
  { id: 'table1-extremes-high', kind: 'table', source: 'Appendix I, Table 1 (U-shape column)', quote: 'in all cases with a clear optimum extreme alignment, the alignment is always towards high learning rates', judge: { by: 'rows', test: 'never-low' } },
];

/** One claim per Table 1 row that carries a U-shape mark (the CNN-ReLU BN row has none). */
const TABLE1_CLAIMS: PaperClaim[] = TABLE1.filter((r) => r.uShape !== null).map((r) => {
  const mark = r.uShape?.shape === 'U' ? '✓' : '×';
  return {
    id: `table1-row-${r.row}`,
    kind: 'table',
    source: `Table 1, row ${r.row}`,
    quote: `${r.model}, ${r.dataset}, ${r.loss}, seed ${r.seed}${r.initScale === 1 ? '' : ` ×${r.initScale}`}, loss goal ${r.lossGoal}: U-shape ${r.uShape?.tentative ? `(${mark})` : mark}`,
    judge: { by: 'row', row: r.row },
  };
});

export const PAPER_CLAIMS: readonly PaperClaim[] = [...CLAIM_LIST, ...TABLE1_CLAIMS];
