// The paper's Section 4 statements, evaluated exactly as printed (right-hand sides only; float64).
// Where the printed text differs from what its proof supports, the function says so; nothing is "fixed" here.
import { Tensor, tidy } from '../torch/index.js';
import { checkBudget, checkMatrix, checkVector } from './validate.js';

const lengthName = 'd (the length of w⁰)';

/**
 * Lemma 4.1 with the last term squared, (1/s)(Σ_k ‖X₍ₖ₎‖|w⁰_k|)² − (1/s)‖Xᵀw⁰‖², as the proof (via Lemma B.2)
 * gives and DESIGN.md §4 writes it: the exact E_m error of Algorithm 1 with p⁰ applied to w⁰.
 */
export function lemma41(X: Tensor, w0: Tensor, s: number): number {
  return lemma41Terms(X, w0, s).squared;
}

/**
 * Lemma 4.1 exactly as printed in the paper's statement: the last term is (1/s)‖Xᵀw⁰‖ without the square
 * (also so in the proof of Lemma 4.2). Not scale-consistent; kept to test the statement as written.
 */
export function lemma41AsPrinted(X: Tensor, w0: Tensor, s: number): number {
  return lemma41Terms(X, w0, s).unsquared;
}

function lemma41Terms(X: Tensor, w0: Tensor, s: number): { squared: number; unsquared: number } {
  const matrix = checkMatrix(X, 'X');
  checkVector(w0, 'w0', matrix.size(0), 'd (the number of rows of X)');
  checkBudget(s);
  return tidy(() => {
    const X64 = matrix.to('float64');
    const w64 = w0.to('float64');
    const weightedNorms = X64.norm(2, 1).mul(w64.abs()).sum().item();
    const features = w64.unsqueeze(0).mm(X64).norm().item();
    return {
      squared: (weightedNorms ** 2 - features ** 2) / s,
      unsquared: (weightedNorms ** 2 - features) / s,
    };
  });
}

/** Lemma 4.2's right-hand side: (1/s)‖w⁰‖². */
export function lemma42Bound(w0: Tensor, s: number): number {
  checkVector(w0, 'w0');
  checkBudget(s);
  return tidy(() => w0.to('float64').square().sum().item() / s);
}

/**
 * Lemma 4.3's right-hand side: (1/s)·Σ_k [Σ_j ‖X̃₍ⱼ₎‖|w⁰_j|]/(‖X̃₍ₖ₎‖|w⁰_k|)·‖X₍ₖ₎‖²(w⋆_k)².
 * A term with ‖X̃₍ₖ₎‖|w⁰_k| = 0 is +∞ when ‖X₍ₖ₎‖w⋆_k ≠ 0 and 0 when it is 0.
 */
export function lemma43Bound(X: Tensor, Xtilde: Tensor, w0: Tensor, wStar: Tensor, s: number): number {
  const matrix = checkMatrix(X, 'X');
  const d = matrix.size(0);
  checkMatrix(Xtilde, 'Xtilde', d);
  checkVector(w0, 'w0', d, 'd (the number of rows of X)');
  checkVector(wStar, 'wStar', d, 'd (the number of rows of X)');
  checkBudget(s);
  return tidy(() => {
    const tildeScores = Xtilde.to('float64').norm(2, 1).mul(w0.to('float64').abs());
    const targets = matrix.to('float64').square().sum(1).mul(wStar.to('float64').square());
    const zero = tildeScores.eq(0);
    if (zero.logicalAnd(targets.gt(0)).any().item()) return Infinity;
    const total = tildeScores.sum().item();
    const safe = tildeScores.add(zero.to('float64'));
    return (total * targets.div(safe).sum().item()) / s;
  });
}

/** Theorem 4.4's right-hand side: (1/s)‖w⁰‖₁(‖w⋆−w⁰‖²/‖w⁰‖_∞ + 2‖w⋆−w⁰‖₁ + ‖w⁰‖₁). */
export function theorem44Bound(w0: Tensor, wStar: Tensor, s: number): number {
  return theorem44Form(w0, wStar, s, 'max');
}

/**
 * (1/s)‖w⁰‖₁(‖w⋆−w⁰‖²/c + 2‖w⋆−w⁰‖₁ + ‖w⁰‖₁) with c = ‖w⁰‖_∞ ('max': Theorem 4.4 as printed) or c = min_k|w⁰_k|
 * ('min': the corrected form in gaussian.ts, +∞ when w⁰ has a zero).
 */
export function theorem44Form(w0: Tensor, wStar: Tensor, s: number, c: 'max' | 'min'): number {
  checkVector(w0, 'w0');
  checkVector(wStar, 'wStar', w0.size(0), lengthName);
  checkBudget(s);
  return tidy(() => {
    const w064 = w0.to('float64');
    const drift = wStar.to('float64').sub(w064);
    const l1 = w064.abs().sum().item();
    const scale = c === 'max' ? w064.abs().max().item() : w064.abs().min().item();
    if (c === 'min' && scale === 0) return Infinity;
    return (l1 * (drift.square().sum().item() / scale + 2 * drift.abs().sum().item() + l1)) / s;
  });
}

/** Lemma 4.5's right-hand side: (d/s)‖w⋆‖². */
export function lemma45Bound(wStar: Tensor, s: number): number {
  checkVector(wStar, 'wStar');
  checkBudget(s);
  return tidy(() => (wStar.size(0) / s) * wStar.to('float64').square().sum().item());
}

/** Lemma 4.5's second printed form: (d/s)(‖w⋆−w⁰‖² + 2w⋆ᵀw⁰) − (d/s)‖w⁰‖² (an identity with the first). */
export function lemma45BoundSecondForm(w0: Tensor, wStar: Tensor, s: number): number {
  checkVector(w0, 'w0');
  checkVector(wStar, 'wStar', w0.size(0), lengthName);
  checkBudget(s);
  return tidy(() => {
    const w064 = w0.to('float64');
    const star = wStar.to('float64');
    const d = w064.size(0);
    return (d / s) * (star.sub(w064).square().sum().item() + 2 * star.dot(w064).item()) -
      (d / s) * w064.square().sum().item();
  });
}
