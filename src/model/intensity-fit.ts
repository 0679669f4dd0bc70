/**
 * Order-arrival intensity λ(δ) = A·e^(−k·δ) fitted by Poisson maximum
 * likelihood with exposure. The data: our quotes rested T_i time units at
 * (mean) distance μ_i, i < n, zero-fill distances included, and got `fills`
 * fills in all whose distances sum to `fillDistanceSum`. The log-likelihood
 *
 *   ℓ(A, k) = fills·ln A − k·fillDistanceSum − A·E(k),   E(k) = Σ T_i·e^(−k·μ_i)
 *
 * is maximised over A at A(k) = fills / E(k); what is left, the profile
 * −k·S/n − ln E(k), is concave in k (ln E is a log-sum-exp), and its
 * derivative vanishes where the exposure-tilted mean distance
 * M(k) = Σ T_i μ_i e^(−kμ_i) / E(k) equals the mean fill distance S/n.
 * M falls as k rises (dM/dk = −V(k), the tilted variance), so the root is
 * unique; Newton steps on it, kept inside a shrinking bracket, find it.
 *
 * Why not a line through ln(fills_i / T_i): that drops distances with
 * exposure and no fill (ln 0) and gives a lucky fill on a tiny exposure the
 * weight of a well-measured bucket, which biases k and A.
 *
 * Binned exposure: a bucket holds spells at several distances, and
 * Σ t_j e^(−kδ_j) over them exceeds T·e^(−kμ) (Jensen), which biases k up
 * by a few % with buckets 0.4/k wide. `variance` (the exposure-weighted
 * variance of distance within each bucket) corrects that to second order,
 * E_i(k) ≈ T_i·e^(−kμ_i + k²v_i/2) (the cumulant expansion, exact for a
 * normal spread of distances); with it ln E stays convex in k, so the root
 * stays unique, and M, V become the tilted mean of μ_i − k·v_i and its
 * variance plus the tilted mean of v_i.
 *
 * Standard errors from the Fisher information at the optimum (with
 * θ = (ln A, k)): I = n·[[1, −M], [−M, V + M²]], so
 * Var(k) = 1/(n·V) and Var(ln A) = (V + M²)/(n·V); SE(A) ≈ A·SE(ln A).
 */

export interface IntensityFit {
  k: number;
  A: number;
  /** standard errors; Infinity where the data cannot tell (one distance only) */
  kStdErr: number;
  AStdErr: number;
}

/** Newton iterations at most; each is O(n). The bracket halves when a step leaves it, so 60 always suffice. */
const MAX_ITERATIONS = 60;

/**
 * Fits into `out` and returns it, or returns false when there is nothing to fit
 * (no fill or no exposure). k is kept in [kMin, kMax] (the maximum on the
 * bound when the unconstrained one lies beyond), A is the profile A(k).
 * Inputs are parallel arrays of which the first `n` entries count; `variance`
 * may be all zeros (distances known exactly).
 */
export function poissonIntensityFit(
  mu: Float64Array,
  variance: Float64Array,
  exposure: Float64Array,
  n: number,
  fills: number,
  fillDistanceSum: number,
  kMin: number,
  kMax: number,
  out: IntensityFit,
): boolean {
  let total = 0;
  let shift = Infinity;
  for (let i = 0; i < n; i++) {
    if (exposure[i]! > 0) {
      total += exposure[i]!;
      if (mu[i]! < shift) shift = mu[i]!;
    }
  }
  if (!(fills > 0) || !(total > 0)) return false;
  const target = fillDistanceSum / fills;

  let lo = kMin;
  let hi = kMax;
  let k: number;
  if (tilted(mu, variance, exposure, n, kMin, shift).mean <= target) k = kMin;
  else if (tilted(mu, variance, exposure, n, kMax, shift).mean >= target) k = kMax;
  else {
    // start from the exponential's own estimate 1/(mean distance − nearest distance), inside the bracket
    k = target > shift ? 1 / (target - shift) : Math.sqrt(kMin * kMax);
    if (!(k > lo && k < hi)) k = Math.sqrt(lo * hi);
    for (let it = 0; it < MAX_ITERATIONS; it++) {
      const t = tilted(mu, variance, exposure, n, k, shift);
      const f = t.mean - target; // decreasing in k
      if (f > 0) lo = k;
      else hi = k;
      let next = t.variance > 0 ? k + f / t.variance : NaN;
      if (!(next > lo && next < hi)) next = (lo + hi) / 2;
      if (Math.abs(next - k) <= 1e-12 * k) {
        k = next;
        break;
      }
      k = next;
    }
  }
  const t = tilted(mu, variance, exposure, n, k, shift);
  // E(k) = e^(−k·shift)·Σ T_i e^(−k(μ_i − shift))
  out.k = k;
  out.A = fills / (t.sum * Math.exp(-k * shift));
  out.kStdErr = t.variance > 0 ? 1 / Math.sqrt(fills * t.variance) : Infinity;
  out.AStdErr = t.variance > 0 ? out.A * Math.sqrt((t.variance + t.mean * t.mean) / (fills * t.variance)) : Infinity;
  return true;
}

/** Scratch result of `tilted`, reused: the fit runs off the hot path, but still allocates nothing per step. */
const T = { sum: 0, mean: 0, variance: 0 };

/**
 * E(k)·e^(k·shift) = Σ T_i e^(−k(μ_i − shift) + k²v_i/2), and the mean M(k) and
 * the spread V(k) = −dM/dk of the distance under those weights.
 */
function tilted(mu: Float64Array, variance: Float64Array, exposure: Float64Array, n: number, k: number, shift: number): typeof T {
  let s = 0;
  let s1 = 0;
  let sv = 0;
  for (let i = 0; i < n; i++) {
    const e = exposure[i]!;
    if (!(e > 0)) continue;
    const v = variance[i]!;
    const w = e * Math.exp(exponent(k, mu[i]! - shift, v));
    s += w;
    s1 += w * (mu[i]! - k * v);
    sv += w * v;
  }
  const mean = s1 / s;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const e = exposure[i]!;
    if (!(e > 0)) continue;
    const v = variance[i]!;
    const d = mu[i]! - k * v - mean;
    s2 += e * Math.exp(exponent(k, mu[i]! - shift, v)) * d * d;
  }
  T.sum = s;
  T.mean = mean;
  T.variance = (s2 + sv) / s;
  return T;
}

/** −k·δ + k²v/2, kept below e^700 (the bound on k keeps real cases far from it) */
function exponent(k: number, delta: number, v: number): number {
  const x = -k * delta + 0.5 * k * k * v;
  return x < 700 ? x : 700;
}

export function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}
