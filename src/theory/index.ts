/**
 * Theory module: the paper's propositions as float64 code (no tensors).
 *  - diagonalNet: the diagonal linear network of Section 3 (loss, gradient, Hessian, sharpness,
 *    Proposition 3.2, the predicted l1 norm of Figure 15b, the exact gradient-flow limit);
 *  - dynamics: gradient descent and RK4 gradient flow on it;
 *  - kkt: Lemma E.1 (Gaussian-model risk, KKT points of the sharpness-constrained problem (12));
 *  - generalization: Proposition E.2 and the folded-Gaussian example of Appendix E.1;
 *  - classificationToy: Appendix F (logistic loss, Theorem F.1, generalisation errors);
 *  - linalg, numerics: the dense eigensolver and special functions they rest on.
 * FINDINGS.md lists where the paper's text and these numbers disagree; evidence recomputes
 * the headline items for the notebooks.
 */
export * from './linalg.js';
export * from './numerics.js';
export * from './diagonalNet.js';
export * from './dynamics.js';
export * from './kkt.js';
export * from './generalization.js';
export * from './classificationToy.js';
export * from './evidence.js';
